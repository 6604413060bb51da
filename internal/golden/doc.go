// Package golden compares a test's output with a golden file in testdata
// and, when the test binary runs with -update, rewrites the file instead, as
// go/printer's tests do. Review the diff of the rewritten files before
// committing them.
//
// Its main rule: only tests import it. It registers the -update flag, so a
// test package that imports it must not define its own.
package golden
