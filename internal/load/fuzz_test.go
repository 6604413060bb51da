package load

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/contenttest"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"
)

// fuzzSeeds are the edge cases of the tests, as whole files.
var fuzzSeeds = []string{
	"",
	"\uFEFF---\ntitle: Hej\nslug: hej\npublished: 2020-01-03\n---\n\nText.\n",
	"---\r\ntitle: Hej\r\nslug: hej\r\npublished: 2020-01-03\r\n---\r\n\r\nText\r\n",
	"# no front matter\n",
	"---\ntitle: T\n",
	"---\ntitle: T\nslug: t\npublished: 2020-01-03\n---\n---\nmore\n---\n",
	"---\ntitel: T\nslug: t\nslug: u\npublished: 2020-13-01\ndraft: yes\ntags: x\n---\n",
	"---\ntitle: &a T\nslug: t\nsummary: *a\npublished: 2020-01-03T10:00:00+01:00\nupdated: 2020-01-03\ntranslated_from: sv\nsource_updated: 2020-01-03\naliases: [a, b]\ndraft: true\nauthor: *a\n---\n",
	"---\ntitle: 'x: y'\nslug: \"2020\"\ntags: [\"1\", a]\npublished: 2020-01-03\n---\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[a](javascript:alert(1)) a < b &lt;c&gt;\n\n| a | b |\n|---|:-:|\n| <b onclick=x>1</b> | 2 |\n\n```js\" onclick=\"x\n<x>\n```\n",
	"---\ntitle: T\nslug: t\npublished: 2020-01-03\n---\n\n[x](<http://e/ onload=1> \"t onclick=1\") ![i](data:text/html,<script>) <a href=\"x\" onclick=\"y\">z</a>\n",
	"---\ntitle: \"\\u2028\"\nslug: t\npublished: 2020-01-03\n---\n",
	"---\ntitle: T\nslug: t\xff\npublished: 2020-01-03\n---\n",
	"---\n- a\n---\n",
	"---\ntitle: [\n---\n",
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	r := NewRenderer()
	f.Fuzz(func(t *testing.T, data []byte) {
		v, problems := ParseVersion(svPath, data, r)
		if (v == nil) == (len(problems) == 0) {
			t.Fatalf("ParseVersion returned %v with problems %q", v, problems)
		}
		for _, p := range problems {
			if p.Path != svPath || p.Line < 1 || p.Message == "" {
				t.Errorf("badly located problem %+v", p)
			}
		}
		if v == nil {
			return
		}
		if n := utf8.RuneCountInString(v.Title); n == 0 || n > maxLen(t, "title") {
			t.Errorf("title of %d characters: %q", n, v.Title)
		}
		if n := utf8.RuneCountInString(v.Author); n > maxLen(t, "author") {
			t.Errorf("author of %d characters: %q", n, v.Author)
		}
		if !article.ValidSlug(v.Slug) {
			t.Errorf("invalid slug %q", v.Slug)
		}
		if v.Published.IsZero() || v.Updated.IsZero() {
			t.Errorf("missing dates: %+v %+v", v.Published, v.Updated)
		}
		if strings.Contains(v.Text, "<") {
			t.Errorf("text contains '<': %q", v.Text)
		}
		checkSafeHTML(t, v.HTML)
	})
}

// checkSafeHTML fails t if s has a script element, an on* event handler
// attribute, or a javascript: URL.
func checkSafeHTML(t *testing.T, s string) {
	t.Helper()
	if strings.Contains(strings.ToLower(s), "<script") {
		t.Errorf("HTML contains <script: %q", s)
	}
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		for _, a := range tok.Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				t.Errorf("HTML has event handler %s=%q on <%s>: %q", a.Key, a.Val, tok.Data, s)
			}
			if strings.Contains(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
				t.Errorf("HTML has a javascript: URL in %s: %q", a.Key, s)
			}
		}
	}
}

// FuzzFormatRoundTrip checks that whatever ParseVersion accepts, Format
// writes in a form ParseVersion reads back to the same version, and that
// Format of that is byte for byte the same again.
func FuzzFormatRoundTrip(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	for _, c := range canonical {
		f.Add([]byte(c.file))
	}
	r := NewRenderer()
	f.Fuzz(func(t *testing.T, data []byte) {
		v, _ := ParseVersion(svPath, data, r)
		if v == nil {
			return
		}
		out := Format(v)
		got, problems := ParseVersion(svPath, out, r)
		if len(problems) > 0 {
			t.Fatalf("Format wrote a file ParseVersion rejects:\n%s\n%q", out, problems)
		}
		if diff := cmp.Diff(v, got, roundTripOpts); diff != "" {
			t.Fatalf("ParseVersion(Format(v)) (-v +got):\n%s\nformatted:\n%s", diff, out)
		}
		if again := Format(got); !bytes.Equal(again, out) {
			t.Fatalf("Format is not stable:\n%q\nthen\n%q", out, again)
		}
	})
}

// FuzzParseSite checks that a Site ParseSite returns keeps its promises
// whatever site.yaml holds.
func FuzzParseSite(f *testing.F) {
	f.Add([]byte(contenttest.Site))
	f.Add([]byte(""))
	f.Add([]byte("default_language: sv\nlanguages: [{tag: sv}]\nfallback: {sv: [sv, en]}\ntags: {Bad: {sv: x}}\nsite_url: x\n"))
	f.Add([]byte("default_language: ar\nlanguages:\n  - {tag: ar, dir: rtl, analyzer: ar}\n  - {tag: fi, analyzer: fin, dir: up}\n  - {tag: x, analyzer: [a]}\nderived: [{tag: ar-Latn, from: ar}]\n"))
	f.Add([]byte("default_language: &a sv\nlanguages:\n  - tag: *a\nderived:\n  - {tag: sv, from: sv}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		site, problems := ParseSite("site.yaml", data)
		for _, p := range problems {
			if p.Path != "site.yaml" || p.Line < 1 || p.Message == "" {
				t.Errorf("badly located problem %+v", p)
			}
		}
		if site == nil {
			if len(problems) == 0 {
				t.Fatal("nil Site without a problem")
			}
			return
		}
		if !site.Stored(site.DefaultLanguage) {
			t.Errorf("default %q not among %v", site.DefaultLanguage, site.Languages)
		}
		for _, d := range site.Derived {
			if site.Stored(d.Tag) || !site.Stored(d.From) {
				t.Errorf("bad derived language %+v", d)
			}
		}
		for from, chain := range site.Fallback {
			for _, to := range chain {
				if !site.Stored(to) || to == from {
					t.Errorf("bad fallback %s → %s", from, to)
				}
			}
		}
		for _, k := range site.TagKeys {
			if !article.ValidSlug(k) || site.Tags[k] == nil {
				t.Errorf("bad tag key %q", k)
			}
		}
		for _, lang := range site.Served() {
			if a := site.Analyzers[lang]; !slices.Contains(article.AnalyzerNames(), a) {
				t.Errorf("%s: analyzer %q", lang, a)
			}
			if d := site.Dirs[lang]; d != article.DirLTR && d != article.DirRTL {
				t.Errorf("%s: dir %q", lang, d)
			}
		}
		if site.SiteURL != "" && !strings.Contains(site.SiteURL, "{slug}") {
			t.Errorf("site_url %q without {slug}", site.SiteURL)
		}
	})
}

// FuzzFormatFields puts arbitrary text in the fields the write API takes
// from a client and checks that Format's output never confuses structure
// with content: ParseVersion either reads every field back or reports a
// problem about one of the fields, never about the file as a whole. The
// summary's text is also the author's, another optional plain-text field
// (a sixth argument would orphan the corpus in testdata/fuzz).
func FuzzFormatFields(f *testing.F) {
	f.Add("Hej", "hej", "Kort.", "international", "Text.\n")
	f.Add("a\n---\nb", "x\n---", "---", "a\n---\n", "---\ntitle: x\n---\n")
	f.Add("'\"#: [", "2020", "true", "null", "\r\n\r\n---\r\n")
	f.Add(" \u2028 ", "-", "\x00", "[a, b]", "<script>x</script>")
	f.Fuzz(func(t *testing.T, title, slug, summary, tag, body string) {
		for _, s := range []string{title, slug, summary, tag, body} {
			if !utf8.ValidString(s) {
				return // JSON strings are valid UTF-8
			}
		}
		d, _ := article.ParseDate("2020-01-03")
		v := &article.Version{Title: title, Slug: slug, Summary: summary, Tags: []string{tag},
			Published: d, Updated: d, Author: summary, Body: body}
		out := Format(v)
		got, problems := ParseVersion(svPath, out, NewRenderer())
		for _, p := range problems {
			if !slices.Contains([]string{"title", "slug", "summary", "tags", "author", "body"}, p.Key) {
				t.Fatalf("problem not about a field: %s\n%s", p, out)
			}
		}
		if got == nil {
			return
		}
		want := []string{strings.TrimSpace(title), slug, strings.TrimSpace(summary), tag, strings.TrimSpace(summary), normalizeBody(body)}
		have := []string{got.Title, got.Slug, got.Summary, got.Tags[0], got.Author, got.Body}
		if diff := cmp.Diff(want, have); diff != "" {
			t.Fatalf("fields (-want +got):\n%s\nformatted:\n%s", diff, out)
		}
	})
}

// maxLen returns the MaxLen of the field with key.
func maxLen(t *testing.T, key string) int {
	fd, ok := article.FieldByKey(key)
	if !ok {
		t.Fatalf("no field %q", key)
	}
	return fd.MaxLen
}
