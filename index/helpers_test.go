package index

import (
	"context"
	"os"
	"testing"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/load"
)

// loadTree loads the content tree at dir and returns its versions.
func loadTree(t testing.TB, dir string) []*article.Version {
	t.Helper()
	lib, problems, err := load.Load(context.Background(), os.DirFS(dir))
	if err != nil {
		t.Fatalf("load %s: %v", dir, err)
	}
	for _, p := range problems {
		t.Logf("content problem: %s", p)
	}
	return lib.All()
}

// openTest opens an in-memory index of versions.
func openTest(t testing.TB, versions []*article.Version) *Index {
	t.Helper()
	ix, err := Open(context.Background(), Options{}, versions)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}
