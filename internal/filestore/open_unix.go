//go:build unix

package filestore

import "syscall"

// openNonblock opens version files without the system calls os.Open makes
// to set up the poller, which refuses regular files anyway.
const openNonblock = syscall.O_NONBLOCK

// openNoFollow makes the open of a version file fail when the file was
// replaced by a symbolic link since the folder was listed.
const openNoFollow = syscall.O_NOFOLLOW
