package index

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"github.com/amal-kommun/tolk/internal/article"
)

func find(t *testing.T, ix *Index, q string, langs ...string) Result {
	t.Helper()
	res, err := ix.Search(context.Background(), Request{Query: q, Langs: langs})
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	return res
}

func indexDirs(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), indexPrefix) {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	versions := fixture()
	open := func(vs []*article.Version) *Index {
		t.Helper()
		ix, err := Open(ctx, Options{Dir: dir}, vs)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return ix
	}

	ix := open(versions)
	if ix.Reused() {
		t.Fatal("first Open reused an index that did not exist")
	}
	if got := find(t, ix, "välfärdsteknologi", "sv").Total; got != 1 {
		t.Fatalf("total %d, want 1", got)
	}
	ix.Close()

	t.Run("nothing changed", func(t *testing.T) {
		ix := open(versions)
		defer ix.Close()
		if !ix.Reused() {
			t.Error("rebuilt although nothing changed")
		}
		if got := find(t, ix, "välfärdsteknologi", "sv").Total; got != 1 {
			t.Errorf("reopened index: total %d, want 1", got)
		}
		if got := len(indexDirs(t, dir)); got != 1 {
			t.Errorf("%d index directories, want 1", got)
		}
	})
	t.Run("order does not matter", func(t *testing.T) {
		rev := make([]*article.Version, len(versions))
		for i, v := range versions {
			rev[len(versions)-1-i] = v
		}
		ix := open(rev)
		defer ix.Close()
		if !ix.Reused() {
			t.Error("rebuilt for a reordered library")
		}
	})
	t.Run("content changed", func(t *testing.T) {
		changed := fixture()
		changed[0].Text += " Nyhet: sensorer."
		ix := open(changed)
		defer ix.Close()
		if ix.Reused() {
			t.Error("reused although a version changed")
		}
		if got := find(t, ix, "sensorer", "sv").Total; got != 1 {
			t.Errorf("total %d, want 1", got)
		}
		if got := len(indexDirs(t, dir)); got != 1 {
			t.Errorf("%d index directories after rebuild, want 1", got)
		}
	})
	t.Run("mapping changed", func(t *testing.T) {
		// Pretend the index was written by an older mapping.
		ix := open(fixture())
		s := ix.current()
		if err := s.bi.SetInternal(keyMapping, []byte("old mapping")); err != nil {
			t.Fatal(err)
		}
		ix.Close()
		ix = open(fixture())
		defer ix.Close()
		if ix.Reused() {
			t.Error("reused an index with another mapping version")
		}
		if got := find(t, ix, "välfärdsteknologi", "sv").Total; got != 1 {
			t.Errorf("total %d, want 1", got)
		}
	})
	t.Run("broken current file", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(dir, currentFile), []byte("../../etc"), 0o644); err != nil {
			t.Fatal(err)
		}
		ix := open(fixture())
		defer ix.Close()
		if ix.Reused() {
			t.Error("reused an index the current file does not name properly")
		}
	})
}

func TestUpsertDelete(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ix, err := Open(ctx, Options{Dir: dir}, fixture())
	if err != nil {
		t.Fatal(err)
	}
	n := ix.DocCount()

	v := &article.Version{ID: "ny", Lang: "sv", Title: "Ny cykelbana längs Vänern", Text: "Cykelbanan öppnar i maj."}
	if err := ix.Upsert(ctx, v); err != nil {
		t.Fatal(err)
	}
	if got := find(t, ix, "cykelbana", "sv").Total; got != 1 {
		t.Errorf("after upsert: total %d, want 1", got)
	}
	if got := ix.Suggest(ctx, "cykel", nil, 8); len(got) != 1 {
		t.Errorf("after upsert: suggestions %v", got)
	}
	if ix.DocCount() != n+1 {
		t.Errorf("DocCount %d, want %d", ix.DocCount(), n+1)
	}

	v2 := *v
	v2.Title = "Ny gångbana längs Vänern"
	v2.Text = "Gångbanan öppnar i juni."
	if err := ix.Upsert(ctx, &v2); err != nil {
		t.Fatal(err)
	}
	if got := find(t, ix, "cykelbana", "sv").Total; got != 0 {
		t.Errorf("after replacing: old text still found (%d)", got)
	}
	if got := find(t, ix, "gångbana", "sv").Total; got != 1 {
		t.Errorf("after replacing: total %d, want 1", got)
	}

	if err := ix.Delete(ctx, "ny", "sv"); err != nil {
		t.Fatal(err)
	}
	if got := find(t, ix, "gångbana", "sv").Total; got != 0 {
		t.Errorf("after delete: total %d, want 0", got)
	}
	if err := ix.Delete(ctx, "finns-inte", "sv"); err != nil {
		t.Errorf("deleting a missing version: %v", err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Search(ctx, Request{Query: "x"}); err != ErrClosed {
		t.Errorf("search after Close: %v, want ErrClosed", err)
	}

	// The fingerprint follows updates: the same content reopens as is.
	ix, err = Open(ctx, Options{Dir: dir}, fixture())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if !ix.Reused() {
		t.Error("content equal to the updated index was rebuilt")
	}

	// A new language needs new fields: Upsert rebuilds.
	fi := &article.Version{ID: "ny", Lang: "fi", Title: "Uusi pyörätie", Text: "Pyörätie avataan toukokuussa."}
	if err := ix.Upsert(ctx, fi); err != nil {
		t.Fatal(err)
	}
	if got := find(t, ix, "pyörätie", "fi").Total; got != 1 {
		t.Errorf("new language: total %d, want 1", got)
	}
	if got := find(t, ix, "välfärdsteknologi", "sv").Total; got != 1 {
		t.Errorf("after rebuild for a new language: total %d, want 1", got)
	}

	// A draft removes the public version.
	if err := ix.Upsert(ctx, &article.Version{ID: "ny", Lang: "fi", Title: "x", Draft: true}); err != nil {
		t.Fatal(err)
	}
	if got := find(t, ix, "pyörätie", "fi").Total; got != 0 {
		t.Errorf("after draft: total %d, want 0", got)
	}
}

// TestRebuildWhileSearching runs searches without pause while the index is
// rebuilt again and again; every search must answer. Run it with -race.
func TestRebuildWhileSearching(t *testing.T) {
	ctx := context.Background()
	for _, dir := range []string{"", t.TempDir()} {
		name := "memory"
		if dir != "" {
			name = "disk"
		}
		t.Run(name, func(t *testing.T) {
			a, b := fixture(), fixture()
			b[0].Text += " Extra ord: sensorer."
			ix, err := Open(ctx, Options{Dir: dir}, a)
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()

			var stop atomic.Bool
			var searches, failures atomic.Int64
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					queries := []string{"välfärdsteknologi", "Åmål", "科技", "library"}
					for i := 0; !stop.Load(); i++ {
						res, err := ix.Search(ctx, Request{Query: queries[(i+w)%len(queries)]})
						searches.Add(1)
						if err != nil || res.Total == 0 {
							failures.Add(1)
							t.Errorf("search during rebuild: total %d, err %v", res.Total, err)
							return
						}
						ix.Suggest(ctx, "välf", nil, 8)
					}
				}()
			}
			deadline := time.Now().Add(2 * time.Second)
			rebuilds := 0
			for i := 0; rebuilds < 3 || time.Now().Before(deadline); i++ {
				vs := a
				if i%2 == 0 {
					vs = b
				}
				if err := ix.Rebuild(ctx, vs); err != nil {
					t.Fatal(err)
				}
				rebuilds++
			}
			stop.Store(true)
			wg.Wait()
			t.Logf("%d rebuilds, %d searches, %d failures", rebuilds, searches.Load(), failures.Load())
			if searches.Load() == 0 {
				t.Error("no search ran")
			}
			if dir != "" {
				if got := len(indexDirs(t, dir)); got != 1 {
					t.Errorf("%d index directories after rebuilds, want 1", got)
				}
			}
		})
	}
}

func TestMappingIsStatic(t *testing.T) {
	m, err := newMapping(mappingLangs(map[string]bool{"fi": true}), article.DefaultAnalyzer)
	if err != nil {
		t.Fatal(err)
	}
	if m.IndexDynamic || m.StoreDynamic || m.DefaultMapping.Enabled || m.ScoringModel != "bm25" {
		t.Errorf("mapping: dynamic %v/%v, default enabled %v, scoring %q", m.IndexDynamic, m.StoreDynamic, m.DefaultMapping.Enabled, m.ScoringModel)
	}
	dm := m.TypeMapping[docType]
	if dm == nil || dm.Dynamic {
		t.Fatal("no static document mapping")
	}
	for name, sub := range dm.Properties {
		for _, f := range sub.Fields {
			if f.IncludeInAll || f.Store {
				t.Errorf("field %s: in _all %v, stored %v", name, f.IncludeInAll, f.Store)
			}
		}
	}
	// Unmapped fields are not indexed.
	idx, err := bleve.NewMemOnly(m)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	if err := idx.Index("x", document{"unmapped": "hemlighet", fieldLang: "sv"}); err != nil {
		t.Fatal(err)
	}
	fields, _ := idx.Fields()
	for _, f := range fields {
		if f == "unmapped" || f == "_all" {
			t.Errorf("field %q was indexed", f)
		}
	}
}

func TestWaitCompacted(t *testing.T) {
	ctx := context.Background()
	var vs []*article.Version
	for i := range 2500 { // three batches, so three segments before the merge
		vs = append(vs, &article.Version{ID: fmt.Sprintf("a%d", i), Lang: "en", Title: "Title", Text: "Body"})
	}
	dir := t.TempDir()
	ix, err := Open(ctx, Options{Dir: dir}, vs)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.WaitCompacted(ctx); err != nil {
		t.Fatal(err)
	}
	if n := segments(t, ix); n != 1 {
		t.Errorf("%d segments after WaitCompacted, want 1", n)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := ix.WaitCompacted(cancelled); err != nil {
		t.Errorf("WaitCompacted after the merge: %v, want nil", err)
	}
	// The merged state is what was persisted: the next start has nothing
	// to merge.
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err = Open(ctx, Options{Dir: dir}, vs)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if !ix.Reused() {
		t.Fatal("rebuilt although nothing changed")
	}
	if n := segments(t, ix); n != 1 {
		t.Errorf("%d segments after reopening, want 1", n)
	}
	// And nothing to wait for: a reopened index never reports its
	// background work idle, so waiting on that would last half a minute.
	wait, cancelWait := context.WithTimeout(ctx, 2*time.Second)
	defer cancelWait()
	if err := ix.WaitCompacted(wait); err != nil {
		t.Errorf("WaitCompacted on a reopened index in one segment: %v", err)
	}
}

// segments returns the number of segments of ix's current snapshot.
func segments(t *testing.T, ix *Index) int {
	t.Helper()
	adv, err := ix.current().bi.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	r, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	return len(r.(*scorch.IndexSnapshot).Segments())
}
