package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckReportsEveryProblemOfAFile gives tolk check a file with a bad
// date, a slug another article uses and an unknown tag: every problem is
// printed with its file and line (the bad date hid the other two).
func TestCheckReportsEveryProblemOfAFile(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"site.yaml":          "default_language: sv\nlanguages: [{tag: sv}, {tag: en}]\ntags: {a: {sv: A, en: A}}\n",
		"articles/ok/sv.md":  "---\ntitle: Bra\nslug: delad-slug\npublished: 2020-01-03\n---\n\nText.\n",
		"articles/bad/sv.md": "---\ntitle: Dålig\nslug: delad-slug\npublished: 2020-02-30\ntags: [okand]\n---\n\nText.\n",
	}
	for p, s := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, _, err := runTolk(t, "check", "--content", dir)
	if err == nil {
		t.Fatalf("check passed a broken tree:\n%s", out)
	}
	for _, want := range []struct{ what, sub string }{
		{"the bad date", "published"},
		{"the duplicate slug", "delad-slug"},
		{"the unknown tag", "okand"},
	} {
		found := false
		for _, line := range strings.Split(out, "\n") {
			if strings.Contains(line, filepath.Join("articles", "bad", "sv.md")+":") && strings.Contains(line, want.sub) {
				found = true
			}
		}
		if !found {
			t.Errorf("no located line about %s (%q):\n%s", want.what, want.sub, out)
		}
	}
}
