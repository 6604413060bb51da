//go:build !unix

package filestore

import (
	"io"
	"os"
)

// mapFile reads the first size bytes of f, where memory mapping is not
// available.
func mapFile(f *os.File, size int) ([]byte, error) {
	b := make([]byte, size)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, err
	}
	return b, nil
}

// unmapFile releases what mapFile read.
func unmapFile([]byte) {}
