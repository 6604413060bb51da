package index

import (
	"context"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/amal-kommun/tolk/internal/article"
)

// fixture returns a small hand-written library: Swedish with å/ä/ö and
// compounds, English, Chinese, and hostile markup.
func fixture() []*article.Version {
	vs := []*article.Version{
		{ID: "valfard", Lang: "sv", Title: "Strategi för välfärdsteknologi", Summary: "Kommunen satsar på digital teknik.",
			Text: "Åmåls kommun har antagit en strategi för välfärdsteknologi. Äldreomsorgen får trygghetslarm och läkemedelsrobotar.", Tags: []string{"care"}},
		{ID: "valfard", Lang: "en", Title: "Strategy for welfare technology", Summary: "The municipality invests in digital technology.",
			Text: "Åmål Municipality has adopted a strategy for welfare technology. Elderly care gets safety alarms.", Tags: []string{"care"}},
		{ID: "valfard", Lang: "zh-Hans", Title: "福利科技战略", Summary: "市政府投资数字技术。",
			Text: "奥莫尔市通过了福利科技战略。养老服务将配备安全警报。", Tags: []string{"care"}},
		{ID: "skola", Lang: "sv", Title: "Förskolan i Åmål", Summary: "Om förskolor och skolor.",
			Text: "Förskolan har öppet året om. Skolan ligger nära sjön Vänern. Förskoleklassen börjar i augusti.", Tags: []string{"school"}},
		{ID: "skola", Lang: "en", Title: "Preschool in Åmål", Summary: "About preschools and schools.",
			Text: "The preschool is open all year. The school lies near Lake Vänern.", Tags: []string{"school"}},
		{ID: "xss", Lang: "en", Title: `<script>alert("x")</script> & "quotes" 'too'`, Summary: `Tom & Jerry <b>bold</b>`,
			Text: `Fish & chips <script>alert('library')</script> "library" <img src=x onerror=alert(1)> &amp; library's end`, Tags: []string{"school"}},
		{ID: "utkast", Lang: "sv", Title: "Hemligt utkast om skolan", Draft: true, Text: "Skolan."},
	}
	return vs
}

func TestSearchHighlight(t *testing.T) {
	ix := openTest(t, fixture())
	tests := []struct {
		name  string
		query string
		lang  string
		// want are the marked substrings of title and snippet, in order.
		wantTitle, wantSnippet []string
	}{
		{"å/ä/ö as typed", "välfärdsteknologi", "sv", []string{"välfärdsteknologi"}, []string{"välfärdsteknologi"}},
		{"folded query marks the original", "valfardsteknologi", "sv", []string{"välfärdsteknologi"}, []string{"välfärdsteknologi"}},
		{"compound part marks the compound", "teknologi", "sv", []string{"välfärdsteknologi"}, []string{"välfärdsteknologi"}},
		{"definite form", "äldreomsorg", "sv", nil, []string{"Äldreomsorgen"}},
		{"word after Å", "kommun", "sv", nil, []string{"kommun"}},
		{"chinese bigram", "科技", "zh-Hans", []string{"科技"}, []string{"科技"}},
		{"chinese traditional query", "福利科技", "zh-Hans", []string{"福利科技"}, []string{"福利科技"}},
		{"english stem", "strategies", "en", []string{"Strategy"}, []string{"strategy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ix.Search(context.Background(), Request{Query: tt.query, Langs: []string{tt.lang}})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Hits) == 0 {
				t.Fatalf("no hits for %q", tt.query)
			}
			h := res.Hits[0]
			if diff := cmp.Diff(tt.wantTitle, marked(h.TitleHTML)); diff != "" {
				t.Errorf("title %q marks (-want +got):\n%s", h.TitleHTML, diff)
			}
			got := marked(h.SnippetHTML)
			if len(got) == 0 || !contains(got, tt.wantSnippet) {
				t.Errorf("snippet %q marks %q, want them to include %q", h.SnippetHTML, got, tt.wantSnippet)
			}
		})
	}
}

var markRE = regexp.MustCompile(`<mark>(.*?)</mark>`)

// marked returns the unescaped texts inside <mark> elements.
func marked(s string) []string {
	var out []string
	for _, m := range markRE.FindAllStringSubmatch(s, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

func contains(have, want []string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}

// TestSnippetMarksOriginalText checks over the relevance corpus that every
// marked substring is a verbatim piece of the version's text at the place
// it claims.
func TestSnippetMarksOriginalText(t *testing.T) {
	versions := loadTree(t, "testdata/relevance/content")
	ix := openTest(t, versions)
	byKey := map[string]*article.Version{}
	for _, v := range versions {
		byKey[docID(v.ID, v.Lang)] = v
	}
	for _, q := range []string{"skolan", "förskola", "teknologi", "aldreomsorg", "Vänern", "library", "recycling", "图书馆", "圖書館", "敦煌", "２０２４", "水", "dunhuang"} {
		res, err := ix.Search(context.Background(), Request{Query: q, PerPage: 20})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			v := byKey[docID(h.ID, h.Lang)]
			plain := html.UnescapeString(strings.NewReplacer("<mark>", "", "</mark>", "").Replace(h.TitleHTML))
			if plain != v.Title {
				t.Errorf("%q: title of %s/%s lost text: %q", q, h.ID, h.Lang, h.TitleHTML)
			}
			for _, m := range append(marked(h.TitleHTML), marked(h.SnippetHTML)...) {
				if !strings.Contains(v.Title+v.Summary+v.Text, m) || strings.TrimSpace(m) != m || m == "" {
					t.Errorf("%q: %s/%s marks %q, not a word of its text", q, h.ID, h.Lang, m)
				}
			}
		}
	}
}

// TestSnippetEscapes checks that snippets and titles carry no markup but
// <mark>, whatever the text contains.
func TestSnippetEscapes(t *testing.T) {
	ix := openTest(t, fixture())
	for _, q := range []string{"library", "script", "alert", "quotes", "fish", "jerry", "img onerror", `"library's end"`} {
		res, err := ix.Search(context.Background(), Request{Query: q, Langs: []string{"en"}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total == 0 {
			t.Errorf("%q: no hits", q)
		}
		for _, h := range res.Hits {
			for _, s := range []string{h.TitleHTML, h.SnippetHTML} {
				bare := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(s)
				if strings.ContainsAny(bare, `<>"'`) {
					t.Errorf("%q: markup or quotes left in %q", q, s)
				}
				if strings.Contains(regexp.MustCompile(`&(amp|lt|gt|quot|#39|#34);`).ReplaceAllString(bare, ""), "&") {
					t.Errorf("%q: unescaped & in %q", q, s)
				}
			}
		}
	}
}

func TestSnippetWindow(t *testing.T) {
	long := strings.Repeat("Inledande ord utan träff här. ", 20) + "Här står välfärdsteknologi mitt i texten. " + strings.Repeat("Avslutande ord utan träff. ", 20)
	i := strings.Index(long, "välfärdsteknologi")
	got := snippet(long, []span{{i, i + len("välfärdsteknologi")}})
	if !strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "…") {
		t.Errorf("snippet %q: want ellipses at both ends", got)
	}
	bare := strings.Trim(strings.NewReplacer("<mark>", "", "</mark>", "").Replace(got), "…")
	if n := len([]rune(bare)); n < 120 || n > 180 {
		t.Errorf("snippet has %d characters, want about 160: %q", n, got)
	}
	for _, w := range strings.Fields(bare) {
		if !strings.Contains(long, " "+w+" ") && !strings.HasPrefix(long, w+" ") && !strings.Contains(long, " "+w) {
			t.Errorf("snippet cuts a word: %q in %q", w, got)
		}
	}
	zh := strings.Repeat("市政府投资数字技术。", 30)
	j := strings.Index(zh[300:], "技术") + 300
	got = snippet(zh, []span{{j, j + len("技术")}})
	if !strings.Contains(got, "<mark>技术</mark>") || len([]rune(got)) > 200 {
		t.Errorf("chinese snippet %q", got)
	}
	if got := snippet("", nil); got != "" {
		t.Errorf("empty text gives %q", got)
	}
	if got := snippet("Kort <text> & mer", nil); got != "Kort &lt;text&gt; &amp; mer" {
		t.Errorf("no matches gives %q", got)
	}
}

// TestHostileQuery checks that Bleve query syntax is searched as text:
// quickly, without errors, and finding only what its words find.
func TestHostileQuery(t *testing.T) {
	ix := openTest(t, loadTree(t, "testdata/relevance/content"))
	parts := []string{"title:x", "+a", "-b", "/.*/", "a*", "a~2", "body_sv:skola^10", "_all:*", "(x OR y)", "[a TO z]", `"unclosed`, "?", "\\", "*:*", ">=2", "{}", "lang:sv", "-/./"}
	var b strings.Builder
	for b.Len() < 200 {
		b.WriteString(parts[b.Len()%len(parts)] + " ")
	}
	q := b.String()[:200]
	for _, langs := range [][]string{nil, {"sv"}, {"en"}, {"zh-Hans"}} {
		start := time.Now()
		res, err := ix.Search(context.Background(), Request{Query: q, Langs: langs})
		if err != nil {
			t.Fatalf("%v: %v", langs, err)
		}
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Errorf("%v: took %v", langs, d)
		}
		t.Logf("%v: %d hits in %v", langs, res.Total, res.Took)
	}
	// Syntax alone finds nothing; it is never an error.
	for _, q := range []string{"*", "*:*", "/.*/", "~", "-", `""`, "+-", "a*"} {
		res, err := ix.Search(context.Background(), Request{Query: q})
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		if q != "a*" && res.Total != 0 {
			t.Errorf("%q: %d hits, want none", q, res.Total)
		}
	}
}

func TestSearchFacetsAndGrouping(t *testing.T) {
	ix := openTest(t, fixture())
	ctx := context.Background()

	t.Run("one language", func(t *testing.T) {
		res, err := ix.Search(ctx, Request{Query: "Åmål", Langs: []string{"sv"}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 2 || len(res.Hits) != 2 {
			t.Fatalf("total %d, hits %d; want 2, 2", res.Total, len(res.Hits))
		}
		// facets.lang ignores the language filter.
		if diff := cmp.Diff([]Count{{"en", 2}, {"sv", 2}}, res.Langs); diff != "" {
			t.Errorf("langs (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]Count{{"care", 1}, {"school", 1}}, res.Tags); diff != "" {
			t.Errorf("tags (-want +got):\n%s", diff)
		}
	})
	t.Run("all languages, one hit per article", func(t *testing.T) {
		res, err := ix.Search(ctx, Request{Query: "Åmål", Prefer: []string{"en", "sv"}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range res.Hits {
			got = append(got, h.ID+"/"+h.Lang)
		}
		if res.Total != 2 || !contains(got, []string{"valfard/en", "skola/en"}) || len(got) != 2 {
			t.Errorf("total %d, hits %v; want 2 articles in English", res.Total, got)
		}
		if diff := cmp.Diff([]Count{{"en", 2}, {"sv", 2}}, res.Langs); diff != "" {
			t.Errorf("langs (-want +got):\n%s", diff)
		}
		// Tags count articles, as Total does (issue 15: they counted
		// versions, 2 and 2).
		if diff := cmp.Diff([]Count{{"care", 1}, {"school", 1}}, res.Tags); diff != "" {
			t.Errorf("tags (-want +got):\n%s", diff)
		}
	})
	t.Run("preference then score", func(t *testing.T) {
		res, err := ix.Search(ctx, Request{Query: "Åmål", Prefer: []string{"sv"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			if h.Lang != "sv" {
				t.Errorf("hit %s/%s, want sv", h.ID, h.Lang)
			}
		}
	})
	t.Run("tags all must match", func(t *testing.T) {
		res, err := ix.Search(ctx, Request{Query: "Åmål", Langs: []string{"sv"}, Tags: []string{"school"}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 1 || res.Hits[0].ID != "skola" {
			t.Errorf("got %+v", res)
		}
		res, _ = ix.Search(ctx, Request{Query: "Åmål", Langs: []string{"sv"}, Tags: []string{"school", "care"}})
		if res.Total != 0 {
			t.Errorf("two tags: total %d, want 0", res.Total)
		}
	})
	t.Run("drafts are not indexed", func(t *testing.T) {
		res, _ := ix.Search(ctx, Request{Query: "hemligt", Langs: []string{"sv"}})
		if res.Total != 0 {
			t.Errorf("draft found")
		}
	})
	t.Run("excluded word", func(t *testing.T) {
		res, _ := ix.Search(ctx, Request{Query: "Åmål -förskolan", Langs: []string{"sv"}})
		if res.Total != 1 || res.Hits[0].ID != "valfard" {
			t.Errorf("got %+v", res.Hits)
		}
	})
	t.Run("all words first, then any", func(t *testing.T) {
		res, _ := ix.Search(ctx, Request{Query: "trygghetslarm förskoleklassen", Langs: []string{"sv"}})
		if res.Total != 2 {
			t.Errorf("fallback to any word: total %d, want 2", res.Total)
		}
	})
	t.Run("typo", func(t *testing.T) {
		res, _ := ix.Search(ctx, Request{Query: "trygghetslrm", Langs: []string{"sv"}})
		if res.Total != 1 || res.Hits[0].ID != "valfard" {
			t.Errorf("got %+v", res.Hits)
		}
	})
	t.Run("no typo tolerance under five letters", func(t *testing.T) {
		res, _ := ix.Search(ctx, Request{Query: "sjön skolx ", Langs: []string{"sv"}})
		if res.Total != 1 {
			t.Errorf("total %d, want 1 (sjön only)", res.Total)
		}
	})
	t.Run("prefix of the last word", func(t *testing.T) {
		res, _ := ix.Search(ctx, Request{Query: "trygghetsl", Langs: []string{"sv"}})
		if res.Total != 1 {
			t.Errorf("total %d, want 1", res.Total)
		}
	})
	t.Run("paging", func(t *testing.T) {
		res, _ := ix.Search(ctx, Request{Query: "Åmål", Langs: []string{"sv"}, Page: 2, PerPage: 1})
		if res.Total != 2 || len(res.Hits) != 1 {
			t.Errorf("page 2: total %d, hits %d", res.Total, len(res.Hits))
		}
		res, _ = ix.Search(ctx, Request{Query: "Åmål", Page: 3, PerPage: 1})
		if res.Total != 2 || len(res.Hits) != 0 {
			t.Errorf("past the end: total %d, hits %d", res.Total, len(res.Hits))
		}
	})
}

func TestSuggest(t *testing.T) {
	ix := openTest(t, fixture())
	ctx := context.Background()
	tests := []struct {
		name   string
		prefix string
		langs  []string
		want   []Suggestion
	}{
		{"swedish prefix", "välf", []string{"sv"}, []Suggestion{{"valfard", "sv", "Strategi för välfärdsteknologi"}}},
		{"folded prefix", "valf", []string{"sv"}, []Suggestion{{"valfard", "sv", "Strategi för välfärdsteknologi"}}},
		// Across languages an article is suggested once (issue 15: it was
		// suggested once per language), in its best-ranked version.
		{"case", "STRAT", nil, []Suggestion{{"valfard", "sv", "Strategi för välfärdsteknologi"}}},
		{"case, one language", "STRAT", []string{"en"}, []Suggestion{{"valfard", "en", "Strategy for welfare technology"}}},
		{"pinyin prefix", "fu", []string{"zh-Hans"}, []Suggestion{{"valfard", "zh-Hans", "福利科技战略"}}},
		{"pinyin of a word inside", "keji", []string{"zh-Hans"}, []Suggestion{{"valfard", "zh-Hans", "福利科技战略"}}},
		{"pinyin across words", "kejizhan", nil, []Suggestion{{"valfard", "zh-Hans", "福利科技战略"}}},
		{"two words", "strategy tech", nil, []Suggestion{{"valfard", "en", "Strategy for welfare technology"}}},
		{"chinese inside title", "科技", nil, []Suggestion{{"valfard", "zh-Hans", "福利科技战略"}}},
		{"traditional", "科技戰", nil, []Suggestion{{"valfard", "zh-Hans", "福利科技战略"}}},
		{"title start first", "åm", nil, []Suggestion{{"skola", "sv", "Förskolan i Åmål"}}},
		{"title start first, two languages", "åm", []string{"en"}, []Suggestion{{"skola", "en", "Preschool in Åmål"}}},
		{"as typed, then title start", "för", []string{"sv"}, []Suggestion{{"skola", "sv", "Förskolan i Åmål"}, {"valfard", "sv", "Strategi för välfärdsteknologi"}}},
		{"drafts never", "hemligt", nil, nil},
		{"nothing", "zzz", nil, nil},
		{"only punctuation", "*", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ix.Suggest(ctx, tt.prefix, tt.langs, 8)
			if len(got) == 0 {
				got = nil
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Suggest(%q) (-want +got):\n%s", tt.prefix, diff)
			}
		})
	}
}
