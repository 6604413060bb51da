package load

import (
	"slices"
	"strings"
	"testing"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// want is an expected problem: its line and a part of its message.
type want struct {
	Line int
	Msg  string
}

// checkProblems fails t unless got are exactly the problems in wants, all
// in path, compared by line (in order of lines) and message substring.
func checkProblems(t *testing.T, path string, got []article.Problem, wants []want) {
	t.Helper()
	got = slices.Clone(got)
	slices.SortStableFunc(got, func(a, b article.Problem) int { return a.Line - b.Line })
	wants = slices.Clone(wants)
	slices.SortStableFunc(wants, func(a, b want) int { return a.Line - b.Line })
	var gotLines, wantLines []int
	for _, p := range got {
		gotLines = append(gotLines, p.Line)
		if p.Path != path {
			t.Errorf("problem %q: path %q, want %q", p, p.Path, path)
		}
	}
	for _, w := range wants {
		wantLines = append(wantLines, w.Line)
	}
	if diff := cmp.Diff(wantLines, gotLines); diff != "" {
		t.Fatalf("problem lines (-want +got):\n%s\nproblems: %q", diff, got)
	}
	for i, w := range wants {
		if !strings.Contains(got[i].Message, w.Msg) {
			t.Errorf("problem %d = %q, want it to contain %q", i, got[i], w.Msg)
		}
	}
}

func mustDate(t testing.TB, s string) article.Date {
	t.Helper()
	d, err := article.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

const svPath = "articles/a/sv.md"

// TestParseVersionProblemKeyLines checks the key and line of problems,
// from which the write API and tolk check locate them: each problem once,
// about the key it concerns.
func TestParseVersionProblemKeyLines(t *testing.T) {
	type kl struct {
		Key  string
		Line int
	}
	tests := []struct {
		name, path, in string
		want           []kl
	}{
		{"missing source_updated", "articles/a/en.md", "---\ntitle: T\nslug: t\npublished: 2020-01-03\ntranslated_from: sv\n---\n", []kl{{"source_updated", 5}}},
		{"updated before published", svPath, "---\ntitle: T\nslug: t\npublished: 2020-01-03\nupdated: 2019-12-31\n---\n", []kl{{"updated", 5}}},
		{"updated equal to published", svPath, "---\ntitle: T\nslug: t\npublished: 2020-01-03\nupdated: 2020-01-03\n---\n", nil},
		{"wrong types, each once", svPath, "---\ntitle: [a]\nslug: {a: 1}\nsummary: [b]\ntags: 5\npublished: [1]\ndraft: yes\naliases: x\nauthor: [c]\n---\n", []kl{
			{"title", 2}, {"slug", 3}, {"summary", 4}, {"tags", 5}, {"published", 6}, {"draft", 7}, {"aliases", 8}, {"author", 9}}},
		{"duplicate key", svPath, "---\ntitle: T\nslug: t\npublished: 2020-01-03\ntitle: U\n---\n", []kl{{"title", 5}}},
	}
	r := NewRenderer()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, problems := ParseVersion(tt.path, []byte(tt.in), r)
			var got []kl
			for _, p := range problems {
				got = append(got, kl{p.Key, p.Line})
			}
			slices.SortFunc(got, func(a, b kl) int { return a.Line - b.Line })
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems %q (-want +got):\n%s", problems, diff)
			}
		})
	}
}

func TestParseVersionProblems(t *testing.T) {
	long := func(n int) string { return strings.Repeat("å", n) }
	tests := []struct {
		name string
		path string // svPath when empty
		in   string
		want []want
	}{
		{"empty file", "", "", []want{{1, "empty file"}}},
		{"only white space", "", " \n\n\t\n", []want{{1, "empty file"}}},
		{"only a BOM", "", "\uFEFF", []want{{1, "empty file"}}},
		{"no front matter", "", "# Title\n\nText.\n", []want{{1, "missing front matter"}}},
		{"front matter not on line 1", "", "\n---\ntitle: T\nslug: t\npublished: 2020-01-03\n---\n", []want{{1, "missing front matter"}}},
		{"unterminated front matter", "", "---\ntitle: T\nslug: t\npublished: 2020-01-03\n\nText.\n", []want{{1, "not closed"}}},
		{"only an opening line", "", "---\n", []want{{1, "not closed"}}},
		{"empty front matter", "", "---\n---\nText.\n", []want{{1, `missing required key "title"`}, {1, `"slug"`}, {1, `"published"`}}},
		{"missing title", "", "---\nslug: t\npublished: 2020-01-03\n---\n", []want{{1, `missing required key "title"`}}},
		{"missing slug and published", "", "---\ntitle: T\n---\n", []want{{1, `"slug"`}, {1, `"published"`}}},
		{"unknown key with suggestion", "", "---\ntitle: T\nslug: t\npublished: 2020-01-03\ntag: [international]\n---\n", []want{{5, `unknown key "tag" in front matter (did you mean "tags"?)`}}},
		{"misspelt key", "", "---\ntitel: T\nslug: t\npublished: 2020-01-03\n---\n", []want{{1, `missing required key "title"`}, {2, `did you mean "title"`}}},
		{"key in wrong case", "", "---\ntitle: T\nslug: t\nPublished: 2020-01-03\n---\n", []want{{1, `"published"`}, {4, `did you mean "published"`}}},
		{"hyphen for underscore", "", "---\ntitle: T\nslug: t\npublished: 2020-01-03\ntranslated-from: sv\nsource_updated: 2020-01-03\n---\n", []want{{5, `did you mean "translated_from"`}, {6, "only for translations"}}},
		{"unknown key without suggestion", "", "---\ntitle: T\nslug: t\npublished: 2020-01-03\ncolour: red\n---\n", []want{{5, `unknown key "colour" in front matter (known keys: title, slug`}}},
		{"duplicate key", "", "---\ntitle: T\nslug: t\npublished: 2020-01-03\nslug: u\n---\n", []want{{5, `duplicate key "slug" (first on line 3)`}}},
		{"title empty", "", "---\ntitle: \"  \"\nslug: t\npublished: 2020-01-03\n---\n", []want{{2, "title must not be empty"}}},
		{"title null", "", "---\ntitle:\nslug: t\npublished: 2020-01-03\n---\n", []want{{2, "title must not be empty"}}},
		{"title too long", "", "---\ntitle: " + long(201) + "\nslug: t\npublished: 2020-01-03\n---\n", []want{{2, "title is 201 characters long; at most 200"}}},
		{"author too long", "", "---\ntitle: T\nslug: t\npublished: 2020-01-03\nauthor: " + long(201) + "\n---\n", []want{{5, "author is 201 characters long; at most 200"}}},
		{"author with a line break", "", "---\ntitle: T\nslug: t\npublished: 2020-01-03\nauthor: \"a\\nb\"\n---\n", []want{{5, "one line of plain text"}}},
		{"author a list", "", "---\ntitle: T\nslug: t\npublished: 2020-01-03\nauthor: [a, b]\n---\n", []want{{5, "author must be text"}}},
		{"title with a line break", "", "---\ntitle: \"a\\nb\"\nslug: t\npublished: 2020-01-03\n---\n", []want{{2, "one line of plain text"}}},
		{"title block scalar", "", "---\ntitle: |\n  a\n  b\nslug: t\npublished: 2020-01-03\n---\n", []want{{2, "one line"}}},
		{"title a list", "", "---\ntitle: [a]\nslug: t\npublished: 2020-01-03\n---\n", []want{{2, "title must be text, not a list"}}},
		{"summary too long", "", "---\ntitle: T\nslug: t\nsummary: " + long(501) + "\npublished: 2020-01-03\n---\n", []want{{4, "summary is 501 characters long; at most 500"}}},
		{"bad slug", "", "---\ntitle: T\nslug: Hello World\npublished: 2020-01-03\n---\n", []want{{3, `slug "Hello World" is not valid`}}},
		{"slug with double hyphen", "", "---\ntitle: T\nslug: a--b\npublished: 2020-01-03\n---\n", []want{{3, `slug "a--b" is not valid`}}},
		{"slug too long", "", "---\ntitle: T\nslug: " + strings.Repeat("a", 121) + "\npublished: 2020-01-03\n---\n", []want{{3, "121 bytes long; at most 120"}}},
		{"slug a mapping", "", "---\ntitle: T\nslug: {a: b}\npublished: 2020-01-03\n---\n", []want{{3, "slug must be text, not a mapping"}}},
		{"bad tag", "", "---\ntitle: T\nslug: t\ntags: [ok, Bad_Tag]\npublished: 2020-01-03\n---\n", []want{{4, `tags: "Bad_Tag" is not valid`}}},
		{"bad tag in block list", "", "---\ntitle: T\nslug: t\ntags:\n  - ok\n  - Not ok\npublished: 2020-01-03\n---\n", []want{{6, `tags: "Not ok" is not valid`}}},
		{"tag listed twice", "", "---\ntitle: T\nslug: t\ntags: [a, a]\npublished: 2020-01-03\n---\n", []want{{4, `"a" is listed twice`}}},
		{"tags not a list", "", "---\ntitle: T\nslug: t\ntags: international\npublished: 2020-01-03\n---\n", []want{{4, "tags must be a list, like tags: [a, b], not the str \"international\""}}},
		{"tags a list of lists", "", "---\ntitle: T\nslug: t\ntags: [[a]]\npublished: 2020-01-03\n---\n", []want{{4, "tags must be a list of words, not of a list"}}},
		{"bad alias", "", "---\ntitle: T\nslug: t\npublished: 2020-01-03\naliases: [old_slug]\n---\n", []want{{5, `aliases: "old_slug" is not valid`}}},
		{"alias listed twice", "", "---\ntitle: T\nslug: t\npublished: 2020-01-03\naliases: [old, old]\n---\n", []want{{5, `aliases: "old" is listed twice`}}},
		{"bad published", "", "---\ntitle: T\nslug: t\npublished: 2020-13-01\n---\n", []want{{4, `published: bad date "2020-13-01"`}}},
		{"published without zone", "", "---\ntitle: T\nslug: t\npublished: 2020-01-03T10:00:00\n---\n", []want{{4, "published: bad date"}}},
		{"published empty", "", "---\ntitle: T\nslug: t\npublished:\n---\n", []want{{4, "published must not be empty"}}},
		{"published a number", "", "---\ntitle: T\nslug: t\npublished: 2020\n---\n", []want{{4, `bad date "2020"`}}},
		{"bad updated", "", "---\ntitle: T\nslug: t\npublished: 2020-01-03\nupdated: yesterday\n---\n", []want{{5, `updated: bad date "yesterday"`}}},
		{"bad source_updated", "", "---\ntitle: T\nslug: t\npublished: 2020-01-03\ntranslated_from: sv\nsource_updated: 3 jan 2020\n---\n", []want{{6, "source_updated: bad date"}}},
		{"draft not a bool", "", "---\ntitle: T\nslug: t\npublished: 2020-01-03\ndraft: yes\n---\n", []want{{5, `draft must be true or false, not the str "yes"`}}},
		{"draft quoted", "", "---\ntitle: T\nslug: t\npublished: 2020-01-03\ndraft: \"true\"\n---\n", []want{{5, "draft must be true or false"}}},
		{"translated_from without source_updated", "articles/a/en.md", "---\ntitle: T\nslug: t\npublished: 2020-01-03\ntranslated_from: sv\n---\n", []want{{5, "a translation needs source_updated"}}},
		{"source_updated without translated_from", "", "---\ntitle: T\nslug: t\npublished: 2020-01-03\nsource_updated: 2020-01-03\n---\n", []want{{5, "source_updated is only for translations"}}},
		{"translated_from not a language", "articles/a/en.md", "---\ntitle: T\nslug: t\npublished: 2020-01-03\ntranslated_from: swedish\nsource_updated: 2020-01-03\n---\n", []want{{5, `"swedish" is not a BCP 47 language tag`}}},
		{"invalid UTF-8", "", "---\ntitle: T\nslug: t\xff\npublished: 2020-01-03\n---\n", []want{{3, "invalid UTF-8"}}},
		{"invalid UTF-8 in body", "", "---\ntitle: T\nslug: t\npublished: 2020-01-03\n---\n\nText \xc3(\n", []want{{7, "invalid UTF-8"}}},
		{"invalid YAML", "", "---\ntitle: T\nslug: [t\npublished: 2020-01-03\n---\n", []want{{3, "invalid YAML"}}},
		{"YAML list item in a mapping", "", "---\ntitle: T\n- slug\n---\n", []want{{3, "invalid YAML: did not find expected key"}}},
		{"YAML mapping value in a plain scalar", "", "---\ntitle: T: U\nslug: t\npublished: 2020-01-03\n---\n", []want{{2, "invalid YAML: mapping values are not allowed"}}},
		{"YAML alias of no anchor", "", "---\ntitle: T\nslug: t\nsummary: *nope\npublished: 2020-01-03\n---\n", []want{{4, "invalid YAML: unknown anchor 'nope' referenced"}}},
		{"YAML key without its colon", "", "---\ntitle: T\nsummary: S\nslug t\npublished: 2020-01-03\n---\n", []want{{4, "invalid YAML: could not find expected ':'"}}},
		{"YAML unclosed quote", "", "---\ntitle: T\nslug: t\nsummary: \"S\n\npublished: 2020-01-03\n---\n", []want{{4, "invalid YAML: found unexpected end of stream"}}},
		{"YAML tab indentation", "", "---\ntitle: T\nslug: t\npublished: 2020-01-03\ntags:\n\t- a\n---\n", []want{{6, "invalid YAML"}}},
		{"front matter a list", "", "---\n- title\n- slug\n---\n", []want{{2, "front matter must be a mapping"}}},
		{"front matter a string", "", "---\nhello\n---\n", []want{{2, "front matter must be a mapping"}}},
		{"bad article id", "articles/Bad_Id/sv.md", "---\ntitle: T\nslug: t\npublished: 2020-01-03\n---\n", []want{{1, `folder name "Bad_Id" is not a valid article id`}}},
		{"file name not a language", "articles/a/svenska.md", "---\ntitle: T\nslug: t\npublished: 2020-01-03\n---\n", []want{{1, `"svenska" is not a BCP 47 language tag`}}},
		{"README is not a language", "articles/a/README.md", "---\ntitle: T\nslug: t\npublished: 2020-01-03\n---\n", []want{{1, "is not a BCP 47 language tag"}}},
		{"language in wrong case", "articles/a/zh-hans.md", "---\ntitle: T\nslug: t\npublished: 2020-01-03\n---\n", []want{{1, `write the language tag "zh-hans" as "zh-Hans"`}}},
		{"updated before published", "", "---\ntitle: T\nslug: t\npublished: 2020-01-03\nupdated: 2020-01-02\n---\n", []want{{5, "updated 2020-01-02 is before published 2020-01-03"}}},
		{"updated before published, date-times", "", "---\ntitle: T\nslug: t\npublished: 2020-01-03T10:00:00+01:00\nupdated: 2020-01-03T08:59:59Z\n---\n", []want{{5, "is before published"}}},
		{"every problem at once", "", "---\ntitel: T\nslug: Bad Slug\ntags: x\npublished: someday\ndraft: 1\nslug: again\n---\n", []want{
			{1, `missing required key "title"`},
			{2, `did you mean "title"`},
			{3, "slug \"Bad Slug\" is not valid"},
			{4, "tags must be a list"},
			{5, "published: bad date"},
			{6, "draft must be true or false"},
			{7, "duplicate key"},
		}},
	}
	r := NewRenderer()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := cmpOr(tt.path, svPath)
			v, problems := ParseVersion(p, []byte(tt.in), r)
			if v != nil {
				t.Errorf("ParseVersion returned a Version with problems: %+v", v)
			}
			checkProblems(t, p, problems, tt.want)
		})
	}
}

// versionOpts compares Versions by content, not by rendering.
var versionOpts = cmpopts.IgnoreFields(article.Version{}, "HTML", "Text")

func TestParseVersion(t *testing.T) {
	tests := []struct {
		name string
		path string
		in   string
		want *article.Version
	}{
		{
			name: "minimal",
			in:   "---\ntitle: Hej\nslug: hej\npublished: 2020-01-03\n---\n\nText.\n",
			want: &article.Version{ID: "a", Lang: "sv", Path: svPath, Title: "Hej", Slug: "hej",
				Published: mustDate(t, "2020-01-03"), Updated: mustDate(t, "2020-01-03"), Body: "Text.\n",
				Lines: lines(map[string]int{"title": 2, "slug": 3, "published": 4})},
		},
		{
			name: "BOM",
			in:   "\uFEFF---\ntitle: Hej\nslug: hej\npublished: 2020-01-03\n---\n\nText.\n",
			want: &article.Version{ID: "a", Lang: "sv", Path: svPath, Title: "Hej", Slug: "hej",
				Published: mustDate(t, "2020-01-03"), Updated: mustDate(t, "2020-01-03"), Body: "Text.\n",
				Lines: lines(map[string]int{"title": 2, "slug": 3, "published": 4})},
		},
		{
			name: "CRLF",
			in:   "---\r\ntitle: Hej\r\nslug: hej\r\npublished: 2020-01-03\r\n---\r\n\r\nText\r\nmore.\r\n",
			want: &article.Version{ID: "a", Lang: "sv", Path: svPath, Title: "Hej", Slug: "hej",
				Published: mustDate(t, "2020-01-03"), Updated: mustDate(t, "2020-01-03"), Body: "Text\nmore.\n",
				Lines: lines(map[string]int{"title": 2, "slug": 3, "published": 4})},
		},
		{
			name: "--- in the body is body",
			in:   "---\ntitle: Hej\nslug: hej\npublished: 2020-01-03\n---\nIntro\n---\n\n---\ntitle: not front matter\n---\n",
			want: &article.Version{ID: "a", Lang: "sv", Path: svPath, Title: "Hej", Slug: "hej",
				Published: mustDate(t, "2020-01-03"), Updated: mustDate(t, "2020-01-03"),
				Body:  "Intro\n---\n\n---\ntitle: not front matter\n---\n",
				Lines: lines(map[string]int{"title": 2, "slug": 3, "published": 4})},
		},
		{
			name: "no body, no final newline",
			in:   "---\ntitle: Hej\nslug: hej\npublished: 2020-01-03\n---",
			want: &article.Version{ID: "a", Lang: "sv", Path: svPath, Title: "Hej", Slug: "hej",
				Published: mustDate(t, "2020-01-03"), Updated: mustDate(t, "2020-01-03"),
				Lines: lines(map[string]int{"title": 2, "slug": 3, "published": 4})},
		},
		{
			name: "every key, hand-written YAML",
			path: "articles/a/zh-Hans.md",
			in: "---   \n# a comment\ndraft: false\ntitle: '  为什么 '\nslug: \"wei-shen-me\"\nsummary: >-\n  A summary\n  on two lines.\n" +
				"tags:\n  - international\n  - \"2020\"\npublished: 2020-01-03\nupdated: 2021-02-03T10:00:00+01:00\n" +
				"translated_from: en\nsource_updated: 2021-02-01\naliases: [old-one, old-two]\nauthor: \"  Li Wei \"\n---\n\n\n  \nBody\n\n\n",
			want: &article.Version{ID: "a", Lang: "zh-Hans", Path: "articles/a/zh-Hans.md", Title: "为什么", Slug: "wei-shen-me",
				Summary: "A summary on two lines.", Tags: []string{"international", "2020"},
				Published: mustDate(t, "2020-01-03"), Updated: mustDate(t, "2021-02-03T10:00:00+01:00"),
				TranslatedFrom: "en", SourceUpdated: mustDate(t, "2021-02-01"), Aliases: []string{"old-one", "old-two"},
				Author: "Li Wei", Body: "Body\n",
				Lines: lines(map[string]int{"draft": 3, "title": 4, "slug": 5, "summary": 6, "tags": 9, "published": 12,
					"updated": 13, "translated_from": 14, "source_updated": 15, "aliases": 16, "author": 17})},
		},
		{
			name: "a number as title, empty lists, draft",
			in:   "---\ntitle: 2020\nslug: t\ntags: []\npublished: 2020-01-03\ndraft: true\naliases:\n---\n",
			want: &article.Version{ID: "a", Lang: "sv", Path: svPath, Title: "2020", Slug: "t",
				Published: mustDate(t, "2020-01-03"), Updated: mustDate(t, "2020-01-03"), Draft: true,
				Lines: lines(map[string]int{"title": 2, "slug": 3, "tags": 4, "published": 5, "draft": 6, "aliases": 7})},
		},
		{
			name: "YAML anchors",
			in:   "---\ntitle: &t Hej\nslug: hej\nsummary: *t\npublished: &d 2020-01-03\nupdated: *d\n---\n",
			want: &article.Version{ID: "a", Lang: "sv", Path: svPath, Title: "Hej", Slug: "hej", Summary: "Hej",
				Published: mustDate(t, "2020-01-03"), Updated: mustDate(t, "2020-01-03"),
				Lines: lines(map[string]int{"title": 2, "slug": 3, "summary": 4, "published": 5, "updated": 6})},
		},
	}
	r := NewRenderer()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := cmpOr(tt.path, svPath)
			v, problems := ParseVersion(p, []byte(tt.in), r)
			if len(problems) > 0 {
				t.Fatalf("problems: %q", problems)
			}
			if diff := cmp.Diff(tt.want, v, versionOpts); diff != "" {
				t.Errorf("ParseVersion (-want +got):\n%s", diff)
			}
			html, text, err := r.Render([]byte(v.Body))
			if err != nil || v.HTML != html || v.Text != text {
				t.Errorf("HTML and Text are not the rendering of Body: %q, %q, %v", v.HTML, v.Text, err)
			}
		})
	}
}

func cmpOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// TestParseVersionProblemKeys checks the front-matter key each problem is
// about, which the write API turns into a JSON pointer.
func TestParseVersionProblemKeys(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"file as a whole", "no front matter", []string{""}},
		{"missing keys", "---\nsummary: S\n---\n", []string{"title", "slug", "published"}},
		{"bad values", "---\ntitle: \"\"\nslug: A\ntags: [B]\npublished: x\nupdated: y\ndraft: 1\naliases: x\nauthor: {a: b}\n---\n",
			[]string{"title", "slug", "tags", "published", "updated", "draft", "aliases", "author"}},
		{"translation keys", "---\ntitle: T\nslug: t\npublished: 2020-01-03\ntranslated_from: xx-\n---\n", []string{"translated_from", "source_updated"}},
		{"unknown and duplicate keys", "---\ntitle: T\ntitle: U\nslug: t\npublished: 2020-01-03\nauthors: me\n---\n", []string{"title", "authors"}},
		{"invalid YAML", "---\ntitle: [\n---\n", []string{""}},
		{"invalid UTF-8 in front matter", "---\ntitle: \xff\n---\n", []string{""}},
		{"invalid UTF-8 in body", "---\ntitle: T\nslug: t\npublished: 2020-01-03\n---\n\n\xff\n", []string{"body"}},
	}
	r := NewRenderer()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, problems := ParseVersion(svPath, []byte(tt.in), r)
			var got []string
			for _, p := range problems {
				got = append(got, p.Key)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("keys (-want +got):\n%s\nproblems: %q", diff, problems)
			}
		})
	}
}

// lines returns the Lines of a map from key to line.
func lines(m map[string]int) article.Lines {
	var l article.Lines
	for k, n := range m {
		if !l.Set(k, n) {
			panic("not a front-matter key: " + k)
		}
	}
	return l
}
