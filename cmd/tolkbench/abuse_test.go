package main

import (
	"bufio"
	"bytes"
	"context"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestAbuseRequestsAreUnique checks the property the abuse scenario relies
// on: every request is one net/http reads as sent, no two requests share
// their method and target or their junk header, every route is reached,
// and junk methods are valid tokens.
func TestAbuseRequestsAreUnique(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	g := newJunkGen(r, newJunkPool(r))
	urls := make(map[string]bool)
	headers := make(map[string]bool)
	routes := make(map[string]bool)
	methods := make(map[string]int)
	const n = 3000
	for seq := range uint64(n) {
		wire, method, head, route := g.request("127.0.0.1:1", "some-article", seq+1)
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(wire)))
		if err != nil {
			t.Fatalf("request %d: net/http cannot read it: %v\n%.300s", seq, err, wire)
		}
		if method != "" && req.Method != method || head != (req.Method == http.MethodHead) {
			t.Fatalf("request %d: method %.20q, head %v; the wire says %.20q", seq, method, head, req.Method)
		}
		if _, err := url.ParseQuery(req.URL.RawQuery); err != nil {
			t.Fatalf("request %d: query does not decode: %v", seq, err)
		}
		if _, err := url.PathUnescape(req.URL.EscapedPath()); err != nil {
			t.Fatalf("request %d: path does not decode: %v", seq, err)
		}
		for k, vs := range req.Header {
			if !utf8.ValidString(vs[0]) {
				t.Fatalf("request %d: header %s is not UTF-8: %.60q", seq, k, vs[0])
			}
		}
		u := req.Method + " " + req.RequestURI
		if urls[u] {
			t.Fatalf("request %d repeats %.100s", seq, u)
		}
		urls[u] = true
		for k := range req.Header {
			if strings.HasPrefix(k, "X") && k != "X-Request-Id" {
				if headers[k] {
					t.Fatalf("request %d repeats the header %s", seq, k)
				}
				headers[k] = true
			}
		}
		if ua := "User-Agent: " + req.Header.Get("User-Agent"); headers[ua] {
			t.Fatalf("request %d repeats its User-Agent", seq)
		} else {
			headers[ua] = true
		}
		routes[route] = true
		switch req.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			methods[req.Method]++
		default:
			methods["junk"]++
		}
	}
	if len(routes) != len(abuseRoutes) {
		t.Errorf("reached %d routes of %d", len(routes), len(abuseRoutes))
	}
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodOptions, "junk"} {
		if methods[m] == 0 {
			t.Errorf("no %s requests in %d", m, n)
		}
	}
}

// TestAbuseClient sends junk over one abuseClient to a real server and
// checks that the connection stays in step across HEAD answers (framing
// headers, no body), bodies and closes, and that it reconnects from a new
// address.
func TestAbuseClient(t *testing.T) {
	peers := make(chan string, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		peers <- host
		if len(r.Method) > 10 {
			w.Header().Set("Connection", "close")
		}
		w.Write([]byte("a body a HEAD answer must not carry"))
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r := rand.New(rand.NewPCG(3, 4))
	g := newJunkGen(r, newJunkPool(r))
	c := &abuseClient{addr: addr}
	defer c.close()
	c.move(net.IPv4(127, 0, 0, 1))
	for seq := range uint64(60) {
		if seq == 30 {
			c.move(net.IPv4(127, 0, 0, 2))
		}
		wire, _, head, _ := g.request(addr, "x", seq+1)
		status, err := c.send(ctx, wire, head)
		if err != nil || status != http.StatusOK {
			t.Fatalf("request %d (%s): %d, %v", seq, requestLine(wire), status, err)
		}
		want := "127.0.0.1"
		if seq >= 30 {
			want = "127.0.0.2"
		}
		if got := <-peers; got != want {
			t.Fatalf("request %d came from %s, want %s", seq, got, want)
		}
	}
}
