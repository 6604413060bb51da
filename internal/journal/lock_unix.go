//go:build unix

package journal

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// locking reports whether Open guards the file against a second writer.
const locking = true

// lock takes an exclusive advisory lock on f, released when f is closed, so
// that a second process (a misconfigured replica sharing the index
// directory) cannot interleave its appends with the writer's.
func lock(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return ErrLocked
	}
	if err != nil {
		return fmt.Errorf("journal: lock: %w", err)
	}
	return nil
}
