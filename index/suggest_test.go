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

// TestSuggestionsPending applies random additions, replacements and
// removals to a suggestion table with pending writes, folded every few
// writes, and checks after each that folding it gives the table
// newSuggester makes of the same versions, and that it suggests what
// that table suggests, while a table taken before the writes still
// suggests what it did.
func TestSuggestionsPending(t *testing.T) {
	titles := []string{"Åmål och Dunhuang", "Skolan i Åmål", "敦煌市欢迎您", "The school, the school", "De Pere", "Vänorter 2024",
		"国际合作与友好城市", "Åmål", "Skolans vänort", "Dunhuang school exchange", "敦煌学校交流", "Skola"}
	prefixes := []string{"å", "åmål", "amal", "s", "sk", "skolan", "the", "school ex", "d", "dun", "dunhuang", "敦", "学校", "国际", "v", "2024", "de p", "x"}
	langSets := [][]string{nil, {"sv"}, {"zh-Hans"}, {"en", "sv"}}
	for _, limit := range []int{1, 3, 16} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(limit), 7))
			docs := make(map[string]*article.Version)
			for i := range 30 {
				v := &article.Version{ID: fmt.Sprintf("a%d", i), Lang: []string{"sv", "en", "zh-Hans"}[i%3], Title: titles[r.IntN(len(titles))]}
				docs[docID(v.ID, v.Lang)] = v
			}
			s := suggestionsOf(newSuggester(docs))
			s.limit = limit
			before, beforeWant := s, newSuggester(docs)
			folds := 0
			for step := range 300 {
				id := fmt.Sprintf("a%d", r.IntN(40))
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
				base := s.base
				s = s.with(old, v)
				if s.base != base {
					folds++
				}
				if s.pending() > limit {
					t.Fatalf("step %d: %d pending, limit %d", step, s.pending(), limit)
				}
				want := newSuggester(docs)
				if diff := cmp.Diff(want, s.fold(), cmp.AllowUnexported(suggester{}, sugEntry{})); diff != "" {
					t.Fatalf("step %d (%s, old %v, new %v): folded (-rebuilt +folded):\n%s", step, key, old != nil, v != nil, diff)
				}
				for _, p := range prefixes {
					for _, langs := range langSets {
						if diff := cmp.Diff(want.suggest(p, langs, 0), s.suggest(p, langs, 0)); diff != "" {
							t.Fatalf("step %d: suggest(%q, %v) (-rebuilt +pending):\n%s", step, p, langs, diff)
						}
					}
				}
			}
			if folds == 0 {
				t.Error("no write folded the table")
			}
			for _, p := range prefixes {
				if diff := cmp.Diff(beforeWant.suggest(p, nil, 0), before.suggest(p, nil, 0)); diff != "" {
					t.Errorf("the table before the writes changed: suggest(%q) (-then +now):\n%s", p, diff)
				}
			}
		})
	}
}
