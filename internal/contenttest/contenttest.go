package contenttest

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/amal-kommun/tolk/content"
)

// Site is a site.yaml of the embedded corpus's shape (sv, en and zh-Hans
// stored, zh-Hant derived, the same fallback chains) with an example.se
// site_url, a site name, a publisher and two tags: international, labelled
// in every stored language, and culture, labelled in sv only.
const Site = `default_language: sv
languages:
  - tag: sv
  - tag: en
  - tag: zh-Hans
derived:
  - tag: zh-Hant
    from: zh-Hans
fallback:
  zh-Hant: [zh-Hans, en, sv]
  zh-Hans: [en, sv]
  en: [sv]
  sv: [en]
site_url: "https://www.example.se/{lang}/{slug}"
site_name: {sv: Åmåls kommun, en: Åmål Municipality, zh-Hans: 奥莫尔市}
publisher: Åmåls kommun
tags:
  international: {sv: Internationellt, en: International, zh-Hans: 国际合作}
  culture: {sv: Kultur}
`

// Corpus returns a new temporary directory of t holding a copy of the
// embedded corpus (content.FS), for tests that write to it.
func Corpus(t testing.TB) string {
	t.Helper()
	return CopyTree(t, content.FS)
}

// CopyTree copies every folder and file of fsys into a new temporary
// directory of t and returns the directory. Files are written 0644 and
// folders 0755, whatever fsys reports; t fails on any error.
func CopyTree(t testing.TB, fsys fs.FS) string {
	t.Helper()
	dir := t.TempDir()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatalf("copy content tree: %v", err)
	}
	return dir
}

// WriteTree writes files (slash-separated paths relative to dir → their
// contents) under dir, creating the folders they need and replacing files
// that exist; t fails on any error.
func WriteTree(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for p, data := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
