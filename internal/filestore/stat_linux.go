package filestore

import (
	"io/fs"
	"syscall"
)

// statOf returns what the backend keeps of info. The change time is what
// makes trusting metadata safe: every write, rename, chmod or chtimes sets
// it to the present, and no program can set it back. Infos that do not
// come from the operating system have no identity, and the versions cache
// never trusts them.
func statOf(info fs.FileInfo) fileStat {
	st := fileStat{size: info.Size(), mtime: info.ModTime().UnixNano(), mode: uint32(info.Mode())}
	if sys, ok := info.Sys().(*syscall.Stat_t); ok {
		st.ctime, st.dev, st.ino = sys.Ctim.Nano(), sys.Dev, sys.Ino
	}
	return st
}
