package store_test

import (
	"maps"
	"testing"
	"testing/fstest"

	"github.com/amal-kommun/tolk/internal/contenttest"
	"github.com/amal-kommun/tolk/internal/pgstore"
	"github.com/amal-kommun/tolk/internal/pgstore/pgtest"
	"github.com/amal-kommun/tolk/internal/store"
)

// eachBackend runs fn as the subtests "files" and "postgres", each with a
// fixture over files (slash paths → content; site.yaml is added when
// missing): a content directory on the file backend, and the same tree
// imported into a site of its own schema on the PostgreSQL backend. The
// postgres fixture has no dir and no fb, and its journal is the backend's
// mirror of the site's change log; assertions about files go under
// f.fb != nil.
func eachBackend(t *testing.T, files map[string]string, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	eachBackendOf(t, files, files, fn)
}

// eachBackendOf is eachBackend with a tree of each backend's own, for
// content only one of them can hold: the database's Import refuses a tree
// with problems, which a content directory serves around.
func eachBackendOf(t *testing.T, files, pgFiles map[string]string, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	t.Run("files", func(t *testing.T) { fn(t, newFixture(t, maps.Clone(files))) })
	t.Run("postgres", func(t *testing.T) { fn(t, newPostgresFixture(t, maps.Clone(pgFiles))) })
}

// newPostgresFixture imports files into the site "kommun" of a database
// of the test's own and opens a Store on it with the backend's journal
// and a recorder.
func newPostgresFixture(t *testing.T, files map[string]string) *fixture {
	t.Helper()
	url := pgtest.URL(t)
	if _, ok := files["site.yaml"]; !ok {
		files["site.yaml"] = contenttest.Site
	}
	tree := fstest.MapFS{}
	for p, data := range files {
		tree[p] = &fstest.MapFile{Data: []byte(data)}
	}
	db, err := pgstore.Open(t.Context(), url, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if _, ps, err := db.Import(t.Context(), "kommun", tree); err != nil || len(ps) > 0 {
		t.Fatalf("Import = %v, %v", ps, err)
	}
	f := &fixture{rec: &recorder{}, pg: db}
	b, jr := f.backend(t)
	f.j = testJournal{jr}
	f.s, err = store.Open(t.Context(), store.Options{Backend: b, Journal: jr, Notify: f.rec.notify, OnChange: f.rec.onChange})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { f.s.Close() })
	return f
}
