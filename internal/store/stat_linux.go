package store

import (
	"io/fs"
	"syscall"
)

// statOf returns what the versions cache keeps of info, or the zero
// fileStat when info does not come from the operating system. The change
// time is what makes trusting metadata safe: every write, rename, chmod
// or chtimes sets it to the present, and no program can set it back.
func statOf(info fs.FileInfo) fileStat {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok || st.Ino == 0 {
		return fileStat{}
	}
	return fileStat{size: info.Size(), mtime: info.ModTime().UnixNano(), ctime: st.Ctim.Nano(),
		mode: uint32(info.Mode()), dev: st.Dev, ino: st.Ino}
}
