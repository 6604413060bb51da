package main

import (
	"math/rand/v2"
	"net/http"
	"testing"
)

// TestAbuseRequestsAreUnique checks the property the abuse scenario relies
// on: no two requests share their URL or their junk header, every route
// is reached, and junk methods are valid tokens Go's client will send.
func TestAbuseRequestsAreUnique(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	urls := make(map[string]bool)
	routes := make(map[string]bool)
	methods := make(map[string]int)
	const n = 3000
	for seq := range uint64(n) {
		req, route := abuseRequest(r, "http://127.0.0.1:1", "some-article", seq+1)
		u := req.Method + " " + req.URL.String()
		if urls[u] {
			t.Fatalf("request %d repeats %.100s", seq, u)
		}
		urls[u] = true
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
