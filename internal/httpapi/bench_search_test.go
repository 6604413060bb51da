package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode"

	"github.com/amal-kommun/tolk/index"
)

// distinctSearches returns n distinct two-word searches over the words of
// the served titles and summaries, the languages in turn, as index
// requests and as request targets.
func distinctSearches(tb testing.TB, a *api, n int) ([]index.Request, []string) {
	tb.Helper()
	cur := a.srv.current()
	words := map[string][]string{}
	seen := map[string]bool{}
	langs := []string{"sv", "en", "zh-Hans"}
	for _, l := range langs {
		for _, v := range cur.lib.PublicVersions(l) {
			text := v.Title + " " + v.Summary
			var ws []string
			if l == "zh-Hans" {
				rs := []rune(strings.Map(func(r rune) rune {
					if unicode.Is(unicode.Han, r) {
						return r
					}
					return -1
				}, text))
				for i := 0; i+2 <= len(rs); i += 2 {
					ws = append(ws, string(rs[i:i+2]))
				}
			} else {
				ws = strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) })
			}
			for _, w := range ws {
				if len(w) > 2 && !seen[l+w] {
					seen[l+w] = true
					words[l] = append(words[l], w)
				}
			}
		}
	}
	var reqs []index.Request
	var targets []string
	used := map[string]bool{}
	for i := 0; len(reqs) < n && i < 8*n; i++ {
		l := langs[i%len(langs)]
		ws := words[l]
		k := i / len(langs)
		q := ws[k%len(ws)] + " " + ws[(k/len(ws)+1+k*7)%len(ws)]
		if used[l+q] {
			continue
		}
		used[l+q] = true
		reqs = append(reqs, index.Request{Query: q, Langs: []string{l}, Page: 1, PerPage: 10})
		targets = append(targets, "/v1/search?"+url.Values{"q": {q}, "lang": {l}}.Encode())
	}
	if len(reqs) < n {
		tb.Fatalf("%d distinct searches, want %d", len(reqs), n)
	}
	return reqs, targets
}

// BenchmarkSearchDistinct measures searches that are never repeated (the
// answer cache out of play) through the whole router, and the same
// searches in the index alone: the difference is the HTTP share of a
// search. b.N must stay at most the number of distinct searches
// (-benchtime 3000x).
func BenchmarkSearchDistinct(b *testing.B) {
	a := newAPI(b, nil, Options{})
	const n = 3000
	reqs, targets := distinctSearches(b, a, n)
	b.Run("engine", func(b *testing.B) {
		ix := a.srv.current().ix
		b.ReportAllocs()
		defer reportCPU(b)()
		i := 0
		for b.Loop() {
			if _, err := ix.Search(context.Background(), reqs[i%n]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("http", func(b *testing.B) {
		if b.N > n {
			b.Fatalf("b.N %d: at most %d distinct searches", b.N, n)
		}
		a := newAPI(b, nil, Options{}) // an empty answer cache
		h := a.srv.Handler()
		w := &discard{h: make(http.Header)}
		rs := make([]*http.Request, n)
		for i, t := range targets {
			rs[i] = httptest.NewRequest("GET", t, nil)
		}
		b.ReportAllocs()
		defer reportCPU(b)()
		i := 0
		for b.Loop() {
			clear(w.h)
			h.ServeHTTP(w, rs[i])
			i++
		}
	})
}
