package filestore

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/amal-kommun/tolk/index"
	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/contenttest"
	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/load"
	"github.com/amal-kommun/tolk/internal/store"
)

// The file backend's tests run a Store over it, as tolk serve does, and
// look inside the backend where the Store cannot see (the versions
// cache's statistics, the file operations of writes). The Store's own
// tests, in package store, run the core on this backend through the
// Backend interface.

// doc returns a version file with title and slug; extra is more front
// matter, one key a line.
func doc(title, slug, extra string) string { return contenttest.Doc(title, slug, extra) }

// translation returns the extra front matter of a translation from lang.
func translation(lang string) string { return contenttest.Translation(lang) }

// writeTree writes files (slash paths → content) under dir.
func writeTree(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	contenttest.WriteTree(t, dir, files)
}

// baseTree is a small tree: one article in three languages, one in
// Swedish, with contenttest.Site.
func baseTree() map[string]string {
	return map[string]string{
		"site.yaml":                  contenttest.Site,
		"articles/vanort/sv.md":      doc("Vänorten", "vanorten", ""),
		"articles/vanort/en.md":      doc("The twin town", "the-twin-town", translation("sv")),
		"articles/vanort/zh-Hans.md": doc("友好城市", "twin-town-zh", translation("en")),
		"articles/skola/sv.md":       doc("Skolan", "skolan", "tags: [international]\n"),
	}
}

// newStore returns the backend of the content directory dir, with the
// versions cache in idx ("" for none), and a Store over it, index in idx
// and journal j, that Load loads.
func newStore(t testing.TB, dir, idx string, j *journal.Journal) (*store.Store, *Backend) {
	t.Helper()
	fb, err := New(Options{Dir: dir, CacheDir: idx})
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.New(store.Options{Backend: fb, Index: index.Options{Dir: idx}, Journal: j})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, fb
}

// fixture is a Store over the backend of a temporary content directory,
// with an in-memory journal.
type fixture struct {
	dir      string
	s        *store.Store
	fb       *Backend
	j        testJournal
	mu       sync.Mutex
	problems []article.Problem // what OnChange was last given
}

// newFixture writes files to a temporary directory and opens a Store on
// its backend.
func newFixture(t testing.TB, files map[string]string) *fixture {
	t.Helper()
	f := &fixture{dir: t.TempDir() + "/content", j: newJournal(t)}
	writeTree(t, f.dir, files)
	f.open(t)
	return f
}

// open opens the Store of f anew.
func (f *fixture) open(t testing.TB) {
	t.Helper()
	fb, err := New(Options{Dir: f.dir})
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(context.Background(), store.Options{Backend: fb, Journal: f.j.Journal,
		OnChange: func(_ *article.Library, _ *index.Index, ps []article.Problem) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.problems = ps
		}})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	f.s, f.fb = s, fb
}

// lastProblems returns the problems OnChange was last given.
func (f *fixture) lastProblems() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, p := range f.problems {
		out = append(out, p.String())
	}
	return out
}

// putBytes puts the version a version file's bytes parse to.
func putBytes(ctx context.Context, s *store.Store, id, lang string, file []byte) (store.Result, error) {
	v, problems := load.ParseVersion("articles/"+id+"/"+lang+".md", file, load.NewRenderer())
	if len(problems) > 0 {
		return store.Result{}, &store.ValidationError{Problems: problems}
	}
	return s.Put(ctx, v)
}

// testJournal is an in-memory journal.Journal with the helpers tests use.
type testJournal struct{ *journal.Journal }

func newJournal(t testing.TB) testJournal {
	t.Helper()
	j, err := journal.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return testJournal{j}
}

func (j testJournal) all() []journal.Entry {
	es, _, err := j.Since("", 1<<30)
	if err != nil {
		panic(err)
	}
	return es
}

// since returns the entries appended after the first n, as op id/lang slug.
func (j testJournal) since(n int) []string {
	var out []string
	for _, e := range j.all()[n:] {
		out = append(out, fmt.Sprintf("%s %s/%s %s", e.Op, e.ID, e.Lang, e.Slug))
	}
	return out
}

func (j testJournal) len() int { return len(j.all()) }

// titleOf returns the title of the served version, or "".
func titleOf(s *store.Store, id, lang string) string {
	if v := s.Library().Version(id, lang); v != nil {
		return v.Title
	}
	return ""
}

// versionsOf lists the versions of lib as id/lang title.
func versionsOf(lib *article.Library) []string {
	var out []string
	for _, v := range lib.All() {
		out = append(out, v.ID+"/"+v.Lang+" "+v.Title)
	}
	return out
}
