//go:build !unix

package store

// openNonblock is 0 where os.Open sets up no poller for files.
const openNonblock = 0
