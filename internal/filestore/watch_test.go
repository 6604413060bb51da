package filestore

import (
	"context"
	"fmt"
	"io/fs"
	"testing"

	"github.com/fsnotify/fsnotify"

	"github.com/amal-kommun/tolk/internal/store"
)

// TestEditCostsItsFolder checks that the re-scan after an edit inside one
// article folder (an editor's save, or a write's own event) costs that
// folder, not the tree: it used to stat every folder and rebuild the map
// of watches, the second-largest CPU cost of the server under the soak
// (issue 17), growing with the corpus. The allocations of one such
// refresh must not grow with the number of folders.
func TestEditCostsItsFolder(t *testing.T) {
	allocs := func(folders int) float64 {
		files := map[string]string{"site.yaml": baseTree()["site.yaml"]}
		for i := range folders {
			files[fmt.Sprintf("articles/a-%d/sv.md", i)] = doc(fmt.Sprintf("A %d", i), fmt.Sprintf("a-%d", i), "")
		}
		dir := t.TempDir() + "/content"
		writeTree(t, dir, files)
		b, err := New(Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		w, err := fsnotify.NewWatcher()
		if err != nil {
			t.Skipf("no file-system events here: %v", err)
		}
		defer w.Close()
		wt := &watches{w: w, known: make(map[string]fs.FileInfo)}
		report := func(store.Delta) {}
		b.refresh(context.Background(), wt, dirty{all: true}, report)
		if len(wt.known) != folders+2 {
			t.Fatalf("%d folders watched, want %d", len(wt.known), folders+2)
		}
		var d dirty
		d.addFolder("articles/a-1")
		return testing.AllocsPerRun(20, func() { b.refresh(context.Background(), wt, d, report) })
	}
	small, large := allocs(20), allocs(400)
	if large > 2*small {
		t.Errorf("a refresh of one folder allocates %.0f times with 20 folders, %.0f with 400: it grows with the tree", small, large)
	}
}
