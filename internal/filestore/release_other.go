//go:build !linux

package filestore

// releaseFile leaves the pages of b where they are: elsewhere than Linux
// the system reclaims a mapping's clean pages by itself, and where files
// are read rather than mapped there is nothing to release.
func releaseFile([]byte) {}
