//go:build !unix

package filestore

import "io/fs"

// statOf returns what the backend keeps of info: its size, time and mode.
// Without a file's change time and identity the versions cache never
// trusts metadata, and files are read and hashed at every start.
func statOf(info fs.FileInfo) fileStat {
	return fileStat{size: info.Size(), mtime: info.ModTime().UnixNano(), mode: uint32(info.Mode())}
}
