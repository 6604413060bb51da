package store_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/amal-kommun/tolk/internal/contenttest"
	"github.com/amal-kommun/tolk/internal/filestore"
	"github.com/amal-kommun/tolk/internal/store"

	"github.com/google/go-cmp/cmp"

	"github.com/amal-kommun/tolk/internal/load"
)

// within is how soon a change on disk must be served.
const within = 2 * time.Second

// debounce is the quiet time after which the file backend's Watch
// re-scans (filestore's debounceQuiet).
const debounce = 200 * time.Millisecond

func TestWatchEdits(t *testing.T) {
	f := newFixture(t, baseTree())
	f.watch(t)
	path := func(p string) string { return filepath.Join(f.dir, filepath.FromSlash(p)) }
	hasProblem := func(prefix string) bool {
		return slices.ContainsFunc(f.rec.lastProblems(), func(p string) bool { return strings.HasPrefix(p, prefix) })
	}
	steps := []struct {
		name string
		do   func(t *testing.T)
		done func() bool // true once the change is served
		then func(t *testing.T)
	}{
		{
			name: "edit in place",
			do: func(t *testing.T) {
				f.write(t, "articles/vanort/en.md", doc("The twin town De Pere", "the-twin-town", translation("sv")))
			},
			done: func() bool { return titleOf(f.s, "vanort", "en") == "The twin town De Pere" },
			then: func(t *testing.T) {
				if got := searchIDs(t, f.s.Index(), "pere", "en"); !slices.Contains(got, "vanort/en") {
					t.Errorf("search does not find the edit: %v", got)
				}
			},
		},
		{
			name: "broken edit keeps the last good version",
			do:   func(t *testing.T) { f.write(t, "articles/skola/sv.md", "---\ntitle: Skolan\nslugg: skolan\n---\n") },
			done: func() bool { return hasProblem("articles/skola/sv.md:3: ") },
			then: func(t *testing.T) {
				if got := titleOf(f.s, "skola", "sv"); got != "Skolan" {
					t.Errorf("served title %q, want the last good one", got)
				}
			},
		},
		{
			name: "fixed edit",
			do:   func(t *testing.T) { f.write(t, "articles/skola/sv.md", doc("Skolan i Åmål", "skolan", "")) },
			done: func() bool { return titleOf(f.s, "skola", "sv") == "Skolan i Åmål" },
			then: func(t *testing.T) {
				if p := f.rec.lastProblems(); len(p) > 0 {
					t.Errorf("problems after the fix: %v", p)
				}
			},
		},
		{
			name: "edit that clashes with another article keeps the last good version",
			do:   func(t *testing.T) { f.write(t, "articles/skola/sv.md", doc("Skolan", "vanorten", "")) },
			done: func() bool { return hasProblem("articles/skola/sv.md:3: ") },
			then: func(t *testing.T) {
				if got := titleOf(f.s, "skola", "sv"); got != "Skolan i Åmål" {
					t.Errorf("served title %q, want the last good one", got)
				}
				if got := titleOf(f.s, "vanort", "sv"); got != "Vänorten" {
					t.Errorf("the other article's title is %q", got)
				}
			},
		},
		{
			name: "editor's save: write a temporary file, rename it over",
			do: func(t *testing.T) {
				f.write(t, "articles/skola/.sv.md.swp", doc("Skolan (sparad)", "skolan", ""))
				f.write(t, "articles/skola/sv.md.tmp", doc("Skolan (sparad)", "skolan", ""))
				if err := os.Rename(path("articles/skola/sv.md.tmp"), path("articles/skola/sv.md")); err != nil {
					t.Fatal(err)
				}
			},
			done: func() bool { return titleOf(f.s, "skola", "sv") == "Skolan (sparad)" && len(f.rec.lastProblems()) == 0 },
		},
		{
			name: "editor's save with a backup: rename away, write anew, remove the backup",
			do: func(t *testing.T) {
				if err := os.Rename(path("articles/skola/sv.md"), path("articles/skola/sv.md~")); err != nil {
					t.Fatal(err)
				}
				f.write(t, "articles/skola/sv.md", doc("Skolan (igen)", "skolan", ""))
				os.Remove(path("articles/skola/sv.md~"))
				os.Remove(path("articles/skola/.sv.md.swp"))
			},
			done: func() bool { return titleOf(f.s, "skola", "sv") == "Skolan (igen)" },
		},
		{
			name: "new article folder",
			do: func(t *testing.T) {
				f.write(t, "articles/hamn/sv.md", doc("Hamnen", "hamnen", ""))
				f.write(t, "articles/hamn/en.md", doc("The harbour", "the-harbour", translation("sv")))
			},
			done: func() bool { return titleOf(f.s, "hamn", "sv") != "" && titleOf(f.s, "hamn", "en") != "" },
		},
		{
			name: "file added to the new folder later",
			do: func(t *testing.T) {
				f.write(t, "articles/hamn/zh-Hans.md", doc("港口", "gangkou", translation("sv")))
			},
			done: func() bool { return titleOf(f.s, "hamn", "zh-Hans") == "港口" },
		},
		{
			name: "article folder removed",
			do: func(t *testing.T) {
				if err := os.RemoveAll(path("articles/hamn")); err != nil {
					t.Fatal(err)
				}
			},
			done: func() bool { return f.s.Library().Article("hamn") == nil },
		},
		{
			name: "broken site.yaml keeps the site",
			do:   func(t *testing.T) { f.write(t, "site.yaml", "default_language: [\n") },
			done: func() bool { return hasProblem("site.yaml") },
			then: func(t *testing.T) {
				if got := f.s.Library().Site().DefaultLanguage; got != "sv" {
					t.Errorf("default language %q after a broken site.yaml", got)
				}
				if f.s.Library().Len() != 2 {
					t.Errorf("%d articles after a broken site.yaml", f.s.Library().Len())
				}
			},
		},
		{
			name: "site.yaml fixed",
			do: func(t *testing.T) {
				f.write(t, "site.yaml", strings.Replace(contenttest.Site, "example.se", "amal.se", 1))
			},
			done: func() bool { return strings.Contains(f.s.Library().Site().SiteURL, "amal.se") },
			then: func(t *testing.T) {
				if p := f.rec.lastProblems(); len(p) > 0 {
					t.Errorf("problems after the fix: %v", p)
				}
			},
		},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.do(t)
			eventually(t, within, "change served", st.done)
			if st.then != nil {
				st.then(t)
			}
		})
	}
	// The journal saw the public changes made on disk.
	got := f.j.since(0)
	for _, want := range []string{
		"upsert vanort/en the-twin-town",
		"upsert skola/sv skolan",
		"upsert hamn/zh-Hant gangkou",
		"delete hamn/sv hamnen",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("journal lacks %q; has %v", want, got)
		}
	}
}

// TestWatchWholesale replaces the content directory in the ways
// deployments and Git do, and checks that the Store converges to what a
// fresh load of the new tree gives.
func TestWatchWholesale(t *testing.T) {
	next := func() map[string]string {
		files := map[string]string{"site.yaml": contenttest.Site}
		for i := range 40 {
			id := "ny-" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
			files["articles/"+id+"/sv.md"] = doc("Ny "+id, "ny-"+id, "")
			files["articles/"+id+"/en.md"] = doc("New "+id, "new-"+id, translation("sv"))
		}
		files["articles/skola/sv.md"] = doc("Skolan, ny gren", "skolan", "")
		return files
	}
	tests := []struct {
		name    string
		atomic  bool // the tree is never seen half replaced
		replace func(t *testing.T, dir string)
	}{
		{"git checkout: files rewritten, removed and added in place", false, func(t *testing.T, dir string) {
			if err := os.RemoveAll(filepath.Join(dir, "articles", "vanort")); err != nil {
				t.Fatal(err)
			}
			writeTree(t, dir, next())
		}},
		{"directory renamed away and a new one moved in", true, func(t *testing.T, dir string) {
			tmp := dir + ".new"
			writeTree(t, tmp, next())
			if err := os.Rename(dir, dir+".old"); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, dir); err != nil {
				t.Fatal(err)
			}
		}},
		{"directory missing for a moment between two renames", true, func(t *testing.T, dir string) {
			tmp := dir + ".new"
			writeTree(t, tmp, next())
			if err := os.Rename(dir, dir+".old"); err != nil {
				t.Fatal(err)
			}
			time.Sleep(3 * debounce) // long enough for a re-scan to see no directory
			if err := os.Rename(tmp, dir); err != nil {
				t.Fatal(err)
			}
		}},
		{"articles folder missing for a moment", true, func(t *testing.T, dir string) {
			tmp := dir + ".new"
			writeTree(t, tmp, next())
			if err := os.Rename(filepath.Join(dir, "articles"), dir+".old-articles"); err != nil {
				t.Fatal(err)
			}
			time.Sleep(3 * debounce)
			if err := os.Rename(filepath.Join(tmp, "articles"), filepath.Join(dir, "articles")); err != nil {
				t.Fatal(err)
			}
		}},
		{"directory removed and written anew", false, func(t *testing.T, dir string) {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			writeTree(t, dir, next())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The new tree drops 3 of the 4 versions: more than the
			// default share a re-scan may delete (TestMassDeleteHeld).
			f := newFixtureShare(t, baseTree(), 1)
			f.watch(t)
			tt.replace(t, f.dir)
			want := loadVersions(t, f.dir)
			eventually(t, 3*within, "the new tree served", func() bool {
				return cmp.Equal(want, versionsOf(f.s.Library()))
			})
			// Later edits in the new tree are seen too.
			f.write(t, "articles/ny-a/sv.md", doc("Ny igen", "ny-ny-a", ""))
			eventually(t, within, "an edit in the new tree served", func() bool { return titleOf(f.s, "ny-a", "sv") == "Ny igen" })
			if got := searchIDs(t, f.s.Index(), "igen", "sv"); !slices.Equal(got, []string{"ny-a/sv"}) {
				t.Errorf("search in the new tree: %v", got)
			}
			if tt.atomic && slices.Contains(f.j.since(0), "delete skola/sv skolan") {
				t.Error("the journal has a delete of skola/sv, which both trees have: the half-replaced tree was served")
			}
		})
	}
	t.Run("symbolic link switched to another release", func(t *testing.T) {
		root := t.TempDir()
		a, b, link := filepath.Join(root, "release-a"), filepath.Join(root, "release-b"), filepath.Join(root, "content")
		files := baseTree()
		files["site.yaml"] = contenttest.Site
		writeTree(t, a, files)
		writeTree(t, b, next())
		if err := os.Symlink(a, link); err != nil {
			t.Fatal(err)
		}
		f := &fixture{dir: link, j: newJournal(t), rec: &recorder{}, maxDeleteShare: 1}
		f.s, f.fb = f.open(t)
		f.watch(t)
		if err := os.Symlink(b, link+".tmp"); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(link+".tmp", link); err != nil {
			t.Fatal(err)
		}
		want := loadVersions(t, b)
		eventually(t, 3*within, "the new release served", func() bool {
			return cmp.Equal(want, versionsOf(f.s.Library()))
		})
		f.write(t, "articles/ny-a/sv.md", doc("Ny igen", "ny-ny-a", ""))
		eventually(t, within, "an edit in the new release served", func() bool { return titleOf(f.s, "ny-a", "sv") == "Ny igen" })
	})
}

// loadVersions loads the tree at dir with the loader, as a fresh start
// would.
func loadVersions(t *testing.T, dir string) []string {
	t.Helper()
	lib, _, err := load.Load(context.Background(), os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	return versionsOf(lib)
}

// TestReloadRacyFile rewrites a file keeping its size, time and inode,
// which only comparing contents can notice; the Store compares the
// contents of files modified shortly before it read them.
func TestReloadRacyFile(t *testing.T) {
	f := newFixture(t, baseTree())
	p := filepath.Join(f.dir, "articles", "skola", "sv.md")
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(doc("Skolan", "skolon", "")), 0o644); err != nil { // same size
		t.Fatal(err)
	}
	if err := os.Chtimes(p, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	if err := f.reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if v := f.s.Library().Version("skola", "sv"); v == nil || v.Slug != "skolon" {
		t.Errorf("racily clean file not re-read: %+v", v)
	}
}

// TestScanMatchesLoad checks that the Store's own reading of a tree serves
// what load.Load gives, problems included.
func TestScanMatchesLoad(t *testing.T) {
	files := baseTree()
	files["README.md"] = "# Content"
	files["articles/README.md"] = "# Articles"
	files["articles/stray.md"] = doc("Stray", "stray", "")
	files["articles/skola/notes.txt"] = "notes"
	files["articles/skola/README.md"] = "# Notes"
	files["articles/skola/deep/en.md"] = doc("Deep", "deep", "")
	files["articles/skola/en.md"] = "---\ntitle: School\n---\n"
	files["articles/Bad_Id/sv.md"] = doc("Bad", "bad", "")
	files["articles/vanort/de.md"] = doc("Partnerstadt", "partnerstadt", translation("sv"))
	files["articles/vanort/#sv.md#"] = "emacs"
	files["articles/.git/sv.md"] = "hidden"
	f := newFixture(t, files)
	if err := os.Symlink(filepath.Join(f.dir, "articles/skola/sv.md"), filepath.Join(f.dir, "articles/vanort/link.md")); err != nil {
		t.Fatal(err)
	}
	if err := f.reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	lib, problems, err := load.Load(context.Background(), os.DirFS(f.dir))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(versionsOf(lib), versionsOf(f.s.Library())); diff != "" {
		t.Errorf("versions (-load +store):\n%s", diff)
	}
	if diff := cmp.Diff(problems, f.s.Problems()); diff != "" {
		t.Errorf("problems (-load +store):\n%s", diff)
	}
	if len(problems) < 6 {
		t.Errorf("only %d problems: %v", len(problems), problems)
	}
}

// TestWatchPeriodicRescan changes a file in a way that sends no event to
// the watched folders (through a hard link elsewhere) and checks that the
// periodic re-scan of Options.Rescan finds it.
func TestWatchPeriodicRescan(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "content")
	writeBase(t, dir)
	elsewhere := filepath.Join(t.TempDir(), "link.md")
	if err := os.Link(filepath.Join(dir, "articles/skola/sv.md"), elsewhere); err != nil {
		t.Skipf("no hard links here: %v", err)
	}
	fb, err := filestore.New(filestore.Options{Dir: dir, Rescan: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(context.Background(), store.Options{Backend: fb})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f := &fixture{dir: dir, s: s, fb: fb}
	f.watch(t)
	if err := os.WriteFile(elsewhere, []byte(doc("Skolan via länken", "skolan", "")), 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, within, "the change found by a periodic re-scan", func() bool { return titleOf(s, "skola", "sv") == "Skolan via länken" })
}
