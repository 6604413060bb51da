//go:build !unix

package filestore

// openNonblock is 0 where os.Open sets up no poller for files.
const openNonblock = 0

// openNoFollow is 0 where the system has no O_NOFOLLOW.
const openNoFollow = 0
