package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/amal-kommun/tolk/internal/contenttest"
	"github.com/amal-kommun/tolk/internal/store"

	"github.com/google/go-cmp/cmp"

	"github.com/amal-kommun/tolk/index"
	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/journal"
)

// TestOpenCatchesUp stops a Store, changes the tree, and checks that the
// next Open appends to the journal (and announces) exactly what changed.
func TestOpenCatchesUp(t *testing.T) {
	root := t.TempDir()
	dir, jdir := filepath.Join(root, "content"), filepath.Join(root, "index")
	writeBase(t, dir)
	url := func(lang, slug string) string { return "https://www.example.se/" + lang + "/" + slug }

	run := func(t *testing.T) ([]string, []string) {
		t.Helper()
		j, err := journal.Open(jdir)
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		n := testJournal{j}.len()
		rec := &recorder{}
		s, err := store.Open(context.Background(), store.Options{Backend: fileBackend(t, dir, ""), Journal: j, Notify: rec.notify})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		return testJournal{j}.since(n), rec.eventsSince(0)
	}

	steps := []struct {
		name        string
		change      func(t *testing.T)
		wantJournal []string
		wantEvents  []string
	}{
		{
			name: "first start records everything and announces nothing",
			wantJournal: []string{
				"upsert skola/sv skolan",
				"upsert vanort/sv vanorten",
				"upsert vanort/en the-twin-town",
				"upsert vanort/zh-Hans twin-town-zh",
				"upsert vanort/zh-Hant twin-town-zh",
			},
		},
		{name: "nothing changed"},
		{
			name: "changed while stopped",
			change: func(t *testing.T) {
				writeTree(t, dir, map[string]string{
					"articles/vanort/en.md":      doc("The twin town", "twin-town", translation("sv")),
					"articles/vanort/zh-Hans.md": doc("友好城市", "twin-town-zh", translation("en")+"draft: true\n"),
					"articles/hamn/sv.md":        doc("Hamnen", "hamnen", ""),
				})
				if err := os.Remove(filepath.Join(dir, "articles/skola/sv.md")); err != nil {
					t.Fatal(err)
				}
			},
			wantJournal: []string{
				"upsert hamn/sv hamnen",
				"delete skola/sv skolan",
				"upsert vanort/en twin-town",
				"delete vanort/zh-Hans twin-town-zh",
				"delete vanort/zh-Hant twin-town-zh",
			},
			wantEvents: []string{
				"article.upsert hamn/sv hamnen " + url("sv", "hamnen") + " -",
				"article.delete skola/sv skolan " + url("sv", "skolan") + " " + url("sv", "skolan"),
				"article.upsert vanort/en twin-town " + url("en", "twin-town") + " " + url("en", "the-twin-town"),
				"article.delete vanort/zh-Hans twin-town-zh " + url("zh-Hans", "twin-town-zh") + " " + url("zh-Hans", "twin-town-zh"),
				"article.delete vanort/zh-Hant twin-town-zh " + url("zh-Hant", "twin-town-zh") + " " + url("zh-Hant", "twin-town-zh"),
			},
		},
		{
			name: "edited without changing anything served is still an upsert",
			change: func(t *testing.T) {
				writeTree(t, dir, map[string]string{"articles/hamn/sv.md": doc("Hamnen", "hamnen", "") + "\n"})
			},
			wantJournal: []string{"upsert hamn/sv hamnen"},
			wantEvents:  []string{"article.upsert hamn/sv hamnen " + url("sv", "hamnen") + " -"},
		},
		{name: "nothing changed again"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.change != nil {
				st.change(t)
			}
			gotJournal, gotEvents := run(t)
			if diff := cmp.Diff(st.wantJournal, gotJournal); diff != "" {
				t.Errorf("journal (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(st.wantEvents, gotEvents); diff != "" {
				t.Errorf("webhooks (-want +got):\n%s", diff)
			}
		})
	}
}

// failingJournal fails every Append while fail is set.
type failingJournal struct {
	*journal.Journal
	fail atomic.Bool
}

func (j *failingJournal) Append(entries ...journal.Entry) error {
	if j.fail.Load() {
		return errors.New("disk on fire")
	}
	return j.Journal.Append(entries...)
}

// TestJournalFailure checks that a write succeeds when the journal cannot
// append, and that the journal catches up at the next change.
func TestJournalFailure(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "content")
	writeBase(t, dir)
	j := &failingJournal{Journal: newJournal(t).Journal}
	s, err := store.NewForTest(store.Options{Backend: fileBackend(t, dir, "")}, 20*time.Millisecond, 0, j)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()

	j.fail.Store(true)
	if _, err := s.PutBytes(ctx, "skola", "sv", []byte(doc("Skolan", "skolan-1", ""))); err != nil {
		t.Fatalf("Put with a failing journal: %v", err)
	}
	if titleOf(s, "skola", "sv") != "Skolan" || s.Library().Version("skola", "sv").Slug != "skolan-1" {
		t.Error("the write was not served")
	}
	j.fail.Store(false)
	if _, err := s.PutBytes(ctx, "hamn", "sv", []byte(doc("Hamnen", "hamnen", ""))); err != nil {
		t.Fatal(err)
	}
	state := j.State()
	for _, want := range []journal.Key{{ID: "skola", Lang: "sv"}, {ID: "hamn", Lang: "sv"}} {
		if e, ok := state[want]; !ok || e.Hash == "" {
			t.Errorf("journal state lacks %v: %+v", want, state)
		}
	}
	if got := state[journal.Key{ID: "skola", Lang: "sv"}].Slug; got != "skolan-1" {
		t.Errorf("journal slug of skola/sv = %q, want the one written while it failed", got)
	}

	// Without a next change, a background retry catches up.
	j.fail.Store(true)
	if _, err := s.PutBytes(ctx, "skola", "sv", []byte(doc("Skolan", "skolan-2", ""))); err != nil {
		t.Fatalf("Put with a failing journal: %v", err)
	}
	j.fail.Store(false)
	eventually(t, 10*time.Second, "the journal caught up without another change", func() bool {
		return j.State()[journal.Key{ID: "skola", Lang: "sv"}].Slug == "skolan-2"
	})
}

// TestOpenJournalOption opens the journal through Options.OpenJournal,
// which Open calls while it loads the tree.
func TestOpenJournalOption(t *testing.T) {
	root := t.TempDir()
	dir, jdir := filepath.Join(root, "content"), filepath.Join(root, "index")
	writeBase(t, dir)
	for _, tc := range []struct {
		name    string
		open    func() (*journal.Journal, error)
		wantErr error
		want    int // journal entries after Open
	}{
		{"opened", func() (*journal.Journal, error) { return journal.Open(jdir) }, nil, 5}, // four versions and zh-Hant
		{"failed", func() (*journal.Journal, error) { return nil, journal.ErrLocked }, journal.ErrLocked, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opened *journal.Journal
			s, err := store.Open(context.Background(), store.Options{Backend: fileBackend(t, dir, ""), OpenJournal: func() (*journal.Journal, error) {
				j, err := tc.open()
				opened = j
				return j, err
			}})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Open: %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			defer opened.Close()
			defer s.Close()
			entries, _, err := opened.Since("", 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != tc.want {
				t.Errorf("journal has %d entries after Open, want %d", len(entries), tc.want)
			}
		})
	}
}

// TestWritableOnceCurrent checks that a Store from New is ready for
// writes as soon as readers see its first generation: Current is set
// before the first OnChange, with the Library OnChange gets, and a write
// started from it succeeds (a server holds the Store from the start, so
// it needs no hand-over).
func TestWritableOnceCurrent(t *testing.T) {
	files := baseTree()
	files["site.yaml"] = contenttest.Site
	dir := filepath.Join(t.TempDir(), "content")
	writeTree(t, dir, files)
	var calls []string
	var s *store.Store
	s, err := store.New(store.Options{
		Backend: fileBackend(t, dir, ""),
		OnChange: func(lib *article.Library, _ *index.Index, _ []article.Problem) {
			if g := s.Current(); g == nil || g.Library != lib {
				calls = append(calls, "change before Current")
				return
			}
			calls = append(calls, "change")
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"change"}, calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if _, err := s.PutBytes(context.Background(), "ny", "sv", []byte(doc("Ny", "ny", ""))); err != nil {
		t.Errorf("Put once Current is set: %v", err)
	}
}

// TestJournalPreviousSlug: an upsert that changes the slug records the
// previous one, for a write, for its derived languages and for a change
// made while the server was stopped (issue 15, the change feed's
// previous_slug).
func TestJournalPreviousSlug(t *testing.T) {
	eachBackend(t, baseTree(), func(t *testing.T, f *fixture) {
		ctx := context.Background()
		prev := func(from int) []string {
			var out []string
			for _, e := range f.j.all()[from:] {
				out = append(out, string(e.Op)+" "+e.ID+"/"+e.Lang+" "+e.Slug+" prev="+e.PreviousSlug)
			}
			return out
		}
		n := f.j.len()
		if _, err := f.s.PutBytes(ctx, "vanort", "zh-Hans", []byte(doc("友好城市", "youhao", translation("en")))); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.PutBytes(ctx, "vanort", "zh-Hans", []byte(doc("友好城市!", "youhao", translation("en")))); err != nil {
			t.Fatal(err)
		}
		want := []string{
			"upsert vanort/zh-Hans youhao prev=twin-town-zh",
			"upsert vanort/zh-Hant youhao prev=twin-town-zh",
			"upsert vanort/zh-Hans youhao prev=",
			"upsert vanort/zh-Hant youhao prev=",
		}
		if diff := cmp.Diff(want, prev(n)); diff != "" {
			t.Errorf("journal (-want +got):\n%s", diff)
		}
		if err := f.s.Delete(ctx, "vanort", "zh-Hans"); err != nil {
			t.Fatal(err)
		}
		for _, e := range f.j.all()[n+4:] {
			if e.PreviousSlug != "" {
				t.Errorf("a delete has a previous slug: %+v", e)
			}
		}

		if f.fb == nil {
			return // a database has no edits made while the server was stopped
		}
		// Changed while stopped.
		f.s.Close()
		f.write(t, "articles/skola/sv.md", doc("Skolan", "skolan-ny", "tags: [international]\n"))
		n = f.j.len()
		f.s, f.fb = f.open(t)
		if diff := cmp.Diff([]string{"upsert skola/sv skolan-ny prev=skolan"}, prev(n)); diff != "" {
			t.Errorf("catch-up (-want +got):\n%s", diff)
		}
	})
}
