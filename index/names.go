package index

import (
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/amal-kommun/tolk/index/analyzers"
	"github.com/amal-kommun/tolk/internal/article"
)

// The analyzers of each kind of field. Query-time analyzers differ from
// index-time ones only where package analyzers says their terms are the
// same (Swedish without compound parts, for whole-word matching).
const (
	anSwedish            = analyzers.Swedish
	anSwedishQuery       = analyzers.SwedishQuery
	anSwedishFolded      = analyzers.SwedishFolded
	anSwedishFoldedQuery = analyzers.SwedishFoldedQuery
	anEnglish            = analyzers.English
	anChinese            = analyzers.Chinese
	anPinyin             = analyzers.Pinyin
	anPlain              = analyzers.Plain
)

func registerAnalyzers() { analyzers.Register() }

func addAnalyzers(m *mapping.IndexMappingImpl) error { return analyzers.AddTo(m) }

func analyzersVersion() string { return analyzers.Version() }

func foldSwedish(s string) string { return analyzers.FoldSwedish(s) }

func toSimplified(s string) string { return analyzers.ToSimplified(s) }

func altSimplified(s string) string { return analyzers.AlternativeSimplified(s) }

func isHan(r rune) bool { return analyzers.IsHan(r) }

func segmentHan(s string) []string { return analyzers.Segment(s) }

// pinyinAnalyzer returns the pinyin analyzer, for suggestion keys, or nil
// should the analyzers fail to load (only a broken build can cause that).
var pinyinAnalyzer = sync.OnceValue(func() analysis.Analyzer {
	m, err := newMapping(defaultLangs, article.DefaultAnalyzer)
	if err != nil {
		return nil
	}
	return m.AnalyzerNamed(anPinyin)
})
