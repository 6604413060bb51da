//go:build !linux

package store

import "io/fs"

// statOf returns what the Store keeps of info: its size, time and mode.
// The versions cache trusts metadata only where it can read a file's
// change time and identity (Linux); elsewhere files are read and hashed at
// every start.
func statOf(info fs.FileInfo) fileStat {
	return fileStat{size: info.Size(), mtime: info.ModTime().UnixNano(), mode: uint32(info.Mode())}
}
