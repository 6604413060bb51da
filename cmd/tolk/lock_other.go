//go:build !unix

package main

// lockDir does nothing where there is no flock.
func lockDir(dir string) (release func(), err error) { return func() {}, nil }
