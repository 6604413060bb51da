package httpapi

import (
	"encoding/json"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/load"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzListParams sends arbitrary query strings (pagination, sort, tags,
// languages) to the list: the answer is a 200 list or a 400 problem naming
// a known parameter, never anything else.
func FuzzListParams(f *testing.F) {
	for _, s := range []string{"page=2&per_page=3", "page=0", "per_page=101", "page=9999999999999999999", "sort=title&lang=zh-TW",
		"tag=dunhuang&tag=", "lang=%ff", "slug=x&slug=y", "fallback=none&lang=zh", "page=100&per_page=100", "page=101&per_page=100", "%zz=1&page=%zz"} {
		f.Add(s)
	}
	a := newAPI(f, nil, Options{})
	known := map[string]bool{"page": true, "per_page": true, "sort": true, "tag": true, "lang": true, "slug": true, "fallback": true}
	f.Fuzz(func(t *testing.T, raw string) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/v1/articles", nil)
		req.URL.RawQuery = raw
		a.srv.Handler().ServeHTTP(rec, req)
		switch rec.Code {
		case 200:
			var l listJSON
			if err := json.Unmarshal(rec.Body.Bytes(), &l); err != nil || l.Page < 1 || l.PerPage < 1 || l.PerPage > 100 || len(l.Items) > l.PerPage {
				t.Fatalf("%q: bad list %s", raw, rec.Body)
			}
		case 400:
			var p Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || !known[p.Param] {
				t.Fatalf("%q: 400 without a known param: %s", raw, rec.Body)
			}
		default:
			t.Fatalf("%q: status %d %s", raw, rec.Code, rec.Body)
		}
	})
}

// FuzzSearchQuery searches arbitrary text: a 200 whose snippets carry no
// markup but <mark>, or a 400 about q; never a 5xx.
func FuzzSearchQuery(f *testing.F) {
	for _, s := range []string{"vänort", "skolan", "\"De Pere\" -skola", "title:x +a -b /.*/ a* a~2", "敦煌", "國際", "２０２０", "dunhuang", "a", "\x00", "-", "\"", strings.Repeat("x ", 100)} {
		f.Add(s, "sv")
		f.Add(s, "all")
	}
	a := newAPI(f, nil, Options{})
	f.Fuzz(func(t *testing.T, q, lang string) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/v1/search?q="+url.QueryEscape(q)+"&lang="+url.QueryEscape(lang), nil)
		a.srv.Handler().ServeHTTP(rec, req)
		switch rec.Code {
		case 200:
			var res searchJSON
			if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
				t.Fatalf("%q: %v", q, err)
			}
			for _, h := range res.Hits {
				if strings.Contains(markRE.ReplaceAllString(h.SnippetHTML, ""), "<") || !utf8.ValidString(h.SnippetHTML) {
					t.Fatalf("%q: snippet %q", q, h.SnippetHTML)
				}
			}
		case 400:
			var p Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || (p.Param != "q" && p.Param != "lang") {
				t.Fatalf("%q %q: %s", q, lang, rec.Body)
			}
		default:
			t.Fatalf("%q %q: status %d %s", q, lang, rec.Code, rec.Body)
		}
	})
}

// FuzzDecodeVersion feeds arbitrary bodies to the write API's decoder: it
// returns a version whose canonical file parses back to the same fields,
// or a 400 or 422 problem; it never panics.
func FuzzDecodeVersion(f *testing.F) {
	for _, s := range []string{newArticle, `{}`, `null`, `[]`, `{"title": 5}`, `{"title":"a","slug":"b","published":"2020-01-01","tags":["x",1]}`,
		`{"title":"---\n","slug":"a","published":"2020-01-01","body_markdown":"---\ntitle: x\n---"}`, `{"title":"a"} {"b":1}`, "\xff"} {
		f.Add(s)
	}
	site := &article.Site{Languages: []string{"sv", "en", "zh-Hans"}, DefaultLanguage: "sv"}
	f.Fuzz(func(t *testing.T, body string) {
		v, err := decodeVersion(site, "a", "sv", []byte(body))
		if err != nil {
			p, ok := err.(*Problem)
			if !ok || (p.Status != 400 && p.Status != 422) {
				t.Fatalf("%q: %v", body, err)
			}
			if p.Status == 422 && len(p.Errors) == 0 {
				t.Fatalf("%q: 422 without errors", body)
			}
			return
		}
		file := load.Format(v)
		got, problems := load.ParseVersion("articles/a/sv.md", file, load.NewRenderer())
		if len(problems) > 0 {
			return // the store answers these with 422
		}
		if got.Title != strings.TrimSpace(v.Title) || got.Slug != v.Slug || got.Published.Raw != v.Published.Raw || got.Draft != v.Draft {
			t.Fatalf("%q: round trip changed the version: %+v vs %+v", body, got, v)
		}
	})
}
