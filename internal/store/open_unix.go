//go:build unix

package store

import "syscall"

// openNonblock opens version files without the system calls os.Open makes
// to set up the poller, which refuses regular files anyway.
const openNonblock = syscall.O_NONBLOCK
