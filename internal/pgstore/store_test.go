package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/pgstore"
	"github.com/amal-kommun/tolk/internal/pgstore/pgtest"
)

// open returns a Store on a fresh schema, closed when t ends.
func open(t *testing.T) (*pgstore.Store, string) {
	t.Helper()
	url := pgtest.URL(t)
	st, err := pgstore.Open(t.Context(), url, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st, url
}

func TestMigrateConcurrentOpens(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			st, err := pgstore.Open(t.Context(), url, pgstore.Options{})
			if err == nil {
				st.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if pgstore.SchemaVersion() < 1 {
		t.Fatalf("SchemaVersion() = %d", pgstore.SchemaVersion())
	}
}

func TestSchemaTooNew(t *testing.T) {
	t.Parallel()
	st, url := open(t)
	if _, err := st.Update(t.Context(), "default", 0, func(ctx context.Context, tx *pgstore.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	exec(t, url, fmt.Sprintf(`INSERT INTO tolk_migrations (version, name) VALUES (%d, 'future.sql')`, pgstore.SchemaVersion()+1))
	_, err := pgstore.Open(t.Context(), url, pgstore.Options{})
	var tooNew *pgstore.SchemaTooNewError
	if !errors.As(err, &tooNew) || tooNew.Have != pgstore.SchemaVersion()+1 {
		t.Fatalf("Open = %v, want SchemaTooNewError", err)
	}
}

func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := pgstore.Open(ctx, "postgres://nobody@127.0.0.1:1/none?connect_timeout=2", pgstore.Options{})
	if !errors.Is(err, pgstore.ErrUnavailable) {
		t.Fatalf("Open = %v, want ErrUnavailable", err)
	}
}

func TestBadSite(t *testing.T) {
	t.Parallel()
	st, _ := open(t)
	for _, site := range []string{"", "A", "a b", "-x", string(make([]byte, 64))} {
		if _, err := st.Snapshot(t.Context(), site); !errors.Is(err, pgstore.ErrBadSite) {
			t.Errorf("Snapshot(%q) = %v, want ErrBadSite", site, err)
		}
	}
	if _, err := st.Snapshot(t.Context(), "absent"); !errors.Is(err, pgstore.ErrNoSite) {
		t.Errorf("Snapshot(absent) = %v, want ErrNoSite", err)
	}
}

// entries returns an upsert of id in sv and the zh-Hant-like entry that
// accompanies a stored language, as the content core logs them.
func entries(id string) []journal.Entry {
	return []journal.Entry{
		{ID: id, Lang: "zh-Hans", Op: journal.Upsert, Slug: id, Hash: "h-" + id},
		{ID: id, Lang: "zh-Hant", Op: journal.Upsert, Slug: id},
	}
}

// TestRacingWriters: writers on several connections produce a log without
// gaps, each commit's entries adjacent, each writer caught up with exactly
// the commits made since its own position.
func TestRacingWriters(t *testing.T) {
	t.Parallel()
	st, _ := open(t)
	const writers, each = 6, 15
	var wg sync.WaitGroup
	var mu sync.Mutex
	byRev := map[uint64][]journal.Entry{}
	errs := make([]error, writers)
	for w := range writers {
		wg.Go(func() {
			var pos uint64
			for i := range each {
				id := fmt.Sprintf("w%d-%d", w, i)
				res, err := st.Update(t.Context(), "default", pos, func(ctx context.Context, tx *pgstore.Tx) error {
					ch, err := tx.Caught(ctx)
					if err != nil {
						return err
					}
					// Every commit after pos is in ch, and only those.
					if ch.Rev != tx.Rev() || ch.From != pos {
						return fmt.Errorf("caught %d..%d, tx at %d", ch.From, ch.Rev, tx.Rev())
					}
					for _, c := range ch.Log {
						if c.Rev <= pos || c.Rev > tx.Rev() {
							return fmt.Errorf("caught entry of rev %d outside (%d, %d]", c.Rev, pos, tx.Rev())
						}
					}
					if want := 2 * int(tx.Rev()-pos); len(ch.Log) != want {
						return fmt.Errorf("caught %d entries from %d to %d, want %d", len(ch.Log), pos, tx.Rev(), want)
					}
					if _, err := tx.Put(ctx, id, "zh-Hans", []byte("---\ntitle: "+id+"\n---\n")); err != nil {
						return err
					}
					tx.Log(entries(id)...)
					return nil
				})
				if err != nil {
					errs[w] = err
					return
				}
				pos = res.Rev
				mu.Lock()
				if _, dup := byRev[res.Rev]; dup {
					errs[w] = fmt.Errorf("revision %d committed twice", res.Rev)
				}
				byRev[res.Rev] = entries(id)
				mu.Unlock()
				if res.Head != 2*res.Rev || len(res.Log) != 2 || res.Log[0].Seq != res.Head-1 || res.Log[1].Seq != res.Head {
					errs[w] = fmt.Errorf("commit rev %d head %d log %+v", res.Rev, res.Head, res.Log)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	log, _, head, err := st.Log(t.Context(), "default", 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if head != 2*writers*each || len(log) != int(head) {
		t.Fatalf("head %d, %d entries, want %d", head, len(log), 2*writers*each)
	}
	for i, c := range log {
		if c.Seq != uint64(i)+1 {
			t.Fatalf("entry %d has seq %d: a gap", i, c.Seq)
		}
		if want := uint64(i)/2 + 1; c.Rev != want {
			t.Fatalf("entry %d has rev %d, want %d (commit order)", c.Seq, c.Rev, want)
		}
		w := byRev[c.Rev][i%2]
		if c.ID != w.ID || c.Lang != w.Lang {
			t.Fatalf("entry %d is %s/%s, its commit wrote %s/%s", c.Seq, c.ID, c.Lang, w.ID, w.Lang)
		}
	}
}

var errPrecondition = errors.New("precondition failed")

// TestClashingConditionalWrites: of two writes with the same If-Match, and
// of two writes taking one slug, exactly one wins.
func TestClashingConditionalWrites(t *testing.T) {
	t.Parallel()
	st, _ := open(t)
	ctx := t.Context()
	orig := []byte("---\ntitle: Original\nslug: a\n---\n")
	if _, err := st.Update(ctx, "default", 0, func(ctx context.Context, tx *pgstore.Tx) error {
		_, err := tx.Put(ctx, "a", "sv", orig)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for round := range 10 {
		// The same If-Match: each writer checks the stored hash inside the
		// transaction.
		ifMatch := ""
		snap, err := st.Snapshot(ctx, "default")
		if err != nil {
			t.Fatal(err)
		}
		ifMatch = snap.Versions[0].Hash
		wins := race(t, 2, func(i int) error {
			_, err := st.Update(ctx, "default", 0, func(ctx context.Context, tx *pgstore.Tx) error {
				f, ok, err := tx.Version(ctx, "a", "sv")
				if err != nil {
					return err
				}
				if !ok || f.Hash != ifMatch {
					return errPrecondition
				}
				_, err = tx.Put(ctx, "a", "sv", fmt.Appendf(nil, "---\ntitle: round %d writer %d\nslug: a\n---\n", round, i))
				return err
			})
			return err
		})
		if wins != 1 {
			t.Fatalf("round %d: %d writes with the same If-Match won, want 1", round, wins)
		}
		// The same new slug in one language: each writer checks the
		// caught-up content for a clash.
		slug := fmt.Sprintf("new-%d", round)
		wins = race(t, 2, func(i int) error {
			_, err := st.Update(ctx, "default", snap.Rev, func(ctx context.Context, tx *pgstore.Tx) error {
				ch, err := tx.Caught(ctx)
				if err != nil {
					return err
				}
				for _, c := range ch.Log {
					if c.Slug == slug {
						return errPrecondition
					}
				}
				id := fmt.Sprintf("b%d-%d", round, i)
				if _, err := tx.Put(ctx, id, "sv", []byte("---\nslug: "+slug+"\n---\n")); err != nil {
					return err
				}
				tx.Log(journal.Entry{ID: id, Lang: "sv", Op: journal.Upsert, Slug: slug})
				return nil
			})
			return err
		})
		if wins != 1 {
			t.Fatalf("round %d: %d writes took slug %s, want 1", round, wins, slug)
		}
	}
}

// race runs n writers at once and returns how many succeeded; each failure
// must be errPrecondition, unchanged by Update.
func race(t *testing.T, n int, write func(i int) error) int {
	t.Helper()
	start := make(chan struct{})
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = write(i)
		})
	}
	close(start)
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, errPrecondition):
			t.Fatalf("write: %v, want nil or errPrecondition", err)
		}
	}
	return wins
}

// TestSinceAndSnapshot: a reader catching up from a revision gets the
// files as they are now, deletions and site.yaml included, and the log
// rows of the commits after it.
func TestSinceAndSnapshot(t *testing.T) {
	t.Parallel()
	st, _ := open(t)
	ctx := t.Context()
	write := func(fn func(ctx context.Context, tx *pgstore.Tx) error) pgstore.Result {
		t.Helper()
		res, err := st.Update(ctx, "default", 0, fn)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	write(func(ctx context.Context, tx *pgstore.Tx) error {
		tx.PutSiteYAML(ctx, []byte("default_language: sv\n"))
		tx.Put(ctx, "a", "sv", []byte("a1"))
		tx.Put(ctx, "b", "sv", []byte("b1"))
		tx.Log(journal.Entry{ID: "a", Lang: "sv", Op: journal.Upsert, Slug: "a", Silent: true},
			journal.Entry{ID: "b", Lang: "sv", Op: journal.Upsert, Slug: "b", Silent: true})
		return nil
	})
	// Putting the same bytes again changes nothing and commits nothing.
	same := write(func(ctx context.Context, tx *pgstore.Tx) error {
		changed, err := tx.Put(ctx, "a", "sv", []byte("a1"))
		if changed {
			return errors.New("same bytes reported as a change")
		}
		return err
	})
	if same.Changed || same.Rev != 1 {
		t.Fatalf("no-op update: %+v", same)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)
	res := write(func(ctx context.Context, tx *pgstore.Tx) error {
		tx.Put(ctx, "a", "sv", []byte("a2"))
		if ok, err := tx.Delete(ctx, "b", "sv"); !ok || err != nil {
			return fmt.Errorf("delete b: %v %v", ok, err)
		}
		tx.Log(journal.Entry{ID: "a", Lang: "sv", Op: journal.Upsert, Slug: "a2", PreviousSlug: "a", At: at, URL: "u2", PreviousURL: "u1", Hash: "h"},
			journal.Entry{ID: "b", Lang: "sv", Op: journal.Delete, Slug: "b"})
		return nil
	})
	if res.Rev != 2 || res.Head != 4 || !res.Log[0].At.Equal(at.Truncate(time.Microsecond)) || res.Log[1].At.IsZero() {
		t.Fatalf("result %+v", res)
	}

	ch, err := st.Since(ctx, "default", 1)
	if err != nil {
		t.Fatal(err)
	}
	wantFiles := []pgstore.File{{ID: "a", Lang: "sv", Data: []byte("a2"), Hash: pgstore.HashOf([]byte("a2"))}, {ID: "b", Lang: "sv"}}
	if diff := cmp.Diff(wantFiles, ch.Versions); diff != "" {
		t.Errorf("Since(1) versions (-want +got):\n%s", diff)
	}
	if ch.SiteChanged || ch.Rev != 2 || ch.Head != 4 {
		t.Errorf("Since(1) = rev %d head %d site changed %v", ch.Rev, ch.Head, ch.SiteChanged)
	}
	if diff := cmp.Diff(res.Log, ch.Log); diff != "" {
		t.Errorf("Since(1) log differs from the commit's (-commit +read):\n%s", diff)
	}
	ch, err = st.Since(ctx, "default", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !ch.SiteChanged || string(ch.SiteYAML) != "default_language: sv\n" || len(ch.Log) != 4 {
		t.Errorf("Since(0) = %+v", ch)
	}
	if _, err := st.Since(ctx, "default", 3); !errors.Is(err, pgstore.ErrAhead) {
		t.Errorf("Since(3) = %v, want ErrAhead", err)
	}

	snap, err := st.Snapshot(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	if snap.Rev != 2 || snap.Head != 4 || len(snap.Versions) != 1 || string(snap.Versions[0].Data) != "a2" || snap.Epoch != ch.Epoch {
		t.Errorf("Snapshot = %+v", snap)
	}
	log, epoch, head, err := st.Log(ctx, "default", 2, 1)
	if err != nil || len(log) != 1 || log[0].Seq != 3 || head != 4 || epoch != snap.Epoch {
		t.Errorf("Log(2, 1) = %+v %v %d %v", log, epoch, head, err)
	}
	if diff := cmp.Diff(res.Log[:1], log); diff != "" {
		t.Errorf("Log(2, 1) (-commit +read):\n%s", diff)
	}
}

// TestUpdateErrorWritesNothing: the caller's error comes back unchanged and
// leaves no trace.
func TestUpdateErrorWritesNothing(t *testing.T) {
	t.Parallel()
	st, _ := open(t)
	_, err := st.Update(t.Context(), "default", 0, func(ctx context.Context, tx *pgstore.Tx) error {
		tx.Put(ctx, "a", "sv", []byte("x"))
		tx.Log(journal.Entry{ID: "a", Lang: "sv", Op: journal.Upsert})
		return errPrecondition
	})
	if err != errPrecondition {
		t.Fatalf("Update = %v, want errPrecondition itself", err)
	}
	if _, err := st.Snapshot(t.Context(), "default"); !errors.Is(err, pgstore.ErrNoSite) {
		t.Fatalf("Snapshot after a failed first update = %v, want ErrNoSite", err)
	}
}

// TestPutAll: PutAll writes what differs, reports how many, and commits
// nothing for files already stored.
func TestPutAll(t *testing.T) {
	t.Parallel()
	st, _ := open(t)
	ctx := t.Context()
	files := []pgstore.File{{ID: "a", Lang: "sv", Data: []byte("a")}, {ID: "b", Lang: "sv", Data: []byte("b")}}
	putAll := func(fs []pgstore.File) (int, pgstore.Result) {
		t.Helper()
		var n int
		res, err := st.Update(ctx, "default", 0, func(ctx context.Context, tx *pgstore.Tx) error {
			var err error
			n, err = tx.PutAll(ctx, fs)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return n, res
	}
	if n, res := putAll(files); n != 2 || res.Rev != 1 {
		t.Fatalf("first PutAll = %d, rev %d", n, res.Rev)
	}
	if n, res := putAll(files); n != 0 || res.Changed {
		t.Fatalf("the same files again = %d, changed %v", n, res.Changed)
	}
	files[1].Data = []byte("b2")
	if n, res := putAll(files); n != 1 || res.Rev != 2 {
		t.Fatalf("one changed file = %d, rev %d", n, res.Rev)
	}
	ch, err := st.Since(ctx, "default", 1)
	if err != nil || len(ch.Versions) != 1 || string(ch.Versions[0].Data) != "b2" {
		t.Fatalf("Since(1) = %+v, %v", ch, err)
	}
}
