package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/amal-kommun/tolk/internal/article"
)

// TestSuggesterWith applies random additions, replacements and removals
// to a table with with, and checks after each that it equals the table
// newSuggester makes of the same versions.
func TestSuggesterWith(t *testing.T) {
	titles := []string{"Åmål och Dunhuang", "Skolan i Åmål", "敦煌市欢迎您", "The school, the school", "De Pere", "Vänorter 2024", "国际合作与友好城市", "Åmål"}
	r := rand.New(rand.NewPCG(1, 2))
	docs := make(map[string]*article.Version)
	s := newSuggester(docs)
	for step := range 400 {
		id := fmt.Sprintf("a%d", r.IntN(12))
		lang := []string{"sv", "en", "zh-Hans"}[r.IntN(3)]
		key := docID(id, lang)
		old := docs[key]
		var v *article.Version
		if r.IntN(4) > 0 {
			v = &article.Version{ID: id, Lang: lang, Title: titles[r.IntN(len(titles))]}
			docs[key] = v
		} else if old != nil {
			delete(docs, key)
		} else {
			continue
		}
		s = s.with(old, v)
		want := newSuggester(docs)
		if diff := cmp.Diff(want, s, cmp.AllowUnexported(suggester{}, sugEntry{})); diff != "" {
			t.Fatalf("step %d (%s, old %v, new %v) (-rebuilt +with):\n%s", step, key, old != nil, v != nil, diff)
		}
	}
}

// TestSuggestPinyin finds the Chinese titles of the relevance corpus by
// the pinyin typed so far (issue 15: dun found nothing).
func TestSuggestPinyin(t *testing.T) {
	ix := openTest(t, loadTree(t, "testdata/relevance/content"))
	for _, prefix := range []string{"dun", "dunhuang", "Dunhuang"} {
		got := ix.Suggest(context.Background(), prefix, []string{"zh-Hans"}, 8)
		ids := map[string]bool{}
		for _, s := range got {
			ids[s.ID] = true
		}
		for _, want := range []string{"samarbete-dunhuang", "dunhuang-delegation-2024", "mogao-utstallning-biblioteket"} {
			if !ids[want] {
				t.Errorf("Suggest(%q) = %v, lacks %s", prefix, got, want)
			}
		}
	}
	// Across languages each article once.
	got := ix.Suggest(context.Background(), "dunhuang", nil, 8)
	seen := map[string]bool{}
	for _, s := range got {
		if seen[s.ID] {
			t.Errorf("Suggest(dunhuang) in every language lists %s twice: %v", s.ID, got)
		}
		seen[s.ID] = true
	}
}
