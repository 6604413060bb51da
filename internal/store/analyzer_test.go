package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amal-kommun/tolk/index"
)

// TestSiteAnalyzerReachesIndex checks that an analyzer named in site.yaml
// decides how the store's index analyzes a language: with Finnish's
// stemmer talo finds talossa; with plain words it does not.
func TestSiteAnalyzerReachesIndex(t *testing.T) {
	tree := filepath.Join("..", "load", "testdata", "sites", "fi")
	for _, tt := range []struct {
		name     string
		analyzer string
		want     bool
	}{
		{"default", "", true},
		{"unicode", "unicode", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{}
			err := filepath.WalkDir(tree, func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				data, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				rel, _ := filepath.Rel(tree, p)
				files[filepath.ToSlash(rel)] = string(data)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if tt.analyzer != "" {
				site := files["site.yaml"]
				site = strings.Replace(site, "  - tag: fi\n", "  - tag: fi\n    analyzer: "+tt.analyzer+"\n", 1)
				if site == files["site.yaml"] {
					t.Fatal("site.yaml has no fi entry to change")
				}
				files["site.yaml"] = site
			}
			eachBackend(t, files, func(t *testing.T, f *fixture) {
				if ps := f.s.Problems(); len(ps) > 0 {
					t.Fatalf("problems: %v", ps)
				}
				res, err := f.s.Index().Search(context.Background(), index.Request{Query: "talo", Langs: []string{"fi"}, PerPage: 10})
				if err != nil {
					t.Fatal(err)
				}
				if got := res.Total > 0; got != tt.want {
					t.Errorf("talo found %d articles with analyzer %q; want found = %v", res.Total, tt.analyzer, tt.want)
				}
			})
		})
	}
}
