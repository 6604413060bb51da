package filestore

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/amal-kommun/tolk/internal/contenttest"
	"github.com/amal-kommun/tolk/internal/store"

	"github.com/google/go-cmp/cmp"

	"github.com/amal-kommun/tolk/internal/load"
)

func TestOpenRemovesTemporaryFiles(t *testing.T) {
	files := baseTree()
	files["articles/vanort/.tolk-tmp-123456"] = doc("Halvskriven", "halvskriven", "")
	files["articles/.tolk-tmp-9"] = "junk"
	files["articles/vanort/.sv.md.swp"] = "vim swap file" // not ours: kept
	files["articles/skola/.tolk-tmp-77"] = "being written by another server right now"
	f := newFixture(t, files)
	s := f.s
	old := time.Now().Add(-2 * tempMinAge)
	for _, p := range []string{"articles/vanort/.tolk-tmp-123456", "articles/.tolk-tmp-9"} {
		if err := os.Chtimes(filepath.Join(f.dir, p), old, old); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	f.open(t)
	for _, p := range []string{"articles/vanort/.tolk-tmp-123456", "articles/.tolk-tmp-9"} {
		if _, err := os.Stat(filepath.Join(f.dir, p)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s not removed: %v", p, err)
		}
	}
	if _, err := os.Stat(filepath.Join(f.dir, "articles/skola/.tolk-tmp-77")); err != nil {
		t.Errorf("a temporary file just written was removed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(f.dir, "articles/vanort/.sv.md.swp")); err != nil {
		t.Errorf("an editor's swap file was removed: %v", err)
	}
	for _, v := range f.s.Library().All() {
		if strings.Contains(v.Path, "tmp") {
			t.Errorf("temporary file loaded: %s", v.Path)
		}
	}
	if len(f.lastProblems()) != 0 {
		t.Errorf("problems: %v", f.lastProblems())
	}
}

// TestTemporaryNameIgnored checks that the loader skips the names of the
// Store's temporary files, which Put leaves only when the process dies.
func TestTemporaryNameIgnored(t *testing.T) {
	fsys := fstest.MapFS{
		"site.yaml":                           {Data: []byte(contenttest.Site)},
		"articles/skola/sv.md":                {Data: []byte(doc("Skolan", "skolan", ""))},
		"articles/skola/" + tempPrefix + "12": {Data: []byte(doc("Skolan", "skolan", ""))},
		"articles/" + tempPrefix + "12":       {Data: []byte(doc("Skolan", "skolan", ""))},
	}
	lib, problems, err := load.Load(context.Background(), fsys)
	if err != nil || len(problems) > 0 || len(lib.All()) != 1 {
		t.Errorf("Load = %d versions, %v, %v; want the one version", len(lib.All()), problems, err)
	}
}

func TestWriteFailures(t *testing.T) {
	enospc := func(*os.File, []byte) (int, error) {
		return 0, &fs.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}
	}
	edquot := func(*os.File, []byte) (int, error) {
		return 0, &fs.PathError{Op: "write", Path: "x", Err: syscall.EDQUOT}
	}
	eacces := func(*os.Root, string, string) (*os.File, error) {
		return nil, &fs.PathError{Op: "open", Path: "x", Err: syscall.EACCES}
	}
	erofs := func(*os.Root, string, string) error {
		return &os.LinkError{Op: "rename", Old: "a", New: "b", Err: syscall.EROFS}
	}
	eperm := func(string) error { return &fs.PathError{Op: "remove", Path: "x", Err: syscall.EPERM} }
	tests := []struct {
		name  string
		setup func(*fileOps)
		want  error
	}{
		{"disk full", func(o *fileOps) { o.Write = enospc }, store.ErrNoSpace},
		{"quota", func(o *fileOps) { o.Write = edquot }, store.ErrNoSpace},
		{"permission denied", func(o *fileOps) { o.CreateTemp = eacces }, store.ErrUnavailable},
		{"read-only file system", func(o *fileOps) { o.Rename = erofs }, store.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, baseTree())
			tt.setup(&f.fb.ops)
			before, n := versionsOf(f.s.Library()), f.j.len()
			for _, w := range []struct{ id, lang, file string }{
				{"skola", "sv", doc("Skolan i Åmål", "skolan", "")},         // replace
				{"ny", "sv", doc("Ny", "ny", "")},                           // create with a folder
				{"skola", "en", doc("School", "school", translation("sv"))}, // create in a folder
			} {
				if _, err := putBytes(context.Background(), f.s, w.id, w.lang, []byte(w.file)); !errors.Is(err, tt.want) {
					t.Errorf("Put %s/%s = %v, want %v", w.id, w.lang, err, tt.want)
				}
			}
			if diff := cmp.Diff(before, versionsOf(f.s.Library())); diff != "" {
				t.Errorf("a failed write changed the Library (-want +got):\n%s", diff)
			}
			if f.j.len() != n {
				t.Errorf("a failed write reached the journal: %v", f.j.since(n))
			}
			assertTree(t, f.dir, baseTree())
		})
	}
	t.Run("delete refused", func(t *testing.T) {
		f := newFixture(t, baseTree())
		f.fb.ops.remove = eperm
		if err := f.s.Delete(context.Background(), "skola", "sv"); !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("Delete = %v, want store.ErrUnavailable", err)
		}
		if titleOf(f.s, "skola", "sv") == "" {
			t.Error("a failed delete removed the version")
		}
	})
}

// assertTree checks that dir holds exactly files plus site.yaml: no
// temporary files, no new folders.
func assertTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	want := map[string]string{"site.yaml": contenttest.Site}
	for p, d := range files {
		want[p] = d
	}
	got := make(map[string]string)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		got[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("content directory (-want +got):\n%s", diff)
	}
	var dirs []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			if ents, _ := os.ReadDir(p); len(ents) == 0 {
				dirs = append(dirs, p)
			}
		}
		return nil
	})
	if len(dirs) > 0 {
		t.Errorf("empty folders left: %v", dirs)
	}
}
