package load

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/amal-kommun/tolk/content"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGoldenHTML compares the rendered HTML of every embedded version with
// testdata/golden/<id>.<lang>.html. Run go test ./internal/load -update to
// rewrite the files after a deliberate change, and review the diff.
func TestGoldenHTML(t *testing.T) {
	lib, _, err := Load(context.Background(), content.FS)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("testdata", "golden")
	if *update {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	want := make(map[string]bool)
	for _, v := range lib.All() {
		name := v.ID + "." + v.Lang + ".html"
		want[name] = true
		t.Run(name, func(t *testing.T) {
			golden := filepath.Join(dir, name)
			if *update {
				if err := os.WriteFile(golden, []byte(v.HTML), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			data, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("missing golden file (run go test ./internal/load -update): %v", err)
			}
			if diff := cmp.Diff(string(data), v.HTML); diff != "" {
				t.Errorf("%s (-golden +got):\n%s", golden, diff)
			}
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
