package main

import (
	"net/url"
	"strings"
	"testing"
)

// TestDistinctQueries checks the distinct-query route's pool: every
// request is a different query, in every stored language, made of words
// of the generated corpus.
func TestDistinctQueries(t *testing.T) {
	const n, count = 50, 5000
	reqs := distinctQueries(n, count)
	if len(reqs) != count {
		t.Fatalf("%d queries, want %d", len(reqs), count)
	}
	words := corpusWords(n)
	seen := map[string]bool{}
	langs := map[string]int{}
	for _, r := range reqs {
		if seen[r.path] {
			t.Fatalf("query repeated: %s", r.path)
		}
		seen[r.path] = true
		u, err := url.Parse(r.path)
		if err != nil || u.Path != "/v1/search" {
			t.Fatalf("bad request %q: %v", r.path, err)
		}
		lang, q := u.Query().Get("lang"), u.Query().Get("q")
		langs[lang]++
		for _, w := range strings.Fields(q) {
			if !containsWord(words[lang], w) {
				t.Errorf("%s query %q: %q is not a word of the corpus", lang, q, w)
			}
		}
	}
	for _, l := range []string{"sv", "en", "zh-Hans"} {
		if langs[l] < count/4 {
			t.Errorf("%d %s queries of %d", langs[l], l, count)
		}
	}
}

func containsWord(ws []string, w string) bool {
	for _, x := range ws {
		if x == w {
			return true
		}
	}
	return false
}

// TestRotationNeverRepeats checks that successive measurements of the
// distinct route on one server start past every request sent before.
func TestRotationNeverRepeats(t *testing.T) {
	r := &rotation{reqs: make([]request, 1000), next: map[string]int{}}
	for i := range r.reqs {
		r.reqs[i].path = string(rune('a'+i%26)) + strings.Repeat("x", i)
	}
	first := r.take("tolk")[0].path
	r.used("tolk", 160, 16) // 10 per client
	if got := r.take("tolk"); got[0].path == first || got[0].path != r.reqs[21].path {
		t.Errorf("next measurement starts at %q, want request 21", got[0].path[:1])
	}
	if got := r.take("baseline"); got[0].path != first {
		t.Error("servers share a position")
	}
}
