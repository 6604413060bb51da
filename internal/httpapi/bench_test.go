package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

// discard is a ResponseWriter that keeps nothing, so benchmarks measure the
// server rather than the recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

func benchRequest(b *testing.B, h http.Handler, target string, header ...string) {
	req := httptest.NewRequest("GET", target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := &discard{h: make(http.Header)}
	h.ServeHTTP(w, req)
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
}

// BenchmarkArticle measures a cached article through the full router
// against a bare Gin handler writing the same bytes (the ceiling).
func BenchmarkArticle(b *testing.B) {
	a := newAPI(b, nil, Options{})
	const target = "/v1/articles/internationellt-arbete?lang=sv"
	rec := httptest.NewRecorder()
	a.srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
	body := rec.Body.Bytes()
	b.Run("baseline-gin", func(b *testing.B) {
		gin.SetMode(gin.ReleaseMode)
		e := gin.New()
		e.GET("/v1/articles/:id", func(c *gin.Context) { c.Data(200, "application/json; charset=utf-8", body) })
		benchRequest(b, e, target)
	})
	b.Run("sv", func(b *testing.B) { benchRequest(b, a.srv.Handler(), target) })
	b.Run("sv-gzip", func(b *testing.B) { benchRequest(b, a.srv.Handler(), target, "Accept-Encoding", "gzip") })
	b.Run("sv-304", func(b *testing.B) {
		benchRequest(b, a.srv.Handler(), target, "If-None-Match", rec.Header().Get("ETag"))
	})
	b.Run("zh-Hans", func(b *testing.B) {
		benchRequest(b, a.srv.Handler(), "/v1/articles/internationellt-arbete", "Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8")
	})
	b.Run("zh-Hant", func(b *testing.B) {
		benchRequest(b, a.srv.Handler(), "/v1/articles/internationellt-arbete", "Accept-Language", "zh-TW,zh;q=0.9,en;q=0.8")
	})
}

func BenchmarkList(b *testing.B) {
	a := newAPI(b, nil, Options{})
	benchRequest(b, a.srv.Handler(), "/v1/articles?lang=en")
}

func BenchmarkSearch(b *testing.B) {
	a := newAPI(b, nil, Options{})
	b.Run("sv", func(b *testing.B) { benchRequest(b, a.srv.Handler(), "/v1/search?q=v%C3%A4nort+skola&lang=sv") })
	b.Run("all", func(b *testing.B) { benchRequest(b, a.srv.Handler(), "/v1/search?q=De+Pere&lang=all") })
}

func BenchmarkSuggest(b *testing.B) {
	a := newAPI(b, nil, Options{})
	benchRequest(b, a.srv.Handler(), "/v1/suggest?q=dun&lang=en")
}
