package httpapi

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

func TestReadiness(t *testing.T) {
	srv, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"/readyz", "/v1/articles/x", "/v1/search?q=x"} {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
			t.Errorf("%s before content: %d", target, rec.Code)
		}
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"ok"`) {
		t.Errorf("healthz: %d %s", rec.Code, rec.Body)
	}
	a := newAPI(t, nil, Options{})
	if r := a.get("/readyz"); r.Code != 200 || r.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("readyz with content: %d %q", r.Code, r.Header().Get("Cache-Control"))
	}
}

func TestMetrics(t *testing.T) {
	a := newAPI(t, nil, Options{})
	a.get("/v1/articles/internationellt-arbete?lang=en")
	a.get("/v1/search?q=dunhuang")
	r := a.get("/metrics")
	for _, want := range []string{
		`tolk_http_requests_total{method="GET",route="/v1/articles/:id",status="200"} 1`,
		`tolk_negotiated_language_total{lang="en"}`,
		`tolk_search_duration_seconds_count{kind="search"} 1`,
		`tolk_index_documents 20`,
		`tolk_http_request_duration_seconds_bucket{route="/v1/search"`,
	} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestMetricsListener(t *testing.T) {
	a := newAPI(t, nil, Options{})
	h := a.srv.MetricsHandler()
	for _, tt := range []struct {
		target string
		want   int
		body   string
	}{
		{"/metrics", 200, "tolk_index_documents"},
		{"/debug/pprof/", 200, "goroutine"},
		{"/debug/pprof/cmdline", 200, ""},
		{"/v1/articles/internationellt-arbete", 404, ""},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", tt.target, nil))
		if rec.Code != tt.want || !strings.Contains(rec.Body.String(), tt.body) {
			t.Errorf("metrics listener %s: %d, want %d with %q", tt.target, rec.Code, tt.want, tt.body)
		}
	}
	// The public address never serves profiles.
	if r := a.get("/debug/pprof/"); r.Code != 404 {
		t.Errorf("public /debug/pprof/: %d, want 404", r.Code)
	}
}

func TestPanicIsProblemAndLogged(t *testing.T) {
	var logs bytes.Buffer
	a := newAPI(t, nil, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	a.srv.engine.GET("/boom", a.srv.wrap(func(c *gin.Context) error { panic("secret internal state") }))
	r := a.get("/boom")
	if r.Code != 500 || r.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("status %d type %q", r.Code, r.Header().Get("Content-Type"))
	}
	if strings.Contains(string(r.body), "secret") || strings.Contains(string(r.body), ".go") {
		t.Errorf("response leaks internals: %s", r.body)
	}
	if !strings.Contains(logs.String(), "secret internal state") || !strings.Contains(logs.String(), "goroutine") {
		t.Errorf("panic not logged with its stack: %.300s", logs.String())
	}
	if a.get("/healthz").Code != 200 {
		t.Error("server dead after a panic")
	}
}
