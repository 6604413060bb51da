package index

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/amal-kommun/tolk/internal/article"
)

// TestTiesAreStable builds the same index from versions inserted in
// different orders and checks that every ranking, equal scores included,
// is the same: hits of equal score are ordered by a key of their article,
// not by document number, which depends on how the build was batched.
func TestTiesAreStable(t *testing.T) {
	// Versions that score the same for "skola": the same title and text.
	var vs []*article.Version
	for i := range 40 {
		id := fmt.Sprintf("a%02d", i)
		vs = append(vs,
			&article.Version{ID: id, Lang: "sv", Title: "Skola", Text: "Om skolan i Åmål."},
			&article.Version{ID: id, Lang: "en", Title: "School", Text: "About the school in Åmål. Skola."})
	}
	reqs := []Request{
		{Query: "skola", Langs: []string{"sv"}, PerPage: MaxPerPage},       // one language: Bleve ranks
		{Query: "skola", Langs: []string{"sv"}, PerPage: 7, Page: 3},       // a page cut through the ties
		{Query: "skola", PerPage: MaxPerPage},                              // every language: grouped
		{Query: "skola", Langs: []string{"sv", "en"}, PerPage: 5, Page: 2}, // grouped, one page
	}
	rankings := func(vs []*article.Version) [][]string {
		ix := openTest(t, vs)
		var out [][]string
		for _, r := range reqs {
			res, err := ix.Search(context.Background(), r)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, h := range res.Hits {
				ids = append(ids, h.Lang+"/"+h.ID)
			}
			out = append(out, ids)
		}
		return out
	}
	want := rankings(vs)
	for i, ids := range want {
		if len(ids) == 0 {
			t.Fatalf("%+v: no hits", reqs[i])
		}
	}
	for build := range 3 {
		vs = slices.Clone(vs)
		if build%2 == 0 {
			slices.Reverse(vs)
		} else {
			vs = append(vs[len(vs)/2:], vs[:len(vs)/2]...)
		}
		for i, ids := range rankings(vs) {
			if !slices.Equal(ids, want[i]) {
				t.Errorf("build %d, %+v:\n got %v\nwant %v", build+2, reqs[i], ids, want[i])
			}
		}
	}
}
