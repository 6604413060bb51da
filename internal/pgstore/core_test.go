package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/amal-kommun/tolk/content"
	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/load"
	"github.com/amal-kommun/tolk/internal/store"
)

// core opens the content core over the Backend of a replica of url and
// runs its Watch until t ends.
func core(t *testing.T, url string) *store.Store {
	t.Helper()
	be := replica(t, url, "default")
	s, err := store.Open(t.Context(), store.Options{Backend: be})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Watch(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		s.Close()
	})
	return s
}

// waitFor waits until s serves a version of id/lang for which ok holds.
func waitFor(t *testing.T, s *store.Store, id, lang string, ok func(*article.Version) bool, what string) {
	t.Helper()
	for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		if ok(s.Current().Library.Version(id, lang)) {
			return
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("%s: not served within 10 s", what)
		}
	}
}

// TestCoreReplicas runs the content core on two replicas of one database:
// a write on A is served by B (and searchable there); two writes racing
// with the same precondition, one on each replica, let exactly one win;
// two new versions racing for one slug, one on each, let exactly one in.
func TestCoreReplicas(t *testing.T) {
	t.Parallel()
	st, url := open(t)
	if _, _, err := st.Import(t.Context(), "default", content.FS); err != nil {
		t.Fatal(err)
	}
	a, b := core(t, url), core(t, url)
	ctx := t.Context()
	if a.Current().Library.Len() == 0 || a.Current().Library.Len() != b.Current().Library.Len() {
		t.Fatalf("replicas serve %d and %d articles", a.Current().Library.Len(), b.Current().Library.Len())
	}

	lib, _, _ := load.Load(ctx, content.FS)
	orig := lib.Version("dunhuang-samarbete", "sv")
	parse := func(file string) *article.Version {
		t.Helper()
		v, ps := load.ParseVersion("articles/dunhuang-samarbete/sv.md", []byte(file), load.NewRenderer())
		if len(ps) > 0 {
			t.Fatal(ps)
		}
		return v
	}
	file := string(load.Format(orig))
	v := parse(strings.Replace(file, "title: ", "title: Zebrafink ", 1))
	res, err := a.Put(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	if res.Position == 0 {
		t.Errorf("Put's position is 0")
	}
	waitFor(t, b, "dunhuang-samarbete", "sv", func(v *article.Version) bool {
		return v != nil && strings.HasPrefix(v.Title, "Zebrafink ")
	}, "A's write on B")
	if got := b.Current().Position; got < res.Position {
		t.Errorf("B at position %d, A wrote %d", got, res.Position)
	}

	// The same If-Match on both replicas: the title each saw.
	errStale := errors.New("stale")
	for round := range 5 {
		seen := a.Current().Library.Version("dunhuang-samarbete", "sv").Title
		waitFor(t, b, "dunhuang-samarbete", "sv", func(v *article.Version) bool { return v.Title == seen }, "the same title on B")
		errs := make([]error, 2)
		start := make(chan struct{})
		done := make(chan int, 2)
		for i, s := range []*store.Store{a, b} {
			go func() {
				<-start
				nv := parse(strings.Replace(file, "title: ", fmt.Sprintf("title: Runda %d replik %d ", round, i), 1))
				_, errs[i] = s.PutIf(ctx, nv, func(cur *article.Version) error {
					if cur == nil || cur.Title != seen {
						return errStale
					}
					return nil
				})
				done <- i
			}()
		}
		close(start)
		<-done
		<-done
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, errStale):
				t.Fatalf("round %d: PutIf = %v", round, err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d of two writes with the same precondition won, want 1", round, wins)
		}
	}

	// Two new articles racing for one Swedish slug.
	for round := range 3 {
		slug := fmt.Sprintf("samma-slug-%d", round)
		errs := make([]error, 2)
		start := make(chan struct{})
		done := make(chan struct{}, 2)
		for i, s := range []*store.Store{a, b} {
			go func() {
				<-start
				id := fmt.Sprintf("ny-%d-%d", round, i)
				nv, ps := load.ParseVersion("articles/"+id+"/sv.md", fmt.Appendf(nil, "---\ntitle: Ny %d\nslug: %s\npublished: 2026-01-01\n---\n\nText.\n", i, slug), load.NewRenderer())
				if len(ps) > 0 {
					errs[i] = fmt.Errorf("%v", ps)
				} else {
					_, errs[i] = s.Put(ctx, nv)
				}
				done <- struct{}{}
			}()
		}
		close(start)
		<-done
		<-done
		wins := 0
		for _, err := range errs {
			var ve *store.ValidationError
			switch {
			case err == nil:
				wins++
			case !errors.As(err, &ve):
				t.Fatalf("round %d: Put = %v, want nil or a ValidationError", round, err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d of two versions took slug %s, want 1", round, wins, slug)
		}
	}

	// Both replicas converge on the same content and change log.
	snap, err := st.Snapshot(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*store.Store{a, b} {
		for start := time.Now(); s.Current().Position < store.Position(snap.Rev); time.Sleep(10 * time.Millisecond) {
			if time.Since(start) > 5*time.Second {
				t.Fatalf("a replica at %d, the database at %d", s.Current().Position, snap.Rev)
			}
		}
	}
	if len(a.Current().Library.All()) != len(b.Current().Library.All()) || len(a.Current().Library.All()) != len(snap.Versions) {
		t.Errorf("replicas serve %d and %d versions, the database holds %d", len(a.Current().Library.All()), len(b.Current().Library.All()), len(snap.Versions))
	}
}
