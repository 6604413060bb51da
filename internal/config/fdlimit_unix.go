//go:build unix

package config

import "syscall"

// openFileLimit returns the process's soft limit on open files (Go raises
// it to the hard limit at start on Linux), or 0 when it is unknown.
func openFileLimit() uint64 {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0
	}
	return l.Cur
}
