//go:build !unix

package journal

import "os"

// locking reports whether Open guards the file against a second writer.
const locking = false

// lock does nothing where flock is unavailable; see lock_unix.go.
func lock(*os.File) error { return nil }
