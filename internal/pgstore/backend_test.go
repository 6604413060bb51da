package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/amal-kommun/tolk/content"
	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/load"
	"github.com/amal-kommun/tolk/internal/pgstore"
	"github.com/amal-kommun/tolk/internal/store"
)

// replica opens its own Store on url (as another process would) and
// returns the Backend of site.
func replica(t *testing.T, url, site string) *pgstore.Backend {
	t.Helper()
	st, err := pgstore.Open(t.Context(), url, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	b, err := pgstore.NewBackend(st, site, pgstore.ListenOptions{Poll: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// deltas collects what a Backend's Watch reports.
type deltas struct {
	mu  sync.Mutex
	got []store.Delta
}

func (d *deltas) report(dl store.Delta) {
	d.mu.Lock()
	d.got = append(d.got, dl)
	d.mu.Unlock()
}

// wait returns the first delta reaching position to.
func (d *deltas) wait(t *testing.T, to store.Position) store.Delta {
	t.Helper()
	for start := time.Now(); time.Since(start) < 5*time.Second; time.Sleep(10 * time.Millisecond) {
		d.mu.Lock()
		for _, dl := range d.got {
			if dl.To == to {
				d.mu.Unlock()
				return dl
			}
		}
		d.mu.Unlock()
	}
	t.Fatalf("no delta to %d reported", to)
	return store.Delta{}
}

// TestBackendReplicas: two replicas' Backends on one database: both load
// the imported corpus as load.Load reads it; a write on A reaches B's Watch
// with its entries; B's Update catches up with A's write inside its
// transaction; the change function's error comes back unchanged.
func TestBackendReplicas(t *testing.T) {
	t.Parallel()
	url := open2(t)
	a, b := replica(t, url, "default"), replica(t, url, "default")
	ctx := t.Context()

	// Before any import: no site, one problem saying so; Watch then
	// reports the import.
	snap, err := b.Load(ctx)
	if err != nil || snap.Site != nil || len(snap.Problems) != 1 || !snap.KeepsJournal {
		t.Fatalf("Load of a missing site = %+v, %v", snap, err)
	}
	var seen deltas
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go b.Watch(wctx, seen.report)

	st, err := pgstore.Open(ctx, url, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, _, err := st.Import(ctx, "default", content.FS); err != nil {
		t.Fatal(err)
	}
	imported := seen.wait(t, 1)
	lib, _, err := load.Load(ctx, content.FS)
	if err != nil {
		t.Fatal(err)
	}
	if imported.Site == nil || len(imported.Put) != len(lib.All()) || !imported.ProblemsChanged || len(imported.Problems) != 0 || len(imported.Entries) == 0 {
		t.Fatalf("import's delta: site %v, %d put, problems %v (changed %v), %d entries", imported.Site != nil, len(imported.Put), imported.Problems, imported.ProblemsChanged, len(imported.Entries))
	}

	snap, err = a.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Position != 1 || snap.Site == nil || len(snap.Problems) != 0 || len(snap.Versions) != len(lib.All()) {
		t.Fatalf("Load: position %d, site %v, problems %v, %d versions", snap.Position, snap.Site != nil, snap.Problems, len(snap.Versions))
	}
	for _, s := range snap.Versions {
		w := lib.Version(s.Version.ID, s.Version.Lang)
		if w == nil || w.Title != s.Version.Title || w.Slug != s.Version.Slug || w.HTML != s.Version.HTML || s.Version.Body != "" || s.Hash != pgstore.HashOf(load.Format(w)) {
			t.Errorf("loaded %s/%s differs from load.Load's", s.Version.ID, s.Version.Lang)
		}
	}

	// A writes one version.
	v := lib.Version("dunhuang-samarbete", "sv")
	file := []byte(strings.Replace(string(load.Format(v)), "title: ", "title: Ny ", 1))
	key := v.Key()
	pos, err := a.Update(ctx, 1, func(behind store.Delta) (store.Change, error) {
		if !behind.Empty() || behind.From != 1 || behind.To != 1 {
			return store.Change{}, errors.New("A is behind nothing, yet got a delta")
		}
		return store.Change{Key: key, File: file, Entries: []journal.Entry{{ID: key.ID, Lang: key.Lang, Op: journal.Upsert, Slug: v.Slug}}}, nil
	})
	if err != nil || pos != 2 {
		t.Fatalf("A's Update = %d, %v", pos, err)
	}
	got := seen.wait(t, 2)
	if got.From != 1 || len(got.Put) != 1 || !strings.HasPrefix(got.Put[0].Version.Title, "Ny ") || len(got.Entries) != 1 || got.ProblemsChanged {
		t.Errorf("B's delta of A's write = %+v", got)
	}

	// B writes from position 1: it is handed A's write first.
	errMine := errors.New("the core's own error")
	_, err = b.Update(ctx, 1, func(behind store.Delta) (store.Change, error) {
		if behind.From != 1 || behind.To != 2 || len(behind.Put) != 1 || behind.Put[0].Key() != key {
			t.Errorf("B's behind = %+v, want A's write", behind)
		}
		return store.Change{}, errMine
	})
	if err != errMine {
		t.Fatalf("Update = %v, want the change function's error itself", err)
	}
	// A removal, from the caught-up position.
	pos, err = b.Update(ctx, 2, func(behind store.Delta) (store.Change, error) {
		if !behind.Empty() {
			t.Errorf("behind from the head = %+v", behind)
		}
		return store.Change{Key: key, Entries: []journal.Entry{{ID: key.ID, Lang: key.Lang, Op: journal.Delete, Slug: v.Slug}}}, nil
	})
	if err != nil || pos != 3 {
		t.Fatalf("B's removal = %d, %v", pos, err)
	}
	// A zero Change persists nothing and returns the head.
	pos, err = a.Update(ctx, 2, func(behind store.Delta) (store.Change, error) {
		if len(behind.Removed) != 1 || behind.Removed[0] != key {
			t.Errorf("A's behind = %+v, want B's removal", behind)
		}
		return store.Change{}, nil
	})
	if err != nil || pos != 3 {
		t.Fatalf("zero Change = %d, %v, want 3", pos, err)
	}
}

// TestBackendBrokenFile: a stored file that does not parse is not served
// and is reported as a problem of its path until it is fixed.
func TestBackendBrokenFile(t *testing.T) {
	t.Parallel()
	url := open2(t)
	a := replica(t, url, "default")
	ctx := t.Context()
	st, err := pgstore.Open(ctx, url, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, _, err := st.Import(ctx, "default", content.FS); err != nil {
		t.Fatal(err)
	}
	exec(t, url, `UPDATE tolk_versions SET data = 'not a version', hash = 'x' WHERE id = 'dunhuang-samarbete' AND lang = 'sv'`)
	snap, err := a.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Problems) == 0 || snap.Problems[0].Path != "articles/dunhuang-samarbete/sv.md" {
		t.Fatalf("problems %v, want one of articles/dunhuang-samarbete/sv.md", snap.Problems)
	}
	for _, s := range snap.Versions {
		if s.Key() == (article.VersionKey{ID: "dunhuang-samarbete", Lang: "sv"}) {
			t.Fatal("a file that does not parse was served")
		}
	}
	lib, _, _ := load.Load(ctx, content.FS)
	good := load.Format(lib.Version("dunhuang-samarbete", "sv"))
	pos, err := a.Update(ctx, snap.Position, func(store.Delta) (store.Change, error) {
		return store.Change{Key: article.VersionKey{ID: "dunhuang-samarbete", Lang: "sv"}, File: good}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Update(ctx, snap.Position, func(behind store.Delta) (store.Change, error) {
		if behind.To != pos || !behind.ProblemsChanged || len(behind.Problems) != 0 {
			t.Errorf("after the fix: %+v, want the problem gone", behind)
		}
		return store.Change{}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// open2 returns the URL of a migrated fresh schema.
func open2(t *testing.T) string {
	t.Helper()
	_, url := open(t)
	return url
}

// TestBackendParsesMany: a snapshot or a delta of many files (parsed on
// every CPU) holds every version that parses, in the order of the
// database, and a problem for each one that does not.
func TestBackendParsesMany(t *testing.T) {
	t.Parallel()
	st, url := open(t)
	ctx := t.Context()
	siteYAML, err := content.FS.ReadFile("site.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const n = 600
	file := func(i, rev int) []byte {
		if i%50 == 7 {
			return fmt.Appendf(nil, "---\ntitle: [broken %d\n---\n", rev)
		}
		return fmt.Appendf(nil, "---\ntitle: Artikel %d v%d\nslug: artikel-%d\npublished: 2024-01-02\n---\n\nText %d.\n", i, rev, i, i)
	}
	write := func(rev int) {
		t.Helper()
		_, err := st.Update(ctx, "default", 0, func(ctx context.Context, tx *pgstore.Tx) error {
			if _, err := tx.PutSiteYAML(ctx, siteYAML); err != nil {
				return err
			}
			for i := range n {
				if _, err := tx.Put(ctx, fmt.Sprintf("a%03d", i), "sv", file(i, rev)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	check := func(what string, put []store.Stored, problems []article.Problem, rev int) {
		t.Helper()
		var wantProblems []string
		var got, want []string
		for i := range n {
			if i%50 == 7 {
				wantProblems = append(wantProblems, fmt.Sprintf("articles/a%03d/sv.md", i))
			} else {
				want = append(want, fmt.Sprintf("a%03d Artikel %d v%d", i, i, rev))
			}
		}
		for _, s := range put {
			got = append(got, s.Version.ID+" "+s.Version.Title)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: versions (-want +got):\n%s", what, diff)
		}
		var gotProblems []string
		for _, p := range problems {
			if len(gotProblems) == 0 || gotProblems[len(gotProblems)-1] != p.Path {
				gotProblems = append(gotProblems, p.Path)
			}
		}
		if diff := cmp.Diff(wantProblems, gotProblems); diff != "" {
			t.Errorf("%s: problems (-want +got):\n%s", what, diff)
		}
	}
	write(1)
	be := replica(t, url, "default")
	snap, err := be.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check("Load", snap.Versions, snap.Problems, 1)
	write(2)
	_, err = be.Update(ctx, snap.Position, func(behind store.Delta) (store.Change, error) {
		slices.SortFunc(behind.Put, func(a, b store.Stored) int { return strings.Compare(a.Version.ID, b.Version.ID) })
		check("a delta", behind.Put, behind.Problems, 2)
		return store.Change{}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
