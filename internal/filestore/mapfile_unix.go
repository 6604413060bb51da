//go:build unix

package filestore

import (
	"os"
	"syscall"
)

// mapFile maps the first size bytes of f read-only and shared, so that
// they cost page cache rather than heap, and the pages never touched cost
// nothing. The mapping outlives f's descriptor and is never unmapped:
// strings that point into it are handed to anyone holding a Library. The
// file must never be truncated or rewritten in place while mapped; the
// versions cache is only ever replaced by a rename.
func mapFile(f *os.File, size int) ([]byte, error) {
	return syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_SHARED)
}

// unmapFile unmaps what mapFile mapped, when nothing points into it.
func unmapFile(b []byte) { syscall.Munmap(b) }
