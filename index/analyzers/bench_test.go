package analyzers

import (
	"testing"

	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
)

// BenchmarkAnalyzers analyzes a text of about 300 words (600 characters of
// Chinese) with each analyzer. The Swedish analyzers run warm: after the
// first iteration their words come from the filter's cache, as the words of
// a site's texts mostly do.
func BenchmarkAnalyzers(b *testing.B) {
	texts := map[string]string{
		Swedish:            "bench_sv.txt",
		SwedishFolded:      "bench_sv.txt",
		SwedishQuery:       "bench_sv.txt",
		SwedishFoldedQuery: "bench_sv.txt",
		English:            "bench_en.txt",
		Chinese:            "bench_zh.txt",
		Pinyin:             "bench_zh.txt",
		Plain:              "bench_sv.txt",
	}
	m, err := testMapping()
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range Names() {
		text := []byte(readTestdata(b, texts[name]))
		a := m.AnalyzerNamed(name)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				a.Analyze(text)
			}
		})
	}
}

// BenchmarkLoad measures loading the Swedish dictionaries, plain and
// folded, and the pinyin table from their embedded tables, as every start
// does, and building them from their sources (-build), as go generate
// does.
func BenchmarkLoad(b *testing.B) {
	for _, bc := range []struct {
		name string
		load func() error
	}{
		{"swedish", func() error { _, err := readSvLexicon(); return err }},
		{"swedish-build", func() error { _, err := buildSvLexicon(); return err }},
		{"pinyin", func() error { _, err := readPinyin(); return err }},
		{"pinyin-build", func() error { buildPinyin(); return nil }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.load(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSwedishCold is tolk_sv with an empty word cache on every
// iteration: the cost of text whose words were never seen.
func BenchmarkSwedishCold(b *testing.B) {
	lex, err := loadSvLexicon()
	if err != nil {
		b.Fatal(err)
	}
	text := []byte(readTestdata(b, "bench_sv.txt"))
	lower := lowercase.NewLowerCaseFilter()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		f := newSvFilter(lex.plain, false, true)
		f.Filter(lower.Filter(wordTokenizer{}.Tokenize(text)))
	}
}

// BenchmarkPinyinTitle is the pinyin analyzer on a title, its intended use.
func BenchmarkPinyinTitle(b *testing.B) {
	m, err := testMapping()
	if err != nil {
		b.Fatal(err)
	}
	a := m.AnalyzerNamed(Pinyin)
	title := []byte("重庆市图书馆与敦煌研究院联合展览开幕")
	b.ReportAllocs()
	for b.Loop() {
		a.Analyze(title)
	}
}

// BenchmarkSegment segments a query of two words written together and the
// 600-character benchmark text.
func BenchmarkSegment(b *testing.B) {
	text := readTestdata(b, "bench_zh.txt")
	if _, err := NewSegmenter(); err != nil {
		b.Fatal(err)
	}
	for _, in := range []struct{ name, text string }{
		{"query", "德佩尔学校交流"},
		{"query-hant", "瑞典國際開發合作署資助"},
		{"text", text},
	} {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.text)))
			b.ReportAllocs()
			for b.Loop() {
				Segment(in.text)
			}
		})
	}
}

// BenchmarkLoadZhWords decodes the embedded word table, as the first
// Segment does.
func BenchmarkLoadZhWords(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := readZhWords(zhWordsData); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkToSimplified converts queries in Taiwan phrasing, Simplified
// and Latin letters, and the 600-character benchmark text in Taiwan form.
func BenchmarkToSimplified(b *testing.B) {
	for _, in := range []struct{ name, text string }{
		{"query-tw", "透過軟體交流"},
		{"query-hans", "德佩尔学校交流"},
		{"query-latin", "dunhuang"},
		{"text-tw", "在國際交流中，促進民主始終是本市使命的一部分，透過軟體與合作夥伴建立夥伴關係。"},
	} {
		b.Run(in.name, func(b *testing.B) {
			ToSimplified(in.text)
			b.SetBytes(int64(len(in.text)))
			b.ReportAllocs()
			for b.Loop() {
				ToSimplified(in.text)
			}
		})
	}
}

// BenchmarkLoadT2SPhrases decodes the embedded phrase table of
// ToSimplified, as its first call does.
func BenchmarkLoadT2SPhrases(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := readT2SPhrases(t2sPhrasesData); err != nil {
			b.Fatal(err)
		}
	}
}
