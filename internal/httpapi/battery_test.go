package httpapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

// hostile is one request a scanner or a broken client might send.
type hostile struct {
	method, target string
	header         map[string]string
	body           string
}

// hostileRequests returns the battery: at least 200 requests that must
// never produce a 5xx, a stack trace or a server path.
func hostileRequests() []hostile {
	var hs []hostile
	add := func(method, target string, kv ...string) {
		h := hostile{method: method, target: target, header: map[string]string{}}
		for i := 0; i+1 < len(kv); i += 2 {
			h.header[kv[i]] = kv[i+1]
		}
		hs = append(hs, h)
	}
	params := []string{"lang", "q", "tag", "page", "per_page", "sort", "slug", "fallback", "since", "limit", "preview"}
	values := []string{
		"%00", "%ff%fe", "%c0%af", "%zz", "%", "", "%20", strings.Repeat("a", 5000), "-1", "0", "1e9", "99999999999999999999",
		"NaN", "1.5", "../../etc/passwd", "..%2f..%2fetc%2fpasswd", "%3Cscript%3Ealert(1)%3C/script%3E", "'%20OR%201=1--",
		"title:x", "%2Ba%20-b", "/.*/", "a*", "a~2", "*", "all", "zh-Hant-TW-x-private", "\u202e", "%e2%80%ae", "%ef%bb%bf",
	}
	for _, p := range params {
		for _, v := range values {
			add("GET", "/v1/articles?"+p+"="+v)
		}
	}
	for _, route := range []string{"/v1/search", "/v1/suggest"} {
		for _, q := range []string{
			strings.Repeat("x", 201), strings.Repeat("%e6%95%a6", 201), "title:x%20%2Ba%20-b%20/.*/%20a*%20a~2",
			strings.Repeat("(", 200), strings.Repeat("%22", 200), strings.Repeat("-", 200), "%00", "%ff", "AND%20OR%20NOT",
			"*:*", "_all:x", "+-+-+-", "%5C", "%5Cu0000", "a%0d%0aSet-Cookie:x=y", strings.Repeat("a%20", 66),
		} {
			add("GET", route+"?q="+q)
			add("GET", route+"?q="+q+"&lang=all")
		}
		add("GET", route+"?q=x&page=10001")
		add("GET", route+"?q=x&page=201&per_page=50")
		add("GET", route+"?q=x&per_page=-5")
		add("GET", route+"?q=x&tag=%00")
	}
	for _, id := range []string{
		"..", "../site.yaml", "..%2f..%2fetc%2fpasswd", "%2e%2e", "%00", "a%00b", strings.Repeat("a", 10000), "INTERNATIONELLT-ARBETE",
		"internationellt-arbete%2f..%2f..", "%ff", "con", ".git", "%2Fetc%2Fpasswd", "%5c..%5c..",
	} {
		add("GET", "/v1/articles/"+id)
		add("GET", "/v1/articles/"+id+"?lang=sv")
		add("PUT", "/v1/articles/"+id+"/sv")
		add("DELETE", "/v1/articles/"+id+"/..")
	}
	for _, h := range [][]string{
		{"Accept-Language", strings.Repeat("zh-HK,", 3000)},
		{"Accept-Language", strings.Repeat("a", 60000)},
		{"Accept-Language", "\x00\x01\x02"},
		{"Accept-Language", "zh-;q=abc,;;;,*;q=-1,en;q=2"},
		{"Accept-Language", "\xff\xfe"},
		{"Accept-Encoding", strings.Repeat("gzip;q=0.5,", 3000)},
		{"If-None-Match", strings.Repeat(`"x",`, 5000)},
		{"If-None-Match", "*"},
		{"X-Request-ID", strings.Repeat("x", 10000)},
		{"X-Request-ID", "a\x00b"},
		{"X-Forwarded-For", "1.2.3.4, garbage, ::1, 999.999.999.999"},
		{"Origin", "null"},
		{"Authorization", "Bearer " + strings.Repeat("x", 10000)},
		{"Authorization", "Basic YWRtaW46YWRtaW4="},
		{"Content-Type", "application/json; charset=utf-7"},
		{"Range", "bytes=0-1,2-3,4-5"},
	} {
		add("GET", "/v1/articles/internationellt-arbete", h...)
		add("GET", "/v1/search?q=skola", h...)
	}
	for _, m := range []string{"POST", "PATCH", "TRACE", "CONNECT", "PROPFIND", "OPTIONS", "DELETE", "PUT"} {
		add(m, "/v1/articles")
		add(m, "/v1/search?q=x")
		add(m, "/healthz")
	}
	for _, p := range []string{"/", "/admin", "/.env", "/wp-login.php", "/v1/", "/v1/articles/", "//v1//articles", "/v1/articles/x/y/z",
		"/v1/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/v1/articles/x/zh-Hant", "/metrics/../openapi.json", "/v1/sitemap.xml/x"} {
		add("GET", p)
	}
	bodies := []string{"", "{", "null", "[]", `{"title": 5}`, strings.Repeat("[", 100000), `{"title":"x","slug":"../../x","published":"2020-01-01"}`,
		"\x00\x01", `{"title":"` + strings.Repeat("a", 2<<20) + `"}`}
	for _, b := range bodies {
		hs = append(hs, hostile{method: "PUT", target: "/v1/articles/x/sv", header: map[string]string{"Content-Type": "application/json", "Authorization": "Bearer wrong"}, body: b})
		hs = append(hs, hostile{method: "PUT", target: "/v1/articles/x/sv", header: map[string]string{"Content-Type": "application/json"}, body: b})
	}
	return hs
}

var leakRE = regexp.MustCompile(`goroutine \d|\.go:\d|/work/|/root/|/home/|runtime\.|panic`)

func TestHostileBattery(t *testing.T) {
	a := newAPI(t, nil, Options{})
	reqs := hostileRequests()
	if len(reqs) < 200 {
		t.Fatalf("only %d hostile requests", len(reqs))
	}
	for i, h := range reqs {
		req := httptest.NewRequest("GET", "/", nil)
		req.Method = h.method
		u, err := req.URL.Parse(h.target)
		if err != nil {
			t.Fatalf("request %d %q: %v", i, h.target, err)
		}
		req.URL = u
		req.RequestURI = h.target
		for k, v := range h.header {
			req.Header.Set(k, v)
		}
		if h.body != "" {
			req.Body = http.NoBody
			req.Body = ioNopCloser(strings.NewReader(h.body))
			req.ContentLength = int64(len(h.body))
		}
		rec := httptest.NewRecorder()
		start := time.Now()
		a.srv.Handler().ServeHTTP(rec, req)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s %.80s took %s", h.method, h.target, d)
		}
		body := rec.Body.Bytes()
		if rec.Code >= 500 {
			t.Errorf("%s %.80s: %d %s", h.method, h.target, rec.Code, body)
		}
		if leakRE.Match(body) && !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain; version") {
			t.Errorf("%s %.80s: body leaks internals: %.300s", h.method, h.target, body)
		}
		if rec.Code >= 400 {
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("%s %.80s: %d with Content-Type %q", h.method, h.target, rec.Code, ct)
				continue
			}
			var p Problem
			if err := json.Unmarshal(body, &p); err != nil || p.Status != rec.Code || p.Code == "" {
				t.Errorf("%s %.80s: bad problem %d %s", h.method, h.target, rec.Code, body)
			}
		}
	}
	if a.get("/healthz").Code != 200 || a.get("/v1/articles/internationellt-arbete").Code != 200 {
		t.Fatal("server no longer answers after the battery")
	}
	t.Logf("%d hostile requests, no 5xx, no leaks", len(reqs))
}

// TestNetHTTPLimits sends what net/http itself rejects over a real
// connection: the contract allows its plain-text 400 and 431, nothing else.
func TestNetHTTPLimits(t *testing.T) {
	a := newAPI(t, nil, Options{})
	srv := httptest.NewUnstartedServer(a.srv.Handler())
	srv.Config.MaxHeaderBytes = 64 << 10
	srv.Start()
	defer srv.Close()
	for _, raw := range []string{
		"GET /v1/articles HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 70<<10) + "\r\n\r\n",
		"GET /v1/articles\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
		"GARBAGE\r\n\r\n",
		"GET /v1/articles HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
	} {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprint(conn, raw)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		conn.Close()
		if err != nil {
			t.Fatalf("%.40q: %v", raw, err)
		}
		if resp.StatusCode != 400 && resp.StatusCode != 431 {
			t.Errorf("%.40q: status %d", raw, resp.StatusCode)
		}
	}
	// A header just under 64 KiB is served.
	req, _ := http.NewRequest("GET", srv.URL+"/v1/languages", nil)
	req.Header.Set("X-Pad", strings.Repeat("a", 60<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("60 KiB header: %v %v", err, resp)
	}
	resp.Body.Close()
	_ = bytes.MinRead
}
