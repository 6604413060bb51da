package store_test

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/amal-kommun/tolk/internal/contenttest"
	"github.com/amal-kommun/tolk/internal/filestore"
	"github.com/amal-kommun/tolk/internal/pgstore"
	"github.com/amal-kommun/tolk/internal/store"

	"github.com/amal-kommun/tolk/index"
	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/webhook"
)

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

// baseTree is a small tree: one article in three languages, one in Swedish.
func baseTree() map[string]string {
	return map[string]string{
		"articles/vanort/sv.md":      doc("Vänorten", "vanorten", ""),
		"articles/vanort/en.md":      doc("The twin town", "the-twin-town", translation("sv")),
		"articles/vanort/zh-Hans.md": doc("友好城市", "twin-town-zh", translation("en")),
		"articles/skola/sv.md":       doc("Skolan", "skolan", "tags: [international]\n"),
	}
}

// writeBase writes baseTree, with contenttest.Site, under dir.
func writeBase(t testing.TB, dir string) {
	t.Helper()
	files := baseTree()
	files["site.yaml"] = contenttest.Site
	writeTree(t, dir, files)
}

// testJournal is an in-memory journal.Journal with the helpers tests use.
type testJournal struct{ *journal.Journal }

func newJournal(t testing.TB) testJournal {
	t.Helper()
	j, err := journal.Open("")
	if err != nil {
		t.Fatal(err)
	}
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

// recorder records what a Store publishes: webhook events and
// generations.
type recorder struct {
	mu       sync.Mutex
	events   []webhook.Event
	gens     int
	lib      *article.Library
	ix       *index.Index
	problems []article.Problem
}

func (r *recorder) notify(ev webhook.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

func (r *recorder) onChange(lib *article.Library, ix *index.Index, problems []article.Problem) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gens++
	r.lib, r.ix, r.problems = lib, ix, problems
}

// eventsSince returns the events after the first n, as event id/lang slug
// url previous_url.
func (r *recorder) eventsSince(n int) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events[n:] {
		url, prev := "-", "-"
		if e.URL != nil {
			url = *e.URL
		}
		if e.PreviousURL != nil {
			prev = *e.PreviousURL
		}
		out = append(out, fmt.Sprintf("%s %s/%s %s %s %s", e.Event, e.ID, e.Lang, e.Slug, url, prev))
	}
	return out
}

func (r *recorder) numEvents() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

func (r *recorder) lastProblems() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, p := range r.problems {
		out = append(out, p.String())
	}
	return out
}

// fixture is a Store over a temporary content directory.
type fixture struct {
	dir string
	s   *store.Store
	fb  *filestore.Backend // s's backend
	j   testJournal
	rec *recorder
	// maxDeleteShare is Options.MaxDeleteShare.
	maxDeleteShare float64
	// pg is the database of a fixture on the PostgreSQL backend, whose
	// content is its site "kommun"; nil on the file backend.
	pg *pgstore.Store
}

// backend returns a new backend over the fixture's content, as another
// Store opened anew would use, with the journal to give that Store: an
// empty one of its own on the file backend, the backend's mirror of the
// site's change log on PostgreSQL.
func (f *fixture) backend(t testing.TB) (store.Backend, *journal.Journal) {
	t.Helper()
	if f.pg == nil {
		return fileBackend(t, f.dir, ""), newJournal(t).Journal
	}
	b, err := pgstore.NewBackend(f.pg, "kommun", pgstore.ListenOptions{Poll: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return b, b.Journal()
}

// newFixture writes files to a temporary directory and opens a Store on
// it with a fake journal and a recorder.
func newFixture(t testing.TB, files map[string]string) *fixture {
	t.Helper()
	return newFixtureShare(t, files, 0)
}

// newFixtureShare is newFixture with Options.MaxDeleteShare.
func newFixtureShare(t testing.TB, files map[string]string, share float64) *fixture {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "content")
	if _, ok := files["site.yaml"]; !ok {
		files["site.yaml"] = contenttest.Site
	}
	writeTree(t, dir, files)
	f := &fixture{dir: dir, j: newJournal(t), rec: &recorder{}, maxDeleteShare: share}
	f.s, f.fb = f.open(t)
	return f
}

// open opens a Store over the fixture's directory, without a versions
// cache.
func (f *fixture) open(t testing.TB) (*store.Store, *filestore.Backend) {
	t.Helper()
	return openFiles(t, f.dir, "", store.Options{
		Journal:  f.j.Journal,
		Notify:   f.rec.notify,
		OnChange: f.rec.onChange,

		MaxDeleteShare: f.maxDeleteShare,
	})
}

// watch runs Watch until the test ends.
func (f *fixture) watch(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.s.Watch(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watch: %v", err)
		}
	})
	time.Sleep(50 * time.Millisecond) // let the watches start
}

// write writes one file of the content directory in place.
func (f *fixture) write(t testing.TB, p, data string) {
	t.Helper()
	writeTree(t, f.dir, map[string]string{p: data})
}

// eventually polls cond for up to d.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

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

// searchIDs returns id/lang of the hits of q in lang.
func searchIDs(t testing.TB, ix *index.Index, q, lang string) []string {
	t.Helper()
	res, err := ix.Search(context.Background(), index.Request{Query: q, Langs: []string{lang}})
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.ID+"/"+h.Lang)
	}
	slices.Sort(out)
	return out
}

func indexRequest(q string) index.Request { return index.Request{Query: q} }

// reload re-scans the article folders named (slash paths) and the list
// of folders, or the whole tree without folders, and applies what changed,
// publishing a new generation if anything did: changed files are re-read
// and re-validated, others are not even read. A file that is now broken
// is reported and its last good version stays served; a broken site.yaml
// keeps the last good site. The error is for a tree that cannot be read
// (the generation served stays as it was) or a canceled ctx. It is what
// Watch does for each burst of events, done at once.
func (f *fixture) reload(ctx context.Context, folders ...string) error {
	return f.fb.Rescan(ctx, f.s.Report, folders...)
}

// fileBackend returns the file backend of the content directory dir, with the
// versions cache in cacheDir ("" for none).
func fileBackend(t testing.TB, dir, cacheDir string) *filestore.Backend {
	t.Helper()
	fb, err := filestore.New(filestore.Options{Dir: dir, CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	return fb
}

// embedded returns the read-only file backend of fsys.
func embedded(t testing.TB, fsys fs.FS) *filestore.Backend {
	t.Helper()
	fb, err := filestore.New(filestore.Options{FS: fsys})
	if err != nil {
		t.Fatal(err)
	}
	return fb
}

// openFiles opens a Store over the content directory dir, with opts and
// the versions cache in cacheDir ("" for none).
func openFiles(t testing.TB, dir, cacheDir string, opts store.Options) (*store.Store, *filestore.Backend) {
	t.Helper()
	fb, err := filestore.New(filestore.Options{Dir: dir, CacheDir: cacheDir, Logger: opts.Logger})
	if err != nil {
		t.Fatal(err)
	}
	opts.Backend = fb
	s, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, fb
}
