package index

import (
	"context"
	"fmt"
	"html"
	"math/rand"
	"strings"
	"testing"
	"unicode"

	"github.com/blevesearch/bleve/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/amal-kommun/tolk/internal/article"
)

// bleveFacets counts what Search's facets count, with Bleve's own facets:
// the languages of every version matching q, and the tags of those in
// langs.
func bleveFacets(t *testing.T, ix *Index, q string, langs []string) (langCounts, tagCounts []Count) {
	t.Helper()
	s := ix.current()
	count := func(langs []string, field string) []Count {
		req := bleve.NewSearchRequestOptions(s.textQuery(ParseQuery(q), langs, mode{all: true}), 0, 0, false)
		req.AddFacet("f", bleve.NewFacetRequest(field, 100))
		sr, err := s.bi.Search(req)
		if err != nil {
			t.Fatal(err)
		}
		out := []Count{}
		for _, tf := range sr.Facets["f"].Terms.Terms() {
			out = append(out, Count{Key: tf.Term, Count: tf.Count})
		}
		sortCounts(out)
		return out
	}
	if len(langs) == 1 {
		return count(s.langs, fieldLang), count(langs, fieldTags)
	}
	// Across languages a tag counts articles, as the total does: those
	// with a matching version carrying it.
	req := bleve.NewSearchRequestOptions(s.textQuery(ParseQuery(q), langs, mode{all: true}), 10000, 0, false)
	sr, err := s.bi.Search(req)
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[[2]string]bool)
	byTag := make(map[string]int)
	for _, h := range sr.Hits {
		id, _ := splitDocID(h.ID)
		for _, tag := range s.docs.get(h.ID).Tags {
			if k := [2]string{id, tag}; !seen[k] {
				seen[k] = true
				byTag[tag]++
			}
		}
	}
	tagCounts = []Count{}
	for tag, n := range byTag {
		tagCounts = append(tagCounts, Count{Key: tag, Count: n})
	}
	sortCounts(tagCounts)
	return count(s.langs, fieldLang), tagCounts
}

// bleveArticles counts the articles with a version in langs matching q.
func bleveArticles(t *testing.T, ix *Index, q string, langs []string) int {
	t.Helper()
	s := ix.current()
	req := bleve.NewSearchRequestOptions(s.textQuery(ParseQuery(q), langs, mode{all: true}), 10000, 0, false)
	sr, err := s.bi.Search(req)
	if err != nil {
		t.Fatal(err)
	}
	arts := make(map[string]bool)
	for _, h := range sr.Hits {
		id, _ := splitDocID(h.ID)
		arts[id] = true
	}
	return len(arts)
}

// TestFacetsMatchBleve checks the facet tables against Bleve's doc-value
// facets while versions are added, replaced and deleted, so that the
// index spans several segments with deleted documents in them.
func TestFacetsMatchBleve(t *testing.T) {
	ctx := context.Background()
	ix := openTest(t, fixture())
	r := rand.New(rand.NewSource(1))
	words := []string{"kommun", "skola", "sjön", "Vänern", "school", "technology", "care", "year"}
	tags := []string{"care", "school", "culture"}
	check := func(step string) {
		t.Helper()
		for _, q := range []string{"Åmål", "kommun", "school", "skola", "the"} {
			for _, langs := range [][]string{{"sv"}, {"en"}, {"sv", "en", "zh-Hans"}} {
				res, err := ix.Search(ctx, Request{Query: q + " ", Langs: langs})
				if err != nil {
					t.Fatal(err)
				}
				if res.Total < minHits {
					continue // widened: typos and any word
				}
				wantLangs, wantTags := bleveFacets(t, ix, q+" ", langs)
				if diff := cmp.Diff(wantLangs, res.Langs); diff != "" {
					t.Errorf("%s: %q in %v: langs (-bleve +tolk):\n%s", step, q, langs, diff)
				}
				if diff := cmp.Diff(wantTags, res.Tags); diff != "" {
					t.Errorf("%s: %q in %v: tags (-bleve +tolk):\n%s", step, q, langs, diff)
				}
				if len(langs) > 1 {
					if want := bleveArticles(t, ix, q+" ", langs); res.Total != want {
						t.Errorf("%s: %q in %v: total %d, want %d articles", step, q, langs, res.Total, want)
					}
				}
			}
		}
	}
	check("start")
	for i := range 40 {
		lang := []string{"sv", "en"}[r.Intn(2)]
		id := fmt.Sprintf("a%d", r.Intn(15))
		if r.Intn(4) == 0 {
			if err := ix.Delete(ctx, id, lang); err != nil {
				t.Fatal(err)
			}
		} else {
			v := &article.Version{ID: id, Lang: lang, Title: words[r.Intn(len(words))] + " Åmål",
				Text: words[r.Intn(len(words))] + " " + words[r.Intn(len(words))], Tags: []string{tags[r.Intn(len(tags))]}}
			if err := ix.Upsert(ctx, v); err != nil {
				t.Fatal(err)
			}
		}
		if i%5 == 4 {
			check(fmt.Sprintf("after change %d", i))
		}
	}
}

// TestEscapeSpace requires escapeSpace to write what the string-returning
// version it replaced returned: the space-collapsed text through
// html.EscapeString.
func TestEscapeSpace(t *testing.T) {
	old := func(s string) string {
		var b strings.Builder
		space := false
		for _, r := range s {
			if unicode.IsSpace(r) {
				if !space {
					b.WriteByte(' ')
				}
				space = true
				continue
			}
			space = false
			b.WriteRune(r)
		}
		return html.EscapeString(b.String())
	}
	for _, in := range []string{"", "a", `<script>alert("x")</script> & 'too'`, "a \t\n b", "  å\u00a0ä  ", "学校 <b>", "\xff<"} {
		var b strings.Builder
		escapeSpace(&b, in)
		if got, want := b.String(), old(in); got != want {
			t.Errorf("escapeSpace(%q) = %q, want %q", in, got, want)
		}
	}
}
