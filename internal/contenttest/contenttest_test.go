package contenttest

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/amal-kommun/tolk/content"
	"github.com/amal-kommun/tolk/internal/load"
)

// TestCorpus copies the embedded corpus: the copy has every file of
// content.FS with the same bytes, and nothing else.
func TestCorpus(t *testing.T) {
	dir := Corpus(t)
	want, got := files(t, content.FS), files(t, os.DirFS(dir))
	if len(want) == 0 {
		t.Fatal("the embedded corpus has no files")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("copy differs from content.FS (-want +got):\n%s", diff)
	}
}

// TestCopyTreeAndWriteTree copies a tree, writes over one file and adds
// one in a new folder; the original is untouched.
func TestCopyTreeAndWriteTree(t *testing.T) {
	src := fstest.MapFS{
		"site.yaml":         {Data: []byte(Site)},
		"articles/a/sv.md":  {Data: []byte("a")},
		"articles/b/en.md":  {Data: []byte("b")},
		"articles/empty/.k": {Data: nil},
	}
	dir := CopyTree(t, src)
	WriteTree(t, dir, map[string]string{"articles/a/sv.md": "A", "articles/c/d/zh-Hans.md": "c"})
	want := map[string]string{
		"site.yaml": Site, "articles/a/sv.md": "A", "articles/b/en.md": "b", "articles/empty/.k": "", "articles/c/d/zh-Hans.md": "c",
	}
	if diff := cmp.Diff(want, files(t, os.DirFS(dir))); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}
	if string(src["articles/a/sv.md"].Data) != "a" {
		t.Error("WriteTree changed the source")
	}
}

// TestSiteLoads loads a tree of Site and one article: Site is valid.
func TestSiteLoads(t *testing.T) {
	dir := t.TempDir()
	WriteTree(t, dir, map[string]string{
		"site.yaml":        Site,
		"articles/a/sv.md": "---\ntitle: A\nslug: a\ntags: [international, culture]\npublished: 2020-01-03\n---\n\nText.\n",
	})
	lib, problems, err := load.Load(context.Background(), os.DirFS(dir))
	if err != nil || len(problems) > 0 {
		t.Fatalf("Load: %v %v", err, problems)
	}
	if site := lib.Site(); site.Publisher != "Åmåls kommun" || len(site.Tags) != 2 || site.DerivedFrom("zh-Hant") != "zh-Hans" {
		t.Errorf("site %+v", site)
	}
}

// files returns every file of fsys with its contents.
func files(t *testing.T, fsys fs.FS) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		out[filepath.ToSlash(p)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
