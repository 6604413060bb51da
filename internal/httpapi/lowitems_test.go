package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/amal-kommun/tolk/internal/widget"
)

// TestBearerSchemeCaseInsensitive: RFC 9110 auth schemes are
// case-insensitive (issue 14, low).
func TestBearerSchemeCaseInsensitive(t *testing.T) {
	a, _, _ := newWriteAPI(t, Options{AdminToken: token})
	for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		r := a.write("PUT", "/v1/articles/vanort-de-pere/sv", newArticle, "Authorization", scheme+" "+token, "Content-Type", "application/json")
		if r.Code != 201 && r.Code != 200 {
			t.Errorf("%s scheme: %d %s", scheme, r.Code, r.body)
		}
	}
}

// TestFailedTokenGuessesThrottled: a client guessing tokens is refused
// with 429 after a few failures, without the token even being compared,
// and every 401 is logged with the client's address (issue 14, low).
func TestFailedTokenGuessesThrottled(t *testing.T) {
	var logs bytes.Buffer
	a, _, _ := newWriteAPI(t, Options{AdminToken: token, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	codes := map[int]int{}
	for range 40 {
		r := a.write("PUT", "/v1/articles/vanort-de-pere/sv", newArticle, "Authorization", "Bearer wrong-guess", "Content-Type", "application/json")
		codes[r.Code]++
	}
	if codes[401] == 0 || codes[429] == 0 || codes[401] > 20 {
		t.Errorf("40 wrong tokens from one client: %v, want a few 401 then 429", codes)
	}
	// The right token is refused too while the client is throttled.
	if r := a.put("/v1/articles/vanort-de-pere/sv", newArticle); r.Code != 429 {
		t.Errorf("right token from a throttled client: %d", r.Code)
	}
	// Another client is not affected.
	req := httptest.NewRequest("PUT", "/v1/articles/vanort-de-pere/sv", strings.NewReader(newArticle))
	req.RemoteAddr = "192.0.2.77:4000"
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	a.srv.Handler().ServeHTTP(rec, req)
	if rec.Code != 201 {
		t.Errorf("another client with the right token: %d %s", rec.Code, rec.Body)
	}
	if !regexp.MustCompile(`unauthorized.*client=192\.0\.2\.1`).Match(logs.Bytes()) {
		t.Errorf("401s are not logged with the client address:\n%.600s", logs.String())
	}
	if !regexp.MustCompile(`msg=write.*client=192\.0\.2\.77`).Match(logs.Bytes()) {
		t.Errorf("writes are not logged with the client address:\n%.600s", logs.String())
	}
}

// TestRateLimitIPv6By64: the limiter keys an IPv6 client by its /64, the
// block one subscriber gets (issue 14, low).
func TestRateLimitIPv6By64(t *testing.T) {
	a := newAPI(t, nil, Options{RateLimit: 0.001, RateBurst: 1})
	codes := []int{}
	for _, addr := range []string{"[2001:db8:1:2::1]:1000", "[2001:db8:1:2:ffff::9]:1000", "[2001:db8:1:3::1]:1000"} {
		req := httptest.NewRequest("GET", "/v1/suggest?q=sk", nil)
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		a.srv.Handler().ServeHTTP(rec, req)
		codes = append(codes, rec.Code)
	}
	if codes[0] != 200 || codes[1] != 429 || codes[2] != 200 {
		t.Errorf("IPv6 clients: %v, want 200 (first), 429 (same /64), 200 (next /64)", codes)
	}
}

// TestOptionsOnlyOnRealRoutes: OPTIONS on an unknown path is a 404
// problem; on a real route it is 204 with the route's real Allow (issue
// 14, low).
func TestOptionsOnlyOnRealRoutes(t *testing.T) {
	a, _, _ := newWriteAPI(t, Options{AdminToken: token})
	for _, tt := range []struct {
		path  string
		code  int
		allow string
	}{
		{"/nope", 404, ""},
		{"/v1/articles/", 404, ""},
		{"/v1/articles", 204, "GET, HEAD, OPTIONS"},
		{"/v1/articles/x/sv", 204, "DELETE, OPTIONS, PUT"},
	} {
		r := a.do("OPTIONS", tt.path)
		if r.Code != tt.code || r.Header().Get("Allow") != tt.allow {
			t.Errorf("OPTIONS %s: %d Allow %q, want %d %q", tt.path, r.Code, r.Header().Get("Allow"), tt.code, tt.allow)
		}
		if tt.code == 404 && !strings.Contains(r.Header().Get("Content-Type"), "problem+json") {
			t.Errorf("OPTIONS %s: not a problem", tt.path)
		}
	}
}

// TestDemoPageSecurityHeaders: the demo page sends a strict CSP whose
// hashes allow exactly its own stylesheet and the widget's, nosniff, and
// frame-ancestors from the options (issue 14, low).
func TestDemoPageSecurityHeaders(t *testing.T) {
	for _, tt := range []struct{ opt, want string }{
		{"", "frame-ancestors 'self'"},
		{"https://www.example.se", "frame-ancestors https://www.example.se"},
	} {
		a := newAPI(t, nil, Options{FrameAncestors: tt.opt})
		for _, target := range []string{"/", "/?q=skola"} {
			r := a.get(target)
			csp := r.Header().Get("Content-Security-Policy")
			if r.Code != 200 || !strings.Contains(csp, tt.want) || !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("%s: %d CSP %q", target, r.Code, csp)
			}
			if r.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: no nosniff", target)
			}
			page := string(r.body)
			style := page[strings.Index(page, "<style>")+7 : strings.Index(page, "</style>")]
			if !strings.Contains(csp, "'sha256-"+hash(style)+"'") {
				t.Errorf("%s: CSP does not allow the page's stylesheet", target)
			}
			js := string(widget.Script())
			i := strings.Index(js, "const STYLE = `") + len("const STYLE = `")
			if !strings.Contains(csp, "'sha256-"+hash(js[i:i+strings.Index(js[i:], "`")])+"'") {
				t.Errorf("%s: CSP does not allow the widget's stylesheet", target)
			}
		}
	}
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}
