package index

import (
	"context"
	"math/rand"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/amal-kommun/tolk/internal/article"
)

// countOnlyRequests returns requests over the relevance corpus: the
// judged queries, distinct queries of one or two words in each language,
// and variations with tags, excluded words, phrases, several languages,
// every language, and pages.
func countOnlyRequests(t *testing.T, vs []*article.Version) []Request {
	t.Helper()
	var tags []string
	seen := map[string]bool{}
	for _, v := range vs {
		for _, tag := range v.Tags {
			if !seen[tag] {
				seen[tag] = true
				tags = append(tags, tag)
			}
		}
	}
	var out []Request
	for _, jq := range readJudgments(t, "testdata/relevance/queries.txt") {
		lang := jq.lang
		if lang == "zh-Hant" {
			lang = "zh-Hans"
		}
		out = append(out, Request{Query: jq.query, Langs: []string{lang}}, Request{Query: jq.query + " ", Langs: []string{lang}})
	}
	r := rand.New(rand.NewSource(7))
	langSets := [][]string{{"sv"}, {"en"}, {"zh-Hans"}, {"sv", "en"}, nil}
	for _, lang := range []string{"sv", "en", "zh-Hans"} {
		for i, q := range speedQueries(vs, lang, 400) {
			req := Request{Query: q, Langs: []string{lang}}
			switch i % 8 {
			case 1:
				req.Tags = []string{tags[r.Intn(len(tags))]}
			case 2:
				req.Query = q + " -" + speedQueries(vs, lang, 1+i)[i]
			case 3:
				req.Query = `"` + q + `"`
			case 4:
				req.Langs = langSets[r.Intn(len(langSets))]
				req.Prefer = []string{"en", "sv"}
			case 5:
				req.Page, req.PerPage = 2, 3
			case 6:
				req.Query = q + " "
			}
			out = append(out, req)
		}
	}
	return out
}

// TestCountOnlyMatchesWholeQuery checks that counting the languages not
// asked for apart (countOnly) answers every search exactly as searching
// them with the rest did: the same hits with the same scores, totals,
// tags and languages; and that it did count them apart.
func TestCountOnlyMatchesWholeQuery(t *testing.T) {
	vs := loadTree(t, "testdata/relevance/content")
	ix := openTest(t, vs)
	ctx := context.Background()
	reqs := countOnlyRequests(t, vs)
	compare := func(t *testing.T) {
		t.Helper()
		for _, req := range reqs {
			ix.countInQuery = true
			want, err := ix.Search(ctx, req)
			if err != nil {
				t.Fatalf("%+v: whole query: %v", req, err)
			}
			ix.countInQuery = false
			got, err := ix.Search(ctx, req)
			if err != nil {
				t.Fatalf("%+v: counted apart: %v", req, err)
			}
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Result{}, "Took")); diff != "" {
				t.Fatalf("%+v: counted apart (-whole query +apart):\n%s", req, diff)
			}
		}
	}
	t.Run("one segment", compare)

	// Apart from a few queries, every other language is counted apart.
	s := ix.current().withMemo()
	apart, total := 0, 0
	for _, req := range reqs[:300] {
		q := ParseQuery(req.Query)
		if q.Empty() || len(req.Langs) != 1 {
			continue
		}
		p := newPlan(s, q, req, true)
		if _, _, err := p.run(ctx, mode{all: true}); err != nil {
			t.Fatal(err)
		}
		for _, co := range p.others[true] {
			total++
			if co.counted {
				apart++
			}
		}
	}
	if total == 0 || apart < total*9/10 {
		t.Errorf("counted apart %d of %d other-language queries, want at least 90%%", apart, total)
	}

	// Replaced and deleted versions leave deleted documents in segments,
	// and new versions new segments.
	for i, v := range vs {
		switch i % 7 {
		case 0:
			if err := ix.Delete(ctx, v.ID, v.Lang); err != nil {
				t.Fatal(err)
			}
		case 3:
			c := *v
			c.Title += " omskriven rewritten 重写"
			if err := ix.Upsert(ctx, &c); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Run("deletions and segments", compare)
}
