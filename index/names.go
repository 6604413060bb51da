package index

import (
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/zapx/v17"

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

func registerAnalyzers() {
	analyzers.Register()
	sizeSegments()
}

// sizeSegments has zap, Scorch's segment format, size the buffer of a new
// in-memory segment for the documents it holds. By default it reserves
// room for 100 documents more than the batch's (at the last batch's size
// per document), which for a write of one version is a hundred times the
// segment: 2.7 MB of memory allocated and zeroed per write at 30,000
// versions, and held until the segment is persisted. The setting is a
// package variable of zap's, so it is made once per process, before this
// package opens any index.
var sizeSegments = sync.OnceFunc(func() { zap.NewSegmentBufferNumResultsBump = 0 })

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
