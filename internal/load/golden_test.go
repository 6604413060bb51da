package load

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/amal-kommun/tolk/content"
	"github.com/amal-kommun/tolk/internal/golden"
)

// TestGoldenHTML compares the rendered HTML of every embedded version with
// testdata/golden/<id>.<lang>.html. Run go test ./internal/load -update to
// rewrite the files after a deliberate change, and review the diff.
func TestGoldenHTML(t *testing.T) {
	lib, _, err := Load(context.Background(), content.FS)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("testdata", "golden")
	if golden.Update() {
		// Rewritten from scratch, so no file outlives its version.
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
	}
	want := make(map[string]bool)
	for _, v := range lib.All() {
		name := v.ID + "." + v.Lang + ".html"
		want[name] = true
		t.Run(name, func(t *testing.T) {
			golden.Check(t, filepath.Join(dir, name), []byte(v.HTML))
		})
	}
	// A golden file without a version is left over from a removed one.
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !want[e.Name()] {
			t.Errorf("%s has no embedded version (run go test ./internal/load -update)", filepath.Join(dir, e.Name()))
		}
	}
}
