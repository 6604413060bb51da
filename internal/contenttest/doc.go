// Package contenttest provides content trees for tests: a writable copy of
// the embedded corpus or of any fs.FS, trees written from a map of files,
// and Site, the site.yaml that small test trees share.
//
// It is imported only by tests. Its main rule: every tree it makes lives in
// the test's own temporary directory, so tests never write to content/ or
// share a tree.
package contenttest
