package index

import (
	"context"
	"fmt"
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
		p.release()
	}
	if total == 0 || apart < total*9/10 {
		t.Errorf("counted apart %d of %d other-language queries, want at least 90%%", apart, total)
	}

	mutate(t, ix, vs)
	t.Run("deletions and segments", compare)
}

// mutate deletes and replaces some of vs in ix, which leaves deleted
// documents in segments, and new versions in new segments.
func mutate(t *testing.T, ix *Index, vs []*article.Version) {
	t.Helper()
	ctx := context.Background()
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
}

// TestLocateMatchesBleve checks that reading the locations of matches
// from postings (locate) marks titles and snippets exactly as Bleve's
// second search did, and that it read them.
func TestLocateMatchesBleve(t *testing.T) {
	vs := loadTree(t, "testdata/relevance/content")
	ix := openTest(t, vs)
	ctx := context.Background()
	reqs := countOnlyRequests(t, vs)
	compare := func(t *testing.T) {
		t.Helper()
		for _, req := range reqs {
			ix.bleveLocations = true
			want, err := ix.Search(ctx, req)
			if err != nil {
				t.Fatalf("%+v: Bleve: %v", req, err)
			}
			ix.bleveLocations = false
			got, err := ix.Search(ctx, req)
			if err != nil {
				t.Fatalf("%+v: locate: %v", req, err)
			}
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Result{}, "Took")); diff != "" {
				t.Fatalf("%+v: locate (-Bleve +locate):\n%s", req, diff)
			}
		}
	}
	t.Run("one segment", compare)
	mutate(t, ix, vs)
	t.Run("deletions and segments", compare)

	// locate reads the locations of every query but phrases.
	s := ix.current()
	for _, q := range []string{"skolan", "förskola -kö", "德佩尔学校交流", "dunhuang", "delgation"} {
		p := newPlan(s.withMemo(), ParseQuery(q), Request{Query: q}, true)
		_, c, m, err := p.widen(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, picks := p.picks(nil, c)
		nums := make([]uint64, len(picks))
		for i, pk := range picks {
			nums[i] = pk.num
		}
		if len(picks) == 0 {
			t.Errorf("%q: no hits", q)
			p.release()
			continue
		}
		if _, ok := locate(c.is, s.textQuery(p.q, p.langs, mode{fuzzy: m.fuzzy}), nums); !ok {
			t.Errorf("%q: locate could not read the locations", q)
		}
		p.release()
	}
}

// TestAnalysisCacheBounded checks that remembering the analyses of junk
// queries never holds more than maxAnalyses of them.
func TestAnalysisCacheBounded(t *testing.T) {
	var c analysisCache
	for i := range 3 * maxAnalyses {
		c.put(memoKey{"an", fmt.Sprint("w", i)}, nil)
	}
	if n := len(c.cur) + len(c.old); n > maxAnalyses {
		t.Errorf("holds %d analyses, bound %d", n, maxAnalyses)
	}
	if _, ok := c.get(memoKey{"an", fmt.Sprint("w", 3*maxAnalyses-1)}); !ok {
		t.Error("the last analysis is forgotten")
	}
	// A word in use survives the old generation's end.
	hot := memoKey{"an", "hot"}
	c.put(hot, nil)
	for i := range 3 * maxAnalyses {
		c.put(memoKey{"an", fmt.Sprint("v", i)}, nil)
		if i%(maxAnalyses/4) == 0 {
			if _, ok := c.get(hot); !ok {
				t.Fatalf("after %d more analyses: the analysis in use is forgotten", i)
			}
		}
	}
}
