package httpapi

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var markRE = regexp.MustCompile(`</?mark>`)

func TestSearch(t *testing.T) {
	a := newAPI(t, nil, Options{})
	t.Run("swedish with snippets", func(t *testing.T) {
		r := a.get("/v1/search?q=v%C3%A4nort&lang=sv")
		res := decode[searchJSON](t, r)
		if r.Header().Get("Content-Language") != "sv" || res.Lang != "sv" || res.Total == 0 || len(res.Hits) == 0 {
			t.Fatalf("lang %q/%q total %d", r.Header().Get("Content-Language"), res.Lang, res.Total)
		}
		marked := false
		for _, h := range res.Hits {
			if h.Lang != "sv" {
				t.Errorf("hit %s in %s", h.ID, h.Lang)
			}
			if strings.Contains(markRE.ReplaceAllString(h.SnippetHTML, ""), "<") {
				t.Errorf("snippet has markup besides <mark>: %q", h.SnippetHTML)
			}
			marked = marked || strings.Contains(h.SnippetHTML, "<mark>")
		}
		if !marked {
			t.Error("no snippet marks a match")
		}
		if len(res.Facets.Tags) == 0 || len(res.Facets.Lang) == 0 {
			t.Errorf("facets %+v", res.Facets)
		}
	})
	t.Run("all languages, one hit per article", func(t *testing.T) {
		r := a.get("/v1/search?q=De+Pere&lang=all", "Accept-Language", "en")
		res := decode[searchJSON](t, r)
		if res.Lang != "all" || r.Header().Get("Content-Language") != "" {
			t.Errorf("lang %q Content-Language %q", res.Lang, r.Header().Get("Content-Language"))
		}
		seen := map[string]bool{}
		for _, h := range res.Hits {
			if seen[h.ID] {
				t.Errorf("%s appears twice", h.ID)
			}
			seen[h.ID] = true
			if h.Lang != "en" {
				t.Errorf("%s served in %s, want the reader's en", h.ID, h.Lang)
			}
		}
		if res.Total != len(seen) && res.Total <= res.PerPage {
			t.Errorf("total %d counts something other than articles (%d)", res.Total, len(seen))
		}
		for _, f := range res.Facets.Tags {
			if f.Key == "international" && f.Label != "International" {
				t.Errorf("tag facet label %q for an English reader, want International", f.Label)
			}
			if f.Count > res.Total {
				t.Errorf("tag %s counts %d, more than the %d articles found", f.Key, f.Count, res.Total)
			}
		}
	})
	t.Run("traditional chinese reader", func(t *testing.T) {
		r := a.get("/v1/search?q=%E6%95%A6%E7%85%8C", "Accept-Language", "zh-TW")
		res := decode[searchJSON](t, r)
		if res.Lang != "zh-Hant" || len(res.Hits) == 0 {
			t.Fatalf("lang %s hits %d", res.Lang, len(res.Hits))
		}
		for _, h := range res.Hits {
			if h.Lang != "zh-Hant" || h.DerivedFrom == nil || *h.DerivedFrom != "zh-Hans" {
				t.Errorf("hit %+v is not derived zh-Hant", h)
			}
			if !strings.HasSuffix(*h.URL, "/zh-Hant/"+h.Slug) {
				t.Errorf("url %s", *h.URL)
			}
		}
	})
	t.Run("query syntax is text", func(t *testing.T) {
		q := strings.Repeat("title:x +a -b /.*/ a* a~2 ", 10)[:200]
		r := a.get("/v1/search?q=" + url.QueryEscape(q))
		if r.Code != http.StatusOK {
			t.Fatalf("status %d: %s", r.Code, r.body)
		}
	})
}

func TestSuggest(t *testing.T) {
	a := newAPI(t, nil, Options{})
	r := a.get("/v1/suggest?q=v%C3%A4n&lang=sv")
	res := decode[suggestJSON](t, r)
	if len(res.Suggestions) == 0 || len(res.Suggestions) > 8 {
		t.Fatalf("%d suggestions", len(res.Suggestions))
	}
	for _, s := range res.Suggestions {
		if s.Lang != "sv" || s.URL == nil {
			t.Errorf("suggestion %+v", s)
		}
	}
	hant := decode[suggestJSON](t, a.get("/v1/suggest?q=%E6%95%A6&lang=zh-Hant"))
	for _, s := range hant.Suggestions {
		if s.Lang != "zh-Hant" || strings.Contains(s.Title, "奥") {
			t.Errorf("zh-Hant suggestion %+v", s)
		}
	}
}

func TestRateLimit(t *testing.T) {
	a := newAPI(t, nil, Options{RateLimit: 1, RateBurst: 2})
	codes := []int{}
	for range 4 {
		codes = append(codes, a.get("/v1/suggest?q=dun").Code)
	}
	// The refused request waits out its Retry-After (the tarpit), so the
	// next one finds a fresh token.
	if codes[0] != 200 || codes[1] != 200 || codes[2] != http.StatusTooManyRequests || codes[3] != 200 {
		t.Fatalf("codes %v, want 200 200 429 200", codes)
	}
	r := a.get("/v1/search?q=dun")
	if r.Code != http.StatusTooManyRequests || r.Header().Get("Retry-After") == "" {
		t.Errorf("status %d Retry-After %q", r.Code, r.Header().Get("Retry-After"))
	}
	if p := decode[Problem](t, r); p.Code != "rate_limited" {
		t.Errorf("code %q", p.Code)
	}
	if a.get("/v1/articles/internationellt-arbete").Code != 200 {
		t.Error("article reads are rate-limited too")
	}
}
