package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amal-kommun/tolk/internal/contenttest"
	"github.com/amal-kommun/tolk/internal/store"
)

// outsideTree writes, outside the content directory, files that look
// like an article folder, and returns its path and a listing of it.
func outsideTree(t *testing.T) (string, func() []string) {
	dir := filepath.Join(t.TempDir(), "outside")
	writeTree(t, dir, map[string]string{
		"sv.md":         doc("Hemlig", "hemlig", ""),
		"secret-one.md": "not a version",
	})
	list := func() []string {
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range ents {
			out = append(out, e.Name())
		}
		return out
	}
	return dir, list
}

// assertConfined checks that nothing of the outside folder is served or
// named in the problems.
func assertConfined(t *testing.T, s *store.Store) {
	t.Helper()
	for _, v := range s.Library().All() {
		if v.Title == "Hemlig" {
			t.Errorf("%s/%s from outside the content root is served", v.ID, v.Lang)
		}
	}
	for _, p := range s.Problems() {
		if strings.Contains(p.String(), "secret") || strings.HasPrefix(p.Path, "articles/linked/") || strings.HasPrefix(p.Path, "articles/later/") {
			t.Errorf("a problem names a file outside the root: %s", p)
		}
	}
}

// TestDirectorySymlinks: article folders that are symbolic links are not
// followed, whether they exist at the start or appear while serving, and
// writes never reach outside the content root (issue 14, finding 9).
func TestDirectorySymlinks(t *testing.T) {
	ctx := context.Background()
	outside, list := outsideTree(t)
	before := list()
	files := baseTree()
	files["site.yaml"] = contenttest.Site
	dir := filepath.Join(t.TempDir(), "content")
	writeTree(t, dir, files)
	if err := os.Symlink(outside, filepath.Join(dir, "articles", "linked")); err != nil {
		t.Fatal(err)
	}
	f := &fixture{dir: dir, j: newJournal(t), rec: &recorder{}}
	f.s, f.fb = f.open(t)
	assertConfined(t, f.s)
	found := false
	for _, p := range f.s.Problems() {
		found = found || p.Path == "articles/linked"
	}
	if !found {
		t.Errorf("the link is not reported: %v", f.s.Problems())
	}

	// A link created while serving, seen by a watch event or a re-scan.
	if err := os.Symlink(outside, filepath.Join(dir, "articles", "later")); err != nil {
		t.Fatal(err)
	}
	if err := f.reload(ctx, "articles/later"); err != nil {
		t.Fatal(err)
	}
	assertConfined(t, f.s)
	if err := f.reload(ctx); err != nil {
		t.Fatal(err)
	}
	assertConfined(t, f.s)

	// Writes into the linked folders go nowhere.
	for _, id := range []string{"linked", "later"} {
		if _, err := f.s.PutBytes(ctx, id, "en", []byte(doc("Written", "written-"+id, ""))); !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("Put %s/en = %v, want ErrUnavailable", id, err)
		}
		if _, err := f.s.PutBytes(ctx, id, "sv", []byte(doc("Skriven", "skriven-"+id, ""))); err == nil {
			t.Errorf("Put %s/sv succeeded", id)
		}
		if err := f.s.Delete(ctx, id, "sv"); err == nil {
			t.Errorf("Delete %s/sv succeeded", id)
		}
	}
	if got := list(); strings.Join(got, ",") != strings.Join(before, ",") {
		t.Errorf("the outside folder changed: %v, was %v", got, before)
	}
	if data, err := os.ReadFile(filepath.Join(outside, "sv.md")); err != nil || !strings.Contains(string(data), "Hemlig") {
		t.Errorf("the outside version was changed: %q %v", data, err)
	}

	// The articles folder itself a link.
	dir2 := filepath.Join(t.TempDir(), "content")
	writeTree(t, dir2, map[string]string{"site.yaml": contenttest.Site})
	arts := filepath.Join(t.TempDir(), "arts")
	writeTree(t, arts, map[string]string{"linked/sv.md": doc("Hemlig", "hemlig", "")})
	if err := os.Symlink(arts, filepath.Join(dir2, "articles")); err != nil {
		t.Fatal(err)
	}
	g := &fixture{dir: dir2, j: newJournal(t), rec: &recorder{}}
	g.s, g.fb = g.open(t)
	assertConfined(t, g.s)
	if _, err := g.s.PutBytes(ctx, "ny", "sv", []byte(doc("Ny", "ny", ""))); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Put through a linked articles folder = %v, want ErrUnavailable", err)
	}
	if _, err := os.Stat(filepath.Join(arts, "ny")); err == nil {
		t.Error("Put wrote into the linked articles folder")
	}
}
