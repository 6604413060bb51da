package httpapi

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// abuseRoutes are the GET routes with the parameters each reads and a
// valid value of each, as cmd/tolkbench's abuse scenario sends them.
var abuseRoutes = []struct {
	path   string
	params [][2]string
}{
	{"/", [][2]string{{"lang", "sv"}, {"q", "skola"}}},
	{"/widget.js", nil},
	{"/healthz", nil},
	{"/readyz", nil},
	{"/metrics", nil},
	{"/openapi.json", nil},
	{"/v1/languages", nil},
	{"/v1/articles", [][2]string{{"fallback", "none"}, {"lang", "en"}, {"page", "1"}, {"per_page", "100"}, {"preview", "true"}, {"slug", "x"}, {"sort", "title"}, {"tag", "international"}}},
	{"/v1/articles/internationellt-arbete", [][2]string{{"fallback", "none"}, {"lang", "zh-TW"}, {"preview", "true"}}},
	{"/v1/search", [][2]string{{"lang", "en"}, {"page", "1"}, {"per_page", "10"}, {"q", "school"}, {"tag", "international"}}},
	{"/v1/suggest", [][2]string{{"lang", "sv"}, {"q", "sko"}}},
	{"/v1/translations", [][2]string{{"page", "1"}, {"per_page", "100"}}},
	{"/v1/changes", [][2]string{{"limit", "1000"}, {"since", ""}}},
	{"/v1/feed.atom", [][2]string{{"lang", "sv"}, {"tag", "international"}}},
	{"/v1/sitemap.xml", nil},
	{"/v1/no-such-route", nil},
}

// junkRequest returns request seq of the abuse mix: a random GET route,
// half with valid parameters and half with junk ones, an unknown parameter,
// junk in every header, and a junk method in one request of five, from a
// client address that changes every 100 requests.
func junkRequest(r *rand.Rand, seq uint64, route int) *http.Request {
	junk := func(n int) string {
		const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~åäö学校"
		runes := []rune(alphabet)
		var b strings.Builder
		b.WriteString(strconv.FormatUint(seq, 10) + "-")
		for b.Len() < n {
			b.WriteRune(runes[r.IntN(len(runes))])
		}
		return b.String()
	}
	token := func(n int) string {
		var b strings.Builder
		b.WriteString("X" + strconv.FormatUint(seq, 10))
		for b.Len() < n {
			b.WriteByte(byte('A' + r.IntN(26)))
		}
		return b.String()
	}
	if route < 0 {
		route = r.IntN(len(abuseRoutes))
	}
	rt := abuseRoutes[route]
	path := rt.path
	if strings.HasPrefix(path, "/v1/articles/") && r.IntN(4) == 0 {
		path = "/v1/articles/" + url.PathEscape(junk(1+r.IntN(200)))
	}
	q := url.Values{}
	valid := r.IntN(2) == 0
	for _, kv := range rt.params {
		switch {
		case !valid:
			q.Set(kv[0], junk(1+r.IntN(300)))
		case kv[1] != "":
			q.Set(kv[0], kv[1])
		}
	}
	if rt.path == "/v1/feed.atom" && valid && r.IntN(2) == 0 {
		q.Set("tag", junk(1000+r.IntN(20_000)))
	}
	q.Set(junk(1+r.IntN(40)), junk(r.IntN(400)))
	method := http.MethodGet
	switch n := r.IntN(10); {
	case n == 0:
		method = http.MethodHead
	case n == 1:
		method = http.MethodOptions
	case n <= 3:
		method = token(2 + r.IntN(2000))
	}
	u := &url.URL{Path: path, RawPath: path, RawQuery: q.Encode()}
	req := &http.Request{
		Method: method, URL: u, RequestURI: u.RequestURI(), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Host: "tolk.test", Header: http.Header{}, Body: http.NoBody,
		RemoteAddr: fmt.Sprintf("127.%d.%d.%d:4242", seq/100%250, seq/100/250%256, 1+seq%250),
	}
	h := req.Header
	h.Set("Accept-Language", junk(1+r.IntN(300))+";q=0."+strconv.Itoa(r.IntN(10))+", zh-HK")
	h.Set("If-None-Match", `"`+junk(1+r.IntN(100))+`"`)
	h.Set("X-Request-ID", junk(1+r.IntN(200)))
	h.Set("Origin", "https://"+token(8)+".example")
	h.Set("User-Agent", junk(1+r.IntN(300)))
	h.Set(token(4+r.IntN(40)), junk(r.IntN(1000)))
	if r.IntN(8) == 0 {
		h.Set("Authorization", "Bearer "+junk(1+r.IntN(100)))
	}
	if r.IntN(2) == 0 {
		h.Set("Accept-Encoding", "gzip")
	}
	return req
}

// BenchmarkJunk measures the server's cost of one request of the abuse
// mix (junk in every parameter, header and method of every GET route),
// every request unique, through the full router with the default rate
// limit: mix sends to every route, the others to one each. The requests
// are built in batches outside the timer.
func BenchmarkJunk(b *testing.B) {
	a := newAPI(b, nil, Options{RateLimit: 20, RateBurst: 40})
	h := a.srv.Handler()
	var seq uint64
	run := func(b *testing.B, route int) {
		r := rand.New(rand.NewPCG(7, uint64(route+1)))
		batch := make([]*http.Request, 500)
		fill := func() {
			for i := range batch {
				seq++
				batch[i] = junkRequest(r, seq, route)
			}
		}
		w := &discard{h: make(http.Header)}
		fill()
		b.ReportAllocs()
		cpu := startCPU()
		defer cpu.report(b)
		i := 0
		for b.Loop() {
			if i == len(batch) {
				b.StopTimer()
				cpu.stop()
				fill()
				i = 0
				cpu.start()
				b.StartTimer()
			}
			clear(w.h)
			h.ServeHTTP(w, batch[i])
			i++
		}
	}
	b.Run("mix", func(b *testing.B) { run(b, -1) })
	for i, rt := range abuseRoutes {
		name := strings.Trim(strings.NewReplacer("/v1/", "", "/", "-", ".", "-").Replace(rt.path), "-")
		b.Run(cmp.Or(name, "demo"), func(b *testing.B) { run(b, i) })
	}
}
