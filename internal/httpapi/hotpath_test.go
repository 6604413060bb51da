package httpapi

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestGeneratedRequestIDs: ids handed out from blocks are unique across
// concurrent requests, carry the server's prefix, and each is a header
// value of its own (capacity one: an append cannot reach a neighbour).
func TestGeneratedRequestIDs(t *testing.T) {
	a := newAPI(t, nil, Options{})
	const workers, each = 8, 3 * idBlockLen
	var mu sync.Mutex
	seen := make(map[string]bool)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				v := a.srv.newID()
				if len(v) != 1 || cap(v) != 1 || !strings.HasPrefix(v[0], a.srv.idPrefix) {
					t.Errorf("id %q: len %d, cap %d", v, len(v), cap(v))
					return
				}
				mu.Lock()
				if seen[v[0]] {
					t.Errorf("id %s handed out twice", v[0])
				}
				seen[v[0]] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != workers*each {
		t.Errorf("%d ids, want %d", len(seen), workers*each)
	}
	r := a.get("/healthz")
	if id := r.Header().Get("X-Request-ID"); !strings.HasPrefix(id, a.srv.idPrefix) {
		t.Errorf("generated X-Request-ID %q", id)
	}
}

// TestArticleHitAllocations: a cached article costs the router at most one
// allocation (the decoded query string), so that Tolk adds little to what
// net/http itself allocates per request; the collector's share of a read
// grows with every byte allocated, and Tolk's heap is large.
func TestArticleHitAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	a := newAPI(t, nil, Options{})
	h := a.srv.Handler()
	for _, tt := range []struct{ name, target, header, value string }{
		{"sv", "/v1/articles/internationellt-arbete?lang=sv", "", ""},
		{"gzip", "/v1/articles/internationellt-arbete?lang=sv", "Accept-Encoding", "gzip"},
		{"negotiated", "/v1/articles/internationellt-arbete", "Accept-Language", "en-GB,en;q=0.9"},
		{"min-seq applied", "/v1/articles/internationellt-arbete?lang=sv", "Tolk-Min-Seq", "0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", tt.target, nil)
			if tt.header != "" {
				req.Header.Set(tt.header, tt.value)
			}
			w := &discard{h: make(http.Header)}
			h.ServeHTTP(w, req)
			allocs := testing.AllocsPerRun(200, func() {
				clear(w.h)
				h.ServeHTTP(w, req)
			})
			if allocs > 1 {
				t.Errorf("%.1f allocations per cached article, want at most 1", allocs)
			}
		})
	}
}

// TestGzipOnlyWhenAsked: a representation is compressed the first time a
// client asks for gzip, never for clients that do not (most answers to a
// scanner's junk are made once and sent once), and the compressed variant
// keeps an ETag of its own.
func TestGzipOnlyWhenAsked(t *testing.T) {
	a := newAPI(t, nil, Options{})
	const target = "/v1/articles/internationellt-arbete?lang=sv"
	plain := a.get(target)
	if plain.Code != 200 || plain.Header().Get("Content-Encoding") != "" {
		t.Fatalf("plain: %d %q", plain.Code, plain.Header().Get("Content-Encoding"))
	}
	v, ok := a.srv.current().reps.Load(articleKey("internationellt-arbete"))
	if !ok {
		t.Fatal("the article's representation is not cached")
	}
	l := v.(*articleReps).list.Load()
	if l == nil || len(*l) != 1 {
		t.Fatalf("cached representations: %v", l)
	}
	r := (*l)[0].rep
	if !r.compressible() || r.gz != nil {
		t.Fatalf("compressible %v; compressed before any client asked: %v", r.compressible(), r.gz != nil)
	}
	zipped := a.get(target, "Accept-Encoding", "gzip")
	if zipped.Header().Get("Content-Encoding") != "gzip" || r.gz == nil {
		t.Fatalf("gzip: Content-Encoding %q, compressed %v", zipped.Header().Get("Content-Encoding"), r.gz != nil)
	}
	if e := zipped.Header().Get("ETag"); e == plain.Header().Get("ETag") || e != r.gz.etag {
		t.Errorf("gzip ETag %q, identity %q", e, plain.Header().Get("ETag"))
	}
	if !bytes.Equal(zipped.body, plain.body) {
		t.Error("the gzip body differs from the identity body")
	}
}
