//go:build unix && !linux

package filestore

import (
	"io/fs"
	"syscall"
)

// statOf returns what the backend keeps of info: its size, time, mode and
// identity. Without the change time, whose field differs from system to
// system, the versions cache never trusts metadata here, and files are
// read and hashed at every start.
func statOf(info fs.FileInfo) fileStat {
	st := fileStat{size: info.Size(), mtime: info.ModTime().UnixNano(), mode: uint32(info.Mode())}
	if sys, ok := info.Sys().(*syscall.Stat_t); ok {
		st.dev, st.ino = uint64(sys.Dev), uint64(sys.Ino)
	}
	return st
}
