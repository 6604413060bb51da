package contenttest

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// Doc returns a version file with title and slug, published 2020-01-03,
// the front matter lines extra (each ending in a newline) and a one-line
// body.
func Doc(title, slug, extra string) string {
	return "---\ntitle: " + title + "\nslug: " + slug + "\npublished: 2020-01-03\n" + extra + "---\n\nThe text of " + title + ".\n"
}

// Translation returns the front matter lines of a translation from lang,
// up to date with a source updated 2020-01-03, for Doc's extra.
func Translation(lang string) string {
	return "translated_from: " + lang + "\nsource_updated: 2020-01-03\n"
}

// Generated returns a tree of n articles (with Site), each in Swedish,
// English and Simplified Chinese, with bodies of about 150 words.
func Generated(n int) map[string]string {
	sv := strings.Repeat("Kommunen arbetar med vänorter i Europa och Kina för skolan och kulturen. ", 12)
	en := strings.Repeat("The municipality works with twin towns in Europe and China for schools and culture. ", 10)
	zh := strings.Repeat("市政府与欧洲和中国的友好城市开展学校和文化合作。", 12)
	files := map[string]string{"site.yaml": Site}
	for i := range n {
		id := fmt.Sprintf("artikel-%d", i)
		files["articles/"+id+"/sv.md"] = Doc("Artikel "+id, id, "tags: [international]\n") + "\n" + sv + "\n"
		files["articles/"+id+"/en.md"] = Doc("Article "+id, id+"-en", Translation("sv")) + "\n" + en + "\n"
		files["articles/"+id+"/zh-Hans.md"] = Doc("文章 "+id, id+"-zh", Translation("en")) + "\n" + zh + "\n"
	}
	return files
}

// GeneratedTree writes Generated(n) (3n versions) into a new temporary
// directory of t, with every file and folder an hour old, as a checked-out
// tree is (older than a versions cache's racy window), and returns it.
func GeneratedTree(t testing.TB, n int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "content")
	WriteTree(t, dir, Generated(n))
	old := time.Now().Add(-time.Hour)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil {
			err = os.Chtimes(p, old, old)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}
