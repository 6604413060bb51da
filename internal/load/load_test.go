package load

import (
	"context"
	"errors"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/amal-kommun/tolk/content"
	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/contenttest"
	"github.com/google/go-cmp/cmp"
)

// file returns a MapFile holding s.
func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

func version(title, slug string, extra string) *fstest.MapFile {
	return file("---\ntitle: " + title + "\nslug: " + slug + "\npublished: 2020-01-03\n" + extra + "---\n\nText.\n")
}

// tree returns a content tree with contenttest.Site and the given files.
func tree(files map[string]*fstest.MapFile) fstest.MapFS {
	fsys := fstest.MapFS{"site.yaml": file(contenttest.Site)}
	for p, f := range files {
		fsys[p] = f
	}
	return fsys
}

func TestLoadEmbedded(t *testing.T) {
	lib, problems, err := Load(context.Background(), content.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("embedded corpus: %s", p)
	}
	if lib.Len() == 0 {
		t.Error("embedded corpus has no articles")
	}
	for _, v := range lib.All() {
		if v.HTML == "" || v.Text == "" {
			t.Errorf("%s: empty HTML or text", v.Path)
		}
	}
}

func TestLoadProblems(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]*fstest.MapFile
		want  []article.Problem
		ids   []string // articles in the Library
	}{
		{
			name: "valid tree with ignored files",
			files: map[string]*fstest.MapFile{
				"README.md":                 file("# Content"),
				"articles/README.md":        file("# Articles"),
				"articles/.DS_Store":        file("\x00"),
				"articles/a/sv.md":          version("Hej", "hej", ""),
				"articles/a/en.md":          version("Hello", "hello", "translated_from: sv\nsource_updated: 2020-01-03\n"),
				"articles/a/README.md":      file("notes"),
				"articles/a/.#sv.md":        file("emacs lock"),
				"articles/a/#sv.md#":        file("emacs autosave"),
				"articles/a/sv.md~":         file("backup"),
				"articles/a/.sv.md.swp":     file("vim"),
				"articles/a/.tmp-123456":    file("write API leftover"),
				"articles/a/bild.png":       file("\x89PNG"),
				"articles/a/notes/x.md":     file("deeper folders are not versions"),
				"articles/.git/config":      file("[core]"),
				"articles/.hidden/sv.md":    file("hidden article folder"),
				"articles/b/zh-Hans.md":     version("你好", "ni-hao", ""),
				"articles/b/.sv.md.tmp-999": file("leftover"),
			},
			ids: []string{"a", "b"},
		},
		{
			name: "duplicate slug across files",
			files: map[string]*fstest.MapFile{
				"articles/a/sv.md": version("A", "same", ""),
				"articles/b/sv.md": version("B", "same", ""),
			},
			want: []article.Problem{{Path: "articles/b/sv.md", Line: 3, Message: `slug "same" is already used by articles/a/sv.md`, Key: "slug"}},
			ids:  []string{"a", "b"},
		},
		{
			name: "alias clashes with another article's slug",
			files: map[string]*fstest.MapFile{
				"articles/a/sv.md": version("A", "a", ""),
				"articles/b/sv.md": version("B", "b", "aliases: [a]\n"),
			},
			want: []article.Problem{{Path: "articles/b/sv.md", Line: 5, Message: `slug "a" is already used by articles/a/sv.md`, Key: "aliases"}},
			ids:  []string{"a", "b"},
		},
		{
			name: "second original",
			files: map[string]*fstest.MapFile{
				"articles/a/sv.md": version("Hej", "hej", ""),
				"articles/a/en.md": version("Hello", "hello", ""),
			},
			want: []article.Problem{{Path: "articles/a/en.md", Line: 1, Message: `second original of article "a" (articles/a/sv.md is the original; add translated_from)`}},
			ids:  []string{"a"},
		},
		{
			name: "translation of a missing version",
			files: map[string]*fstest.MapFile{
				"articles/a/sv.md": version("Hej", "hej", ""),
				"articles/a/en.md": version("Hello", "hello", "translated_from: zh-Hans\nsource_updated: 2020-01-03\n"),
			},
			want: []article.Problem{{Path: "articles/a/en.md", Line: 5, Message: `translated_from "zh-Hans": article "a" has no zh-Hans version`, Key: "translated_from"}},
			ids:  []string{"a"},
		},
		{
			name: "unknown tag",
			files: map[string]*fstest.MapFile{
				"articles/a/sv.md": version("Hej", "hej", "tags: [international, sport]\n"),
			},
			want: []article.Problem{{Path: "articles/a/sv.md", Line: 5, Message: `unknown tag "sport" (add it to site.yaml)`, Key: "tags"}},
		},
		{
			name: "language not stored",
			files: map[string]*fstest.MapFile{
				"articles/a/sv.md":      version("Hej", "hej", ""),
				"articles/a/de.md":      version("Hallo", "hallo", "translated_from: sv\nsource_updated: 2020-01-03\n"),
				"articles/a/zh-Hant.md": version("你好", "ni-hao", "translated_from: sv\nsource_updated: 2020-01-03\n"),
			},
			want: []article.Problem{
				{Path: "articles/a/de.md", Line: 1, Message: `language "de" is not one of the site's languages [sv en zh-Hans]`},
				{Path: "articles/a/zh-Hant.md", Line: 1, Message: `language "zh-Hant" is derived from zh-Hans and never stored`},
			},
			ids: []string{"a"},
		},
		{
			name: "version files in the wrong place",
			files: map[string]*fstest.MapFile{
				"articles/sv.md":         version("Hej", "hej", ""),
				"articles/a/svenska.md":  version("Hej", "hej", ""),
				"articles/B/sv.md":       version("Hej", "hej", ""),
				"articles/a/sv.md":       version("Hej", "hej", ""),
				"articles/link/sv.md":    {Data: []byte("../../secret"), Mode: fs.ModeSymlink},
				"articles/../../etc.md":  version("X", "x", ""), // not a valid fs.FS path: never seen
				"articles/c/sv.md/en.md": version("Hi", "hi", ""),
			},
			want: []article.Problem{
				{Path: "articles/B/sv.md", Line: 1, Message: `folder name "B" is not a valid article id (lowercase letters a-z, digits and single hyphens, at most 120 bytes)`},
				{Path: "articles/a/svenska.md", Line: 1, Message: `file name: "svenska" is not a BCP 47 language tag (name a version file for its language, like sv.md)`},
				{Path: "articles/link/sv.md", Line: 1, Message: "symbolic link not followed: a version must be a regular file"},
				{Path: "articles/sv.md", Line: 1, Message: "a version file belongs in articles/<id>/<lang>.md"},
			},
			ids: []string{"a"},
		},
		{
			name: "site.yaml missing",
			files: map[string]*fstest.MapFile{
				"site.yaml":        nil,
				"articles/a/sv.md": version("Hej", "hej", "draft: maybe\n"),
			},
			want: []article.Problem{
				{Path: "articles/a/sv.md", Line: 5, Message: `draft must be true or false, not the str "maybe"`, Key: "draft"},
				{Path: "site.yaml", Line: 0, Message: "missing site.yaml: the content tree has no site configuration"},
			},
		},
		{
			name: "every problem at once",
			files: map[string]*fstest.MapFile{
				"site.yaml":              file(contenttest.Site + "colours: [red]\n"),
				"articles/a/sv.md":       version("Hej", "hej", "tags: [sport]\n"),
				"articles/a/en.md":       version("Hello", "hello", ""),
				"articles/b/sv.md":       version("B", "hej", ""),
				"articles/c/sv.md":       file("no front matter"),
				"articles/d/sv.md":       file(""),
				"articles/e/sv.md":       version("E", "Bad Slug", "tilte: x\n"),
				"articles/f/en.md":       version("F", "f", "translated_from: sv\nsource_updated: 2020-01-03\n"),
				"articles/g/zh-Hans.md":  version("G", "g", "published: 2021-01-01\n"),
				"articles/h/sv.md":       file("---\ntitle: H\n"),
				"articles/i/sv.md":       file("---\ntitle: I\nslug: i\npublished: 2020-02-30\n---\n"),
				"articles/j/sv.md":       file("\uFEFF---\r\ntitle: J\r\nslug: j\r\npublished: 2020-01-03\r\n---\r\nOK\r\n"),
				"articles/k/sv.md/other": file("a folder named like a version"),
			},
			want: []article.Problem{
				{Path: "articles/a/en.md", Line: 1, Message: `second original of article "a" (articles/a/sv.md is the original; add translated_from)`},
				{Path: "articles/a/sv.md", Line: 5, Message: `unknown tag "sport" (add it to site.yaml)`, Key: "tags"},
				{Path: "articles/b/sv.md", Line: 3, Message: `slug "hej" is already used by articles/a/sv.md`, Key: "slug"},
				{Path: "articles/c/sv.md", Line: 1, Message: "missing front matter: the file must start with a --- line"},
				{Path: "articles/d/sv.md", Line: 1, Message: "empty file: a version needs front matter between --- lines and a body"},
				{Path: "articles/e/sv.md", Line: 3, Message: `slug "Bad Slug" is not valid: use lowercase letters a-z, digits and single hyphens, like my-first-article`, Key: "slug"},
				{Path: "articles/e/sv.md", Line: 5, Message: `unknown key "tilte" in front matter (did you mean "title"?)`, Key: "tilte"},
				{Path: "articles/f/en.md", Line: 5, Message: `article "f" has no original (one version must have no translated_from)`, Key: "translated_from"},
				{Path: "articles/g/zh-Hans.md", Line: 5, Message: `duplicate key "published" (first on line 4)`, Key: "published"},
				{Path: "articles/h/sv.md", Line: 1, Message: "front matter is not closed: end it with a --- line"},
				{Path: "articles/i/sv.md", Line: 4, Message: `published: bad date "2020-02-30": want a date like 2020-01-03 or an RFC 3339 date-time`, Key: "published"},
				{Path: "site.yaml", Line: 20, Message: `unknown key "colours" in site.yaml (known keys: default_language, languages, derived, fallback, site_url, site_name, publisher, tags)`},
			},
			// a goes: its original has an unknown tag, and a version
			// with a problem is still checked against the others, so
			// en's second original and b's slug clash are reported too;
			// b's original is kept whole; j loads despite BOM and CRLF.
			ids: []string{"b", "j"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := tree(tt.files)
			for p, f := range tt.files {
				if f == nil {
					delete(fsys, p)
				}
			}
			lib, problems, err := Load(context.Background(), fsys)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.ids, lib.IDs()); diff != "" {
				t.Errorf("article ids (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadOutdated(t *testing.T) {
	lib, problems, err := Load(context.Background(), tree(map[string]*fstest.MapFile{
		"articles/a/sv.md":      version("Hej", "hej", "updated: 2021-06-01\n"),
		"articles/a/en.md":      version("Hello", "hello", "translated_from: sv\nsource_updated: 2021-01-01\n"),
		"articles/a/zh-Hans.md": version("你好", "ni-hao", "translated_from: en\nsource_updated: 2020-01-03\n"),
		"articles/b/sv.md":      version("Hej B", "hej-b", ""),
		"articles/b/en.md":      version("Hello B", "hello-b", "translated_from: sv\nsource_updated: 2020-01-03\n"),
	}))
	if err != nil || len(problems) > 0 {
		t.Fatalf("Load: %v %q", err, problems)
	}
	got := map[string]bool{}
	for _, v := range lib.All() {
		got[v.Path] = v.Outdated
	}
	want := map[string]bool{
		"articles/a/sv.md": false, "articles/a/en.md": true, "articles/a/zh-Hans.md": true,
		"articles/b/sv.md": false, "articles/b/en.md": false,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outdated (-want +got):\n%s", diff)
	}
}

// TestLoadEveryProblemOfAFile checks that a file's problems across files
// (its slug used twice, an unknown tag) are reported together with its own
// (a bad date), not hidden behind them.
func TestLoadEveryProblemOfAFile(t *testing.T) {
	fsys := tree(map[string]*fstest.MapFile{
		"articles/a/sv.md": version("A", "hej", ""),
		"articles/b/sv.md": file("---\ntitle: B\nslug: hej\ntags: [sport]\npublished: 2020-13-01\n---\n\nText.\n"),
		"articles/c/sv.md": file("---\ntitle: C\nslug: c\naliases: [hej]\npublished: 2020-01-03\nupdated: 2019-01-01\n---\n\nText.\n"),
		// A translation whose translated_from cannot be read is not
		// taken for a second original.
		"articles/a/en.md": file("---\ntitle: A\nslug: a-en\npublished: 2020-01-03\ntranslated_from: [sv]\nsource_updated: 2020-01-03\n---\n\nText.\n"),
	})
	lib, problems, err := Load(context.Background(), fsys)
	if err != nil {
		t.Fatal(err)
	}
	want := []article.Problem{
		{Path: "articles/a/en.md", Line: 5, Message: `translated_from must be text, not a list`, Key: "translated_from"},
		{Path: "articles/b/sv.md", Line: 3, Message: `slug "hej" is already used by articles/a/sv.md`, Key: "slug"},
		{Path: "articles/b/sv.md", Line: 4, Message: `unknown tag "sport" (add it to site.yaml)`, Key: "tags"},
		{Path: "articles/b/sv.md", Line: 5, Message: `published: bad date "2020-13-01": want a date like 2020-01-03 or an RFC 3339 date-time`, Key: "published"},
		{Path: "articles/c/sv.md", Line: 4, Message: `slug "hej" is already used by articles/a/sv.md`, Key: "aliases"},
		{Path: "articles/c/sv.md", Line: 6, Message: `updated 2019-01-01 is before published 2020-01-03`, Key: "updated"},
	}
	if diff := cmp.Diff(want, problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a"}, lib.IDs()); diff != "" {
		t.Errorf("articles (-want +got):\n%s", diff)
	}
}

func TestLoadDeterministic(t *testing.T) {
	fsys := generateTree(40)
	fsys["articles/a0/sv.md"] = file("broken")
	fsys["articles/a1/en.md"] = version("X", "x", "tags: [nope]\ntranslated_from: sv\nsource_updated: 2020-01-03\n")
	_, first, err := Load(context.Background(), fsys)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		_, again, err := Load(context.Background(), fsys)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(first, again); diff != "" {
			t.Fatalf("problems differ between loads (-first +again):\n%s", diff)
		}
	}
}

// failingFS fails to open one file; it hides MapFS's ReadFile and
// ReadDir so that every read goes through Open.
type failingFS struct {
	fsys fstest.MapFS
	fail string
}

var errDisk = errors.New("disk on fire")

func (f failingFS) Open(name string) (fs.File, error) {
	if name == f.fail {
		return nil, errDisk
	}
	return f.fsys.Open(name)
}

func TestLoadErrors(t *testing.T) {
	fsys := tree(map[string]*fstest.MapFile{"articles/a/sv.md": version("Hej", "hej", "")})
	t.Run("canceled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, _, err := Load(ctx, fsys); !errors.Is(err, context.Canceled) {
			t.Errorf("Load = %v, want context.Canceled", err)
		}
	})
	for _, name := range []string{"site.yaml", "articles/a/sv.md", "articles/a"} {
		t.Run("unreadable "+name, func(t *testing.T) {
			lib, _, err := Load(context.Background(), failingFS{fsys, name})
			if !errors.Is(err, errDisk) || lib != nil {
				t.Errorf("Load = %v, %v; want nil and an error wrapping %v", lib, err, errDisk)
			}
		})
	}
	t.Run("no articles folder", func(t *testing.T) {
		lib, problems, err := Load(context.Background(), fstest.MapFS{"site.yaml": file(contenttest.Site)})
		if err != nil || len(problems) > 0 || lib.Len() != 0 {
			t.Errorf("Load = %v, %q, %v; want an empty Library", lib, problems, err)
		}
	})
}
