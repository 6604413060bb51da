package index

import (
	"context"
	"testing"

	"github.com/amal-kommun/tolk/internal/article"
)

// TestLevenshtein checks the distance typos are matched with: a swap of
// neighbouring letters is one edit.
func TestLevenshtein(t *testing.T) {
	tests := []struct {
		a, b string
		k    int
		want int
	}{
		{"dunhuang", "dunhaung", 2, 1},
		{"teachers", "teahcers", 2, 1},
		{"swimming", "swimmign", 2, 1},
		{"skolan", "sklan", 1, 1},
		{"delegation", "delgation", 2, 1},
		{"delegation", "delegaton", 2, 1},
		{"abc", "abc", 1, 0},
		{"abc", "cab", 1, 2},
		{"ca", "abc", 3, 3},
		{"kitten", "sitting", 3, 3},
		{"kitten", "sitting", 1, 2}, // k+1 as soon as it must exceed k
		{"", "ab", 2, 2},
		{"ab", "", 2, 2},
	}
	for _, tt := range tests {
		a := []rune(tt.a)
		if got := levenshtein(a, tt.b, tt.k, make([]int, 3*(len(a)+1))); got != tt.want {
			t.Errorf("levenshtein(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.k, got, tt.want)
		}
	}
}

// TestTypoSurface finds words of bodies by typos of the words as written,
// transpositions included, in an index as built and after an Upsert.
func TestTypoSurface(t *testing.T) {
	ctx := context.Background()
	ix := openTest(t, fixture())
	for _, c := range []struct{ q, lang, want string }{
		{"augsuti", "sv", "skola"},            // augusti, a transposition
		{"läkemdelsrobotar", "sv", "valfard"}, // in the body only, inflected
		{"municipalty", "en", "valfard"},      // Municipality, stem municip
	} {
		res := find(t, ix, c.q, c.lang)
		if len(res.Hits) == 0 || res.Hits[0].ID != c.want {
			t.Errorf("search %q in %s: %+v, want %s first", c.q, c.lang, res.Hits, c.want)
		}
	}
	v := &article.Version{ID: "ny", Lang: "sv", Title: "Nytt", Text: "Cykelbanorna öppnar i maj."}
	if err := ix.Upsert(ctx, v); err != nil {
		t.Fatal(err)
	}
	if res := find(t, ix, "cykelbaonrna", "sv"); len(res.Hits) == 0 || res.Hits[0].ID != "ny" {
		t.Errorf("typo of a word upserted: %+v, want ny", res.Hits)
	}
}
