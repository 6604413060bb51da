package filestore

import "syscall"

// releaseFile drops the pages of the mapping b from the process's resident
// memory; they are read again, from the page cache or the file, on access.
func releaseFile(b []byte) { syscall.Madvise(b, syscall.MADV_DONTNEED) }
