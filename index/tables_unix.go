//go:build unix

package index

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
)

// openTablesData maps the file at path read-only. The mapping is released
// by a cleanup once the returned tablesData is unreachable. The file is
// only ever replaced by a rename, never changed in place, so the mapped
// pages stay valid.
func openTablesData(path string) (*tablesData, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := fi.Size()
	if size == 0 || size != int64(int(size)) {
		return &tablesData{}, nil // no header: reported as damaged
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("map %s: %w", path, err)
	}
	d := &tablesData{b: b}
	runtime.AddCleanup(d, func(b []byte) { syscall.Munmap(b) }, b)
	return d, nil
}
