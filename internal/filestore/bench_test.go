package filestore

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/amal-kommun/tolk/internal/contenttest"

	"github.com/amal-kommun/tolk/internal/journal"
)

// benchTree writes a generated tree of 3,000 versions, as old as a
// checked-out tree, and returns its directory.
func benchTree(b *testing.B) string { return contenttest.GeneratedTree(b, 1000) }

// BenchmarkOpen is a server's start on a tree of 3,000 versions that did
// not change since the last start: the versions come from the versions
// cache, the index is reopened, the journal (on disk) has nothing to catch
// up.
func BenchmarkOpen(b *testing.B) {
	dir, idx := benchTree(b), b.TempDir()
	openStore(b, dir, idx) // the index, the versions cache, the journal's first entries
	for b.Loop() {
		if parsed := openStore(b, dir, idx); parsed != 0 {
			b.Fatalf("a start on a cached tree parsed %d files", parsed)
		}
	}
}

// BenchmarkOpenUncached is the same start without a versions cache: every
// file is parsed.
func BenchmarkOpenUncached(b *testing.B) {
	dir, idx := benchTree(b), b.TempDir()
	openStore(b, dir, idx)
	for b.Loop() {
		if err := os.Remove(filepath.Join(idx, CacheFile)); err != nil {
			b.Fatal(err)
		}
		openStore(b, dir, idx)
	}
}

// openStore opens and closes a Store over dir with its index and journal
// in idx, and returns the number of files it parsed.
func openStore(b *testing.B, dir, idx string) int {
	j, err := journal.Open(idx)
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	s, fb := newStore(b, dir, idx, j)
	if err := s.Load(context.Background()); err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	return fb.cacheStats.parsed
}

// BenchmarkWriteFile is the durable write alone: temporary file, write,
// fsync, rename, fsync of the folder.
func BenchmarkWriteFile(b *testing.B) {
	dir := b.TempDir()
	writeTree(b, dir, map[string]string{"articles/a/sv.md": "x"})
	s := &Backend{dir: dir}
	s.ops = s.rootFileOps()
	data := []byte(doc("Artikel", "artikel", ""))
	for b.Loop() {
		if _, err := s.writeFile("articles/a/sv.md", data); err != nil {
			b.Fatal(err)
		}
	}
}
