package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/amal-kommun/tolk/internal/golden"
)

func decode[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, r.body)
	}
	return v
}

// indentJSON makes golden files reviewable.
func indentJSON(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		t.Fatalf("indent: %v", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes()
}

func TestGoldenResponses(t *testing.T) {
	a := newAPI(t, nil, Options{})
	tests := []struct {
		name   string
		target string
		header []string
		lang   string
	}{
		{"article-sv.json", "/v1/articles/internationellt-arbete?lang=sv", nil, "sv"},
		{"article-en-outdated.json", "/v1/articles/skolutbyte-de-pere?lang=en", nil, "en"},
		{"article-zh-hant-hk.json", "/v1/articles/dunhuang-samarbete", []string{"Accept-Language", "zh-HK,zh;q=0.9,en;q=0.8"}, "zh-Hant"},
		{"article-zh-fallback.json", "/v1/articles/internationella-beslut?lang=zh-Hans", nil, "en"},
		{"list-en.json", "/v1/articles?lang=en", nil, "en"},
		{"list-sv-title.json", "/v1/articles?lang=sv&sort=title", nil, "sv"},
		{"languages.json", "/v1/languages", nil, ""},
		{"translations.json", "/v1/translations", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := a.get(tt.target, tt.header...)
			if r.Code != http.StatusOK {
				t.Fatalf("status %d: %s", r.Code, r.body)
			}
			if got := r.Header().Get("Content-Language"); got != tt.lang {
				t.Errorf("Content-Language = %q, want %q", got, tt.lang)
			}
			golden.Check(t, filepath.Join("testdata", "golden", tt.name), indentJSON(t, r.body))
		})
	}
}

func TestArticleNegotiation(t *testing.T) {
	a := newAPI(t, nil, Options{})
	tests := []struct {
		name         string
		target       string
		header       []string
		wantLang     string
		wantFallback bool
		wantDerived  bool
	}{
		{"explicit sv", "/v1/articles/internationellt-arbete?lang=sv", nil, "sv", false, false},
		{"header en", "/v1/articles/internationellt-arbete", []string{"Accept-Language", "en-US,en;q=0.9"}, "en", false, false},
		{"no header is the default", "/v1/articles/internationellt-arbete", nil, "sv", false, false},
		{"Taiwan reader", "/v1/articles/internationellt-arbete", []string{"Accept-Language", "zh-TW,zh;q=0.9"}, "zh-Hant", false, true},
		{"Hong Kong reader", "/v1/articles/internationellt-arbete", []string{"Accept-Language", "zh-HK,zh;q=0.9,en;q=0.8"}, "zh-Hant", false, true},
		{"missing Chinese falls back to English", "/v1/articles/internationella-beslut", []string{"Accept-Language", "zh-CN,zh;q=0.9"}, "en", true, false},
		{"client preference before the chain", "/v1/articles/internationella-beslut", []string{"Accept-Language", "zh-CN,sv;q=0.8,en;q=0.5"}, "sv", true, false},
		{"lang param ignores header for fallback", "/v1/articles/internationella-beslut?lang=zh", []string{"Accept-Language", "sv"}, "en", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := a.get(tt.target, tt.header...)
			if r.Code != http.StatusOK {
				t.Fatalf("status %d: %s", r.Code, r.body)
			}
			got := decode[articleJSON](t, r)
			if got.Lang != tt.wantLang || got.Fallback != tt.wantFallback || (got.DerivedFrom != nil) != tt.wantDerived {
				t.Errorf("lang %s fallback %v derived %v; want %s %v %v", got.Lang, got.Fallback, got.DerivedFrom != nil, tt.wantLang, tt.wantFallback, tt.wantDerived)
			}
			if cl := r.Header().Get("Content-Language"); cl != got.Lang {
				t.Errorf("Content-Language %q != lang %q", cl, got.Lang)
			}
			if !strings.Contains(r.Header().Get("Vary"), "Accept-Language") {
				t.Errorf("Vary = %q, want Accept-Language", r.Header().Get("Vary"))
			}
		})
	}
}

func TestErrors(t *testing.T) {
	a := newAPI(t, nil, Options{})
	tests := []struct {
		name   string
		method string
		target string
		status int
		code   string
		param  string
	}{
		{"unknown route", "GET", "/v2/nothing", 404, "not_found", ""},
		{"trailing slash", "GET", "/v1/articles/", 404, "not_found", ""},
		{"unknown article", "GET", "/v1/articles/no-such-article", 404, "not_found", ""},
		{"wrong method", "POST", "/v1/articles", 405, "method_not_allowed", ""},
		{"unsupported lang", "GET", "/v1/articles/internationellt-arbete?lang=fr", 400, "unsupported_language", "lang"},
		{"lang all outside search", "GET", "/v1/articles?lang=all", 400, "unsupported_language", "lang"},
		{"empty lang", "GET", "/v1/articles?lang=", 400, "unsupported_language", "lang"},
		{"repeated lang", "GET", "/v1/articles?lang=sv&lang=en", 400, "unsupported_language", "lang"},
		{"no translation with fallback=none", "GET", "/v1/articles/internationella-beslut?lang=zh-Hans&fallback=none", 404, "translation_unavailable", ""},
		{"bad fallback", "GET", "/v1/articles/internationella-beslut?fallback=yes", 400, "invalid_parameter", "fallback"},
		{"per_page too big", "GET", "/v1/articles?per_page=101", 400, "invalid_parameter", "per_page"},
		{"per_page zero", "GET", "/v1/articles?per_page=0", 400, "invalid_parameter", "per_page"},
		{"page not a number", "GET", "/v1/articles?page=two", 400, "invalid_parameter", "page"},
		{"page too deep", "GET", "/v1/articles?page=101&per_page=100", 400, "invalid_parameter", "page"},
		{"bad sort", "GET", "/v1/articles?sort=random", 400, "invalid_parameter", "sort"},
		{"empty tag", "GET", "/v1/articles?tag=", 400, "invalid_parameter", "tag"},
		{"undecodable tag", "GET", "/v1/articles?tag=%ff", 400, "invalid_parameter", "tag"},
		{"bad escape", "GET", "/v1/articles?sort=%zz", 400, "invalid_parameter", "sort"},
		{"search without q", "GET", "/v1/search", 400, "invalid_parameter", "q"},
		{"search blank q", "GET", "/v1/search?q=%20%20", 400, "invalid_parameter", "q"},
		{"search q too long", "GET", "/v1/search?q=" + strings.Repeat("a", 201), 400, "invalid_parameter", "q"},
		{"search per_page over 50", "GET", "/v1/search?q=x&per_page=51", 400, "invalid_parameter", "per_page"},
		{"suggest bad lang", "GET", "/v1/suggest?q=x&lang=xx", 400, "unsupported_language", "lang"},
		{"feed bad lang", "GET", "/v1/feed.atom?lang=de", 400, "unsupported_language", "lang"},
		{"demo page bad lang", "GET", "/?lang=fr&q=skola", 400, "unsupported_language", "lang"},
		{"demo page bad lang without q", "GET", "/?lang=xx", 400, "unsupported_language", "lang"},
		{"demo page lang all", "GET", "/?lang=all&q=skola", 400, "unsupported_language", "lang"},
		{"demo page repeated lang", "GET", "/?lang=sv&lang=en&q=skola", 400, "unsupported_language", "lang"},
		{"translations bad page", "GET", "/v1/translations?page=0", 400, "invalid_parameter", "page"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := a.do(tt.method, tt.target)
			if r.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Code, tt.status, r.body)
			}
			if ct := r.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q", ct)
			}
			p := decode[Problem](t, r)
			if p.Status != tt.status || p.Code != tt.code || p.Param != tt.param || p.Title == "" || p.Type != "about:blank" {
				t.Errorf("problem = %+v, want status %d code %s param %q", p, tt.status, tt.code, tt.param)
			}
			if tt.code == "unsupported_language" && len(p.Languages) != 4 {
				t.Errorf("languages = %v, want the 4 served languages", p.Languages)
			}
			if tt.status == 405 && r.Header().Get("Allow") == "" {
				t.Error("405 without Allow")
			}
			wantCache := "no-store"
			if tt.status == 404 {
				wantCache = "public, max-age=30"
			}
			if got := r.Header().Get("Cache-Control"); got != wantCache {
				t.Errorf("Cache-Control = %q, want %q", got, wantCache)
			}
		})
	}
}

func TestUnknownParametersIgnored(t *testing.T) {
	a := newAPI(t, nil, Options{})
	if r := a.get("/v1/articles?utm_source=x&utm_source=y&foo=%zz"); r.Code != 200 {
		t.Fatalf("status %d: %s", r.Code, r.body)
	}
}

func TestCaching(t *testing.T) {
	a := newAPI(t, nil, Options{})
	const target = "/v1/articles/internationellt-arbete?lang=sv"
	first := a.get(target)
	etag := first.Header().Get("ETag")
	if !strings.HasPrefix(etag, `"`) || first.Header().Get("Last-Modified") == "" {
		t.Fatalf("ETag %q Last-Modified %q", etag, first.Header().Get("Last-Modified"))
	}
	if got := first.Header().Get("Cache-Control"); got != "public, max-age=60, stale-while-revalidate=300" {
		t.Errorf("Cache-Control = %q", got)
	}
	again := a.get(target, "If-None-Match", etag)
	if again.Code != http.StatusNotModified || again.Body.Len() != 0 {
		t.Fatalf("If-None-Match: status %d with %d body bytes", again.Code, again.Body.Len())
	}
	for _, h := range []string{"ETag", "Vary", "Cache-Control", "Content-Language"} {
		if again.Header().Get(h) == "" {
			t.Errorf("304 lacks %s", h)
		}
	}
	zipped := a.get(target, "Accept-Encoding", "gzip, br")
	if zipped.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(zipped.Header().Get("Vary"), "Accept-Encoding") {
		t.Fatalf("gzip: Content-Encoding %q Vary %q", zipped.Header().Get("Content-Encoding"), zipped.Header().Get("Vary"))
	}
	if zipped.Header().Get("ETag") == etag {
		t.Error("gzip representation shares the identity ETag")
	}
	if !bytes.Equal(zipped.body, first.body) {
		t.Error("gzip body differs from identity body")
	}
	if a.get(target, "Accept-Encoding", "gzip;q=0").Header().Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 was compressed")
	}
	private := a.get(target, "Authorization", "Bearer whatever")
	if private.Code != 200 || private.Header().Get("Cache-Control") != "private, no-store" {
		t.Errorf("with Authorization: status %d Cache-Control %q", private.Code, private.Header().Get("Cache-Control"))
	}
	head := a.do(http.MethodHead, target)
	if head.Code != 200 || head.Body.Len() != 0 || head.Header().Get("ETag") != etag {
		t.Errorf("HEAD: status %d, %d body bytes, ETag %q", head.Code, head.Body.Len(), head.Header().Get("ETag"))
	}
}

func TestCORS(t *testing.T) {
	t.Run("any origin", func(t *testing.T) {
		a := newAPI(t, nil, Options{})
		r := a.get("/v1/languages", "Origin", "https://depere.example")
		if r.Header().Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(r.Header().Get("Access-Control-Expose-Headers"), "ETag") {
			t.Errorf("headers %v", r.Header())
		}
		pre := a.do(http.MethodOptions, "/v1/search", "Origin", "https://depere.example", "Access-Control-Request-Method", "GET")
		if pre.Code != http.StatusNoContent || !strings.Contains(pre.Header().Get("Access-Control-Allow-Methods"), "GET") {
			t.Errorf("preflight: %d %v", pre.Code, pre.Header())
		}
	})
	t.Run("configured origins", func(t *testing.T) {
		a := newAPI(t, nil, Options{CORSOrigins: []string{"https://depere.example"}})
		ok := a.get("/v1/languages", "Origin", "https://depere.example")
		if ok.Header().Get("Access-Control-Allow-Origin") != "https://depere.example" || !strings.Contains(strings.Join(ok.Header().Values("Vary"), ","), "Origin") {
			t.Errorf("allowed origin: %v", ok.Header())
		}
		other := a.get("/v1/languages", "Origin", "https://evil.example")
		if other.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("other origin allowed: %v", other.Header())
		}
	})
}

func TestRequestID(t *testing.T) {
	a := newAPI(t, nil, Options{})
	if got := a.get("/healthz", "X-Request-ID", "abc-123").Header().Get("X-Request-ID"); got != "abc-123" {
		t.Errorf("sane id not echoed: %q", got)
	}
	if got := a.get("/healthz", "X-Request-ID", "<script>").Header().Get("X-Request-ID"); got == "<script>" || got == "" {
		t.Errorf("insane id handled as %q", got)
	}
}

func TestList(t *testing.T) {
	a := newAPI(t, nil, Options{})
	t.Run("paging links", func(t *testing.T) {
		r := a.get("/v1/articles?lang=en&per_page=2&page=2")
		l := decode[listJSON](t, r)
		if l.Total != 7 || len(l.Items) != 2 || l.Page != 2 {
			t.Fatalf("total %d items %d page %d", l.Total, len(l.Items), l.Page)
		}
		link := r.Header().Get("Link")
		if !strings.Contains(link, `</v1/articles?lang=en&page=3&per_page=2>; rel="next"`) || !strings.Contains(link, `page=1&per_page=2>; rel="prev"`) {
			t.Errorf("Link = %q", link)
		}
	})
	t.Run("past the end", func(t *testing.T) {
		l := decode[listJSON](t, a.get("/v1/articles?page=50"))
		if len(l.Items) != 0 || l.Total != 7 {
			t.Errorf("items %d total %d", len(l.Items), l.Total)
		}
	})
	t.Run("fallback none lists only the language", func(t *testing.T) {
		l := decode[listJSON](t, a.get("/v1/articles?lang=zh-Hans&fallback=none"))
		if l.Total != 6 {
			t.Errorf("total %d, want 6 articles with Chinese", l.Total)
		}
		for _, it := range l.Items {
			if it.Fallback || it.Lang != "zh-Hans" {
				t.Errorf("item %s in %s fallback %v", it.ID, it.Lang, it.Fallback)
			}
		}
	})
	t.Run("items fall back individually", func(t *testing.T) {
		l := decode[listJSON](t, a.get("/v1/articles?lang=zh-Hans"))
		n := 0
		for _, it := range l.Items {
			if it.Fallback {
				n++
				if it.RequestedLang != "zh-Hans" || it.Lang == "zh-Hans" {
					t.Errorf("fallback item %+v", it)
				}
			}
		}
		if l.Total != 7 || n != 1 {
			t.Errorf("total %d fallbacks %d", l.Total, n)
		}
	})
	t.Run("by slug ignores Accept-Language", func(t *testing.T) {
		l := decode[listJSON](t, a.get("/v1/articles?slug=dunhuang-hezuo", "Accept-Language", "sv"))
		var got []string
		for _, it := range l.Items {
			got = append(got, it.ID+"/"+it.Lang)
		}
		if diff := cmp.Diff([]string{"dunhuang-samarbete/zh-Hans", "dunhuang-samarbete/zh-Hant"}, got); diff != "" {
			t.Errorf("slug list (-want +got):\n%s", diff)
		}
	})
	t.Run("unknown slug is empty", func(t *testing.T) {
		if l := decode[listJSON](t, a.get("/v1/articles?slug=nothing-here")); l.Total != 0 {
			t.Errorf("total %d", l.Total)
		}
	})
	t.Run("tags must all match", func(t *testing.T) {
		l := decode[listJSON](t, a.get("/v1/articles?tag=international&tag=dunhuang"))
		for _, it := range l.Items {
			keys := map[string]bool{}
			for _, tg := range it.Tags {
				keys[tg.Key] = true
			}
			if !keys["international"] || !keys["dunhuang"] {
				t.Errorf("%s tags %v", it.ID, it.Tags)
			}
		}
		if l.Total == 0 {
			t.Error("no article tagged international and dunhuang")
		}
	})
}

func TestChangesWithoutJournal(t *testing.T) {
	a := newAPI(t, nil, Options{})
	r := a.get("/v1/changes?limit=5")
	got := decode[changesJSON](t, r)
	if r.Code != 200 || len(got.Items) != 0 {
		t.Errorf("status %d items %d", r.Code, len(got.Items))
	}
	if a.get("/v1/changes?limit=1001").Code != 400 {
		t.Error("limit 1001 accepted")
	}
}
