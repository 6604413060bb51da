package widget

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"html"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/amal-kommun/tolk/internal/golden"
)

func TestRenderGolden(t *testing.T) {
	// The served languages of the embedded corpus, named as /v1/languages
	// names them.
	served := []Language{{"sv", "svenska", "ltr"}, {"en", "English", "ltr"}, {"zh-Hans", "中文（简体）", "ltr"}, {"zh-Hant", "中文（繁體）", "ltr"}}
	arabic := []Language{{"ar", "العربية", "rtl"}, {"en", "English", "ltr"}}
	tests := []struct {
		name string
		page Page
	}{
		{"empty-sv", Page{Lang: "sv", Langs: served}},
		{"hits-sv", Page{Lang: "sv", Langs: served, Query: "vänort", Total: 12, Hits: []Hit{
			{Title: "Skolutbytet med vänorten De Pere", URL: "https://www.amal.se/sv/skolutbyte-med-de-pere", Lang: "sv",
				SnippetHTML: "Åmål och De Pere i USA är <mark>vänorter</mark>. Samarbetet &amp; utbytet…"},
			{Title: "The school exchange with our twin town De Pere", URL: "https://www.amal.se/en/school-exchange-with-de-pere", Lang: "en",
				SnippetHTML: "…our <mark>twin town</mark> De Pere"},
			{Title: "Utan adress", Lang: "sv", SnippetHTML: "ingen <mark>url</mark>"},
		}}},
		{"hostile-en", Page{Lang: "en", Langs: served, Query: `"><script>alert(1)</script>`, Total: 1, Hits: []Hit{
			{Title: `<img src=x onerror=alert(1)> Vänort`, URL: "javascript:alert(1)", Lang: `en" onmouseover="alert(1)`,
				SnippetHTML: `<script>alert(1)</script><mark onclick="alert(1)">x</mark><img src=x onerror=alert(1)><mark>ok</mark>`},
		}}},
		{"none-zh-Hans", Page{Lang: "zh-Hans", Langs: served, Query: "不存在"}},
		{"error-zh-Hant", Page{Lang: "zh-Hant", Langs: served, Query: "國際", Error: "q must be between 1 and 200 characters"}},
		// A language the page has no texts for: English texts, marked so,
		// in a right-to-left search box.
		{"hits-ar", Page{Lang: "ar", Langs: arabic, Query: "مكتبة", Total: 1, Hits: []Hit{
			{Title: "المكتبة العامة", URL: "https://www.example.org/ar/maktaba", Lang: "ar", SnippetHTML: "<mark>المكتبة</mark> مفتوحة"},
		}}},
		// Without Langs, one search box in Lang.
		{"alone-fi", Page{Lang: "fi"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Render(&buf, tt.page); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", tt.name+".html"), buf.Bytes())
		})
	}
}

// TestRenderEscapes checks the properties the golden files only show: no
// field of Page can add an element or an attribute.
func TestRenderEscapes(t *testing.T) {
	hostile := `<img src=x onerror=alert(1)>"'&`
	p := Page{Lang: hostile, Query: hostile, Total: 1, Error: "", Hits: []Hit{{Title: hostile, URL: "javascript:alert(1)", Lang: hostile,
		SnippetHTML: hostile + `<mark class="x">a</mark><script>alert(2)</script><mark>b</mark>`}}}
	var buf bytes.Buffer
	if err := Render(&buf, p); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"<img", "<script>alert", `<mark class`, "javascript:", "onerror=alert(1)>"} {
		if strings.Contains(out, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	if !strings.Contains(out, "<mark>b</mark>") {
		t.Error("page lost the snippet's <mark>b</mark>")
	}
	if !strings.Contains(out, `<html lang="en">`) {
		t.Error("an unknown page language did not fall back to en")
	}
}

func TestSanitizeSnippet(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "Åmål och De Pere", "Åmål och De Pere"},
		{"marks kept", "a <mark>b</mark> c <mark>d</mark>", "a <mark>b</mark> c <mark>d</mark>"},
		{"escapes kept", "&lt;p&gt; &amp; &#34;x&#34; &#39;y&#39;", "&lt;p&gt; &amp; &#34;x&#34; &#39;y&#39;"},
		{"script", "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"img onerror", `<img src=x onerror=alert(1)>`, "&lt;img src=x onerror=alert(1)&gt;"},
		{"mark with attributes", `<mark onclick="alert(1)">x</mark>`, "&lt;mark onclick=&#34;alert(1)&#34;&gt;x"},
		{"mark in upper case", `<MARK>x</MARK>`, "&lt;MARK&gt;x&lt;/MARK&gt;"},
		{"escaped mark is text", "&lt;mark&gt;x&lt;/mark&gt;", "&lt;mark&gt;x&lt;/mark&gt;"},
		{"unclosed mark closed", "<mark>x", "<mark>x</mark>"},
		{"stray close dropped", "x</mark>y", "xy"},
		{"nested mark dropped", "<mark>a<mark>b</mark>c</mark>", "<mark>ab</mark>c"},
		{"lone angle brackets", "1 < 2 > 0 <", "1 &lt; 2 &gt; 0 &lt;"},
		{"half a tag", "<mar", "&lt;mar"},
		{"Chinese", "与<mark>敦煌</mark>的合作", "与<mark>敦煌</mark>的合作"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, string(sanitizeSnippet(tt.in))); diff != "" {
				t.Errorf("sanitizeSnippet(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// anyTag matches whatever may be a tag, closed or not.
var anyTag = regexp.MustCompile(`<[^>]*>?`)

func FuzzSanitizeSnippet(f *testing.F) {
	for _, s := range []string{"a <mark>b</mark>", "<script>x</script>", "&lt;&amp;&#x3c;", "<mark><mark></mark>", "<<mark>>", "&", "<mark"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := string(sanitizeSnippet(s))
		// Only <mark> and </mark>, balanced and never nested.
		open := false
		for _, tag := range anyTag.FindAllString(out, -1) {
			switch {
			case tag == "<mark>" && !open, tag == "</mark>" && open:
				open = !open
			default:
				t.Fatalf("sanitizeSnippet(%q) = %q holds %q", s, out, tag)
			}
		}
		if open {
			t.Fatalf("sanitizeSnippet(%q) = %q leaves a <mark> open", s, out)
		}
		if strings.Contains(strings.NewReplacer("<mark>", "", "</mark>", "").Replace(out), ">") {
			t.Fatalf("sanitizeSnippet(%q) = %q holds a bare >", s, out)
		}
		// Sanitizing is idempotent, and it keeps the text the snippet shows.
		if again := string(sanitizeSnippet(out)); again != out {
			t.Fatalf("sanitizeSnippet not idempotent: %q → %q → %q", s, out, again)
		}
		strip := func(s string) string {
			return html.UnescapeString(strings.NewReplacer("<mark>", "", "</mark>", "").Replace(s))
		}
		if strings.Contains(s, "<") {
			return // other tags turn into text, so the text shown grows
		}
		if got, want := strip(out), strip(s); got != want {
			t.Fatalf("sanitizeSnippet(%q) shows %q, want %q", s, got, want)
		}
	})
}

func TestScriptSize(t *testing.T) {
	const limit = 15 << 10 // bytes, gzipped
	for _, level := range []int{gzip.BestCompression, gzip.DefaultCompression, gzip.BestSpeed} {
		t.Run(fmt.Sprintf("level %d", level), func(t *testing.T) {
			var buf bytes.Buffer
			zw, err := gzip.NewWriterLevel(&buf, level)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := zw.Write(Script()); err != nil {
				t.Fatal(err)
			}
			if err := zw.Close(); err != nil {
				t.Fatal(err)
			}
			t.Logf("widget.js: %d bytes, %d gzipped", len(Script()), buf.Len())
			if buf.Len() >= limit {
				t.Errorf("widget.js is %d bytes gzipped at level %d; the budget is under %d", buf.Len(), level, limit)
			}
		})
	}
}

func TestScriptIsACopy(t *testing.T) {
	a := Script()
	a[0] = 'X'
	if b := Script(); b[0] == 'X' {
		t.Error("Script returned shared bytes: a change to one result showed in the next")
	}
}

func TestScriptSetsNoHTMLFromAPI(t *testing.T) {
	// The widget builds DOM nodes; markup parsing of any string is off limits.
	for _, banned := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "DOMParser", "createContextualFragment", "eval("} {
		if bytes.Contains(Script(), []byte(banned)) {
			t.Errorf("widget.js uses %s", banned)
		}
	}
}

func TestTextLang(t *testing.T) {
	tests := []struct{ in, want string }{
		{"sv", "sv"}, {"en", "en"}, {"zh-Hans", "zh-Hans"}, {"zh-Hant", "zh-Hant"},
		// A served language without texts of its own, and tags that are no
		// served language (the server negotiates, so they never come).
		{"ar", "en"}, {"fi", "en"}, {"sv-FI", "en"}, {"", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := textLang(tt.in); got != tt.want {
				t.Errorf("textLang(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func BenchmarkRender(b *testing.B) {
	p := Page{Lang: "sv", Query: "vänort", Total: 10}
	for range 10 {
		p.Hits = append(p.Hits, Hit{Title: "Skolutbytet med vänorten De Pere", URL: "https://www.amal.se/sv/skolutbyte-med-de-pere", Lang: "sv",
			SnippetHTML: "Åmål och De Pere i USA är <mark>vänorter</mark>. Samarbetet mellan städerna sker i nuläget främst inom skolan…"})
	}
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := Render(&buf, p); err != nil {
			b.Fatal(err)
		}
	}
}

// TestStyleHashes: both stylesheets have a hash; a template literal with
// escapes or substitutions would be hashed wrongly, so STYLE has none.
func TestStyleHashes(t *testing.T) {
	if got := StyleHashes(); len(got) != 2 {
		t.Fatalf("StyleHashes = %v, want the page's and the widget's", got)
	}
	s, _ := between(script, "const STYLE = `", "`")
	if strings.ContainsAny(s, "\\$") {
		t.Errorf("STYLE holds \\ or $: its text differs from the source and the CSP hash would not match")
	}
}
