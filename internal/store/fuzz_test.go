package store_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amal-kommun/tolk/internal/store"
)

// FuzzPutNames puts a valid file under any article id and language, as
// they come from a URL, and checks that the Store either refuses them or
// writes exactly articles/<id>/<lang>.md inside the content directory,
// never anywhere else.
func FuzzPutNames(f *testing.F) {
	for _, seed := range [][2]string{
		{"ny", "sv"}, {"ny", "zh-Hans"}, {"../x", "sv"}, {"ny", "../../x"}, {"ny", "sv/../en"},
		{".", "sv"}, {"ny", ".tolk-tmp-1"}, {"ny", "sv.md"}, {"a/b", "sv"}, {"ny", ""}, {"", "sv"},
		{"ny", "zh-hans"}, {"ny", "x-private"}, {"NY", "sv"}, {"ny", "sv\x00"},
	} {
		f.Add(seed[0], seed[1])
	}
	fx := newFixture(f, baseTree())
	root := filepath.Dir(fx.dir)
	f.Fuzz(func(t *testing.T, id, lang string) {
		before := listFiles(t, root)
		_, err := fx.s.PutBytes(context.Background(), id, lang, []byte(doc("Ny", "ny-fuzz", "")))
		after := listFiles(t, root)
		var ve *store.ValidationError
		switch {
		case errors.As(err, &ve):
			if len(after) != len(before) {
				t.Fatalf("refused Put(%q, %q) changed the files: %v", id, lang, after)
			}
			return
		case err != nil:
			t.Fatalf("Put(%q, %q) = %v, want success or a ValidationError", id, lang, err)
		}
		want := filepath.Join(fx.dir, "articles", id, lang+".md")
		if !after[want] {
			t.Fatalf("Put(%q, %q) did not write %s", id, lang, want)
		}
		for p := range after {
			if !before[p] && p != want {
				t.Fatalf("Put(%q, %q) wrote %s", id, lang, p)
			}
		}
		if err := fx.s.Delete(context.Background(), id, lang); err != nil {
			t.Fatalf("Delete(%q, %q) = %v", id, lang, err)
		}
	})
}

// listFiles returns the regular files under root.
func listFiles(t *testing.T, root string) map[string]bool {
	out := make(map[string]bool)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.Contains(p, string(filepath.Separator)+".") {
			out[p] = true
		}
		return err
	})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return out
}
