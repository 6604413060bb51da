package analyzers

import (
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/google/go-cmp/cmp"
)

// TestHighlightInIndex indexes text with each analyzer in a real in-memory
// Bleve index and checks that a query finds it and that the highlighted
// fragment marks the original words, å/ä/ö, compounds and Chinese
// included.
func TestHighlightInIndex(t *testing.T) {
	tests := []struct {
		name     string
		analyzer string
		text     string
		query    string
		phrase   bool
		want     string
	}{
		{
			name:     "swedish compound part",
			analyzer: Swedish,
			text:     "Åmål satsar på välfärdsteknologi i äldreomsorgen.",
			query:    "teknologi",
			want:     "Åmål satsar på <mark>välfärdsteknologi</mark> i äldreomsorgen.",
		},
		{
			name:     "swedish definite form",
			analyzer: Swedish,
			text:     "Förskolan i Åmål öppnar klockan sex.",
			query:    "förskola",
			want:     "<mark>Förskolan</mark> i Åmål öppnar klockan sex.",
		},
		{
			name:     "swedish phrase over a compound",
			analyzer: Swedish,
			text:     "Kontakta en bygglovshandläggare i Åmål.",
			query:    "bygglovshandläggare i Åmål",
			phrase:   true,
			want:     "Kontakta en <mark>bygglovshandläggare</mark> i <mark>Åmål</mark>.",
		},
		{
			name:     "swedish folded",
			analyzer: SwedishFolded,
			text:     "Äldreomsorgen i Åmål och Vänern.",
			query:    "aldreomsorg amal",
			want:     "<mark>Äldreomsorgen</mark> i <mark>Åmål</mark> och Vänern.",
		},
		{
			name:     "chinese traditional query",
			analyzer: Chinese,
			text:     "市立图书馆２０２４年开放",
			query:    "圖書館",
			phrase:   true,
			want:     "市立<mark>图书馆</mark>２０２４年开放",
		},
		{
			name:     "chinese full width digits",
			analyzer: Chinese,
			text:     "市立图书馆２０２４年开放",
			query:    "2024",
			want:     "市立图书馆<mark>２０２４</mark>年开放",
		},
		{
			name:     "pinyin",
			analyzer: Pinyin,
			text:     "敦煌研究院",
			query:    "dunhuang",
			want:     "<mark>敦煌</mark>研究院",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := bleve.NewIndexMapping()
			if err := AddTo(m); err != nil {
				t.Fatal(err)
			}
			field := bleve.NewTextFieldMapping()
			field.Analyzer = tt.analyzer
			field.Store = true
			field.IncludeTermVectors = true
			doc := bleve.NewDocumentStaticMapping()
			doc.AddFieldMappingsAt("body", field)
			m.DefaultMapping = doc
			idx, err := bleve.NewMemOnly(m)
			if err != nil {
				t.Fatal(err)
			}
			defer idx.Close()
			if err := idx.Index("1", map[string]any{"body": tt.text}); err != nil {
				t.Fatal(err)
			}
			req := bleve.NewSearchRequest(newQuery(tt.query, tt.analyzer, tt.phrase))
			req.Highlight = bleve.NewHighlightWithStyle("html")
			req.Highlight.AddField("body")
			res, err := idx.Search(req)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Hits) != 1 {
				t.Fatalf("query %q: %d hits, want 1", tt.query, len(res.Hits))
			}
			// Adjacent marks (a bigram, then a unigram) may come out merged
			// or not, depending on the order of term locations.
			var got []string
			for _, f := range res.Hits[0].Fragments["body"] {
				got = append(got, strings.ReplaceAll(f, "</mark><mark>", ""))
			}
			if diff := cmp.Diff([]string{tt.want}, got); diff != "" {
				t.Errorf("fragments mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func newQuery(text, analyzer string, phrase bool) query.Query {
	if phrase {
		q := bleve.NewMatchPhraseQuery(text)
		q.Analyzer = analyzer
		q.SetField("body")
		return q
	}
	q := bleve.NewMatchQuery(text)
	q.Analyzer = analyzer
	q.SetField("body")
	return q
}
