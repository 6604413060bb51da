package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/contenttest"
	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/pgstore"
	"github.com/amal-kommun/tolk/internal/pgstore/pgtest"
	"github.com/amal-kommun/tolk/internal/store"
)

// replica opens a Store over the site "kommun" of the database at url,
// as one server of several would, and watches it when watch is set.
func replica(t *testing.T, url string, watch bool) *store.Store {
	t.Helper()
	db, err := pgstore.Open(t.Context(), url, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	b, err := pgstore.NewBackend(db, "kommun", pgstore.ListenOptions{Poll: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	s, err := store.Open(t.Context(), store.Options{Backend: b, Journal: j})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if watch {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Watch(ctx) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Watch: %v", err)
			}
		})
	}
	return s
}

// version returns the version of id in lang with title and slug.
func version(id, lang, title, slug string) *article.Version {
	return &article.Version{ID: id, Lang: lang, Title: title, Slug: slug, Published: article.Date{Raw: "2020-01-03"}, Body: "Texten.\n"}
}

// TestBackendReplicas runs the content core over the PostgreSQL backend
// as two replicas: each loads the site, a write on one is served by it
// at once and by the other once its Watch applies it, and a write on a
// replica that has not applied the other's yet is still validated
// against it (the core catches up inside the backend's transaction), so
// a slug clash is refused and a precondition sees the other's version.
func TestBackendReplicas(t *testing.T) {
	url := pgtest.URL(t)
	ctx := t.Context()
	db, err := pgstore.Open(ctx, url, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tree := fstest.MapFS{
		"site.yaml":              {Data: []byte(contenttest.Site)},
		"articles/skola/sv.md":   {Data: []byte(doc("Skolan", "skolan", ""))},
		"articles/vanort/sv.md":  {Data: []byte(doc("Vänorten", "vanorten", ""))},
		"articles/vanort/en.md":  {Data: []byte(doc("The twin town", "the-twin-town", "translated_from: sv\nsource_updated: 2020-01-03\n"))},
		"articles/utkast/sv.md":  {Data: []byte(doc("Utkast", "utkast", "draft: true\n"))},
		"articles/README.md":     {Data: []byte("not a version")},
		"articles/skola/notes.t": {Data: []byte("not a version either")},
	}
	if _, ps, err := db.Import(ctx, "kommun", tree); err != nil || len(ps) > 0 {
		t.Fatalf("Import = %v, %v", ps, err)
	}
	a, b := replica(t, url, true), replica(t, url, false)
	for _, s := range []*store.Store{a, b} {
		if n := len(s.Library().All()); n != 4 || len(s.Problems()) != 0 {
			t.Fatalf("loaded %d versions, problems %v; want 4 and none", n, s.Problems())
		}
	}

	// A write on b, which does not watch: served by b at once, by a
	// through its Watch.
	res, err := b.Put(ctx, version("badhus", "sv", "Badhuset", "badhuset"))
	if err != nil || !res.Created || !res.Changed || res.Position == 0 {
		t.Fatalf("Put on b = %+v, %v", res, err)
	}
	if b.Library().Version("badhus", "sv") == nil || b.Current().Position != res.Position {
		t.Fatalf("b does not serve its own write at position %d (at %d)", res.Position, b.Current().Position)
	}
	eventually(t, 10*time.Second, "a serves b's write", func() bool { return a.Library().Version("badhus", "sv") != nil })
	if a.Current().Position != res.Position {
		t.Errorf("a at position %d, want %d", a.Current().Position, res.Position)
	}

	// A write on a that b has not applied: b's clashing write is refused,
	// and its precondition sees a's version.
	if _, err := a.Put(ctx, version("bibliotek", "sv", "Biblioteket", "biblioteket")); err != nil {
		t.Fatal(err)
	}
	_, err = b.Put(ctx, version("bibliotek2", "sv", "Biblioteket igen", "biblioteket"))
	var ve *store.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) == 0 || ve.Problems[0].Key != "slug" {
		t.Fatalf("clashing Put on b = %v, want a ValidationError at slug", err)
	}
	errExists := errors.New("exists")
	_, err = b.PutIf(ctx, version("bibliotek", "sv", "Biblioteket", "biblioteket"), func(cur *article.Version) error {
		if cur != nil {
			return errExists
		}
		return nil
	})
	if !errors.Is(err, errExists) {
		t.Fatalf("create-only Put on b = %v, want the precondition's error", err)
	}
	if b.Library().Version("bibliotek", "sv") == nil {
		t.Error("b did not catch up with a's write inside its own")
	}

	// The same bytes change nothing; a delete on b reaches a.
	if res, err := a.Put(ctx, version("bibliotek", "sv", "Biblioteket", "biblioteket")); err != nil || res.Changed {
		t.Errorf("Put of the same version = %+v, %v; want unchanged", res, err)
	}
	if err := b.Delete(ctx, "skola", "sv"); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, "skola", "sv"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second Delete = %v, want ErrNotFound", err)
	}
	eventually(t, 10*time.Second, "a drops b's delete", func() bool { return a.Library().Version("skola", "sv") == nil })
	var ce *store.ConflictError
	if err := a.Delete(ctx, "vanort", "sv"); !errors.As(err, &ce) {
		t.Errorf("Delete of an original with a translation = %v, want a ConflictError", err)
	}
	if got, want := versionsOf(a.Library()), versionsOf(b.Library()); !slices.Equal(got, want) {
		t.Errorf("replicas differ: a %v, b %v", got, want)
	}
}
