package index

import (
	"context"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"

	"github.com/amal-kommun/tolk/internal/article"
)

// speedQueries returns n distinct-as-possible queries of one or two words
// of the texts of vs in lang, so that no answer cache could help.
func speedQueries(vs []*article.Version, lang string, n int) []string {
	var words []string
	seen := map[string]bool{}
	for _, v := range vs {
		if v.Lang != lang {
			continue
		}
		for _, w := range splitWords(v.Title + " " + v.Text) {
			if hasHan(w) {
				rs := []rune(w)
				for i := 0; i+2 <= len(rs); i += 2 {
					if s := string(rs[i : i+2]); !seen[s] {
						seen[s] = true
						words = append(words, s)
					}
				}
				continue
			}
			if w = strings.ToLower(w); len(w) > 3 && !seen[w] {
				seen[w] = true
				words = append(words, w)
			}
		}
	}
	slices.Sort(words)
	r := rand.New(rand.NewSource(3))
	out := make([]string, n)
	for i := range out {
		q := words[r.Intn(len(words))]
		if r.Intn(3) == 0 {
			q += " " + words[r.Intn(len(words))]
		}
		out[i] = q
	}
	return out
}

// BenchmarkDistinctQueries searches the relevance corpus (189 versions of
// 80–250 words) with a stream of distinct queries and reports the
// in-process p50 and p99 per search, in wall-clock and on-CPU time (which
// a machine shared with other work inflates less). The -whole variants
// count the languages not searched in the search itself, as before
// countOnly.
func BenchmarkDistinctQueries(b *testing.B) {
	vs := loadTree(b, "testdata/relevance/content")
	ix := openTest(b, vs)
	ctx := context.Background()
	for _, lang := range []string{"sv", "en", "zh-Hans", "sv-whole", "en-whole", "zh-Hans-whole"} {
		b.Run(lang, func(b *testing.B) {
			ix.countInQuery = strings.HasSuffix(lang, "-whole")
			lang := strings.TrimSuffix(lang, "-whole")
			qs := speedQueries(vs, lang, 2000)
			t := newTimer()
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				t.begin()
				if _, err := ix.Search(ctx, Request{Query: qs[i%len(qs)], Langs: []string{lang}}); err != nil {
					b.Fatal(err)
				}
				t.end()
				i++
			}
			t.report(b)
		})
	}
}

// BenchmarkBareBleve is the baseline of BenchmarkDistinctQueries: the same
// documents in a Bleve index with the default mapping, one match query on
// the body, top 10, no highlights, no facets.
func BenchmarkBareBleve(b *testing.B) {
	vs := loadTree(b, "testdata/relevance/content")
	bi, err := bleve.NewMemOnly(bleve.NewIndexMapping())
	if err != nil {
		b.Fatal(err)
	}
	defer bi.Close()
	batch := bi.NewBatch()
	for _, v := range vs {
		if err := batch.Index(docID(v.ID, v.Lang), map[string]any{"title": v.Title, "body": v.Summary + "\n" + v.Text, "lang": v.Lang}); err != nil {
			b.Fatal(err)
		}
	}
	if err := bi.Batch(batch); err != nil {
		b.Fatal(err)
	}
	for _, lang := range []string{"sv", "en", "zh-Hans"} {
		b.Run(lang, func(b *testing.B) {
			qs := speedQueries(vs, lang, 2000)
			t := newTimer()
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				t.begin()
				q := bleve.NewMatchQuery(qs[i%len(qs)])
				q.SetField("body")
				if _, err := bi.Search(bleve.NewSearchRequestOptions(q, 10, 0, false)); err != nil {
					b.Fatal(err)
				}
				t.end()
				i++
			}
			t.report(b)
		})
	}
}
