package index

import (
	"errors"
	"fmt"
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
)

// maxTermFreq is how many occurrences of one term in one field are
// indexed; later ones are dropped at index time. A search's work on a
// document grows with the occurrences of its terms there: Bleve decodes
// every location for highlighting, and its phrase matcher compares every
// location of one word with every location of the next. A 1 MiB text
// repeating "a" made one search cost 1.3 s and 720 MB, a two-word phrase
// of a repeated word 224 s (BenchmarkRepetitive). BM25 saturates long
// before this many occurrences, so ranking does not change; phrases and
// marks past the cap in such a text are not found.
const maxTermFreq = 256

// cappedType is the Bleve analyzer type that wraps another analyzer,
// whose definition is the "base" entry of its configuration, and caps
// its terms at maxTermFreq occurrences.
const cappedType = "tolk_capped"

// cappedPrefix starts the names of the capped analyzers the mapping
// indexes text with.
const cappedPrefix = "tolk_capped_"

// registerCapped registers cappedType with Bleve's registry (which is
// process-global) once.
var registerCapped = sync.OnceValue(func() error {
	return registry.RegisterAnalyzer(cappedType, func(config map[string]any, cache *registry.Cache) (analysis.Analyzer, error) {
		base, ok := config["base"].(map[string]any)
		if !ok {
			return nil, errors.New("capped analyzer: no base definition")
		}
		typ, ok := base["type"].(string)
		if !ok {
			return nil, errors.New("capped analyzer: base has no type")
		}
		a, err := registry.AnalyzerBuild(typ, base, cache)
		if err != nil {
			return nil, fmt.Errorf("capped analyzer: %w", err)
		}
		an, ok := a.(analysis.Analyzer)
		if !ok {
			return nil, errors.New("capped analyzer: base is not an analyzer")
		}
		return cappedAnalyzer{an}, nil
	})
})

// addCapped adds, for each of names (analyzers m defines), a capped
// analyzer named cappedPrefix+name. The base's definition is copied into
// the capped one's, so that a mapping read back from disk defines them in
// any order.
func addCapped(m *mapping.IndexMappingImpl, names []string) error {
	if err := registerCapped(); err != nil {
		return fmt.Errorf("register capped analyzer: %w", err)
	}
	for _, name := range names {
		base, ok := m.CustomAnalysis.Analyzers[name]
		if !ok {
			return fmt.Errorf("capped analyzer: %s is not a custom analyzer", name)
		}
		if err := m.AddCustomAnalyzer(cappedPrefix+name, map[string]any{"type": cappedType, "base": base}); err != nil {
			return fmt.Errorf("add analyzer %s: %w", cappedPrefix+name, err)
		}
	}
	return nil
}

// cappedAnalyzer is an analyzer whose tokens are capped at maxTermFreq
// per term. Positions of the tokens kept do not change.
type cappedAnalyzer struct{ base analysis.Analyzer }

// Analyze returns the base analyzer's tokens of input, each term's after
// the first maxTermFreq dropped.
func (c cappedAnalyzer) Analyze(input []byte) analysis.TokenStream {
	ts := c.base.Analyze(input)
	if len(ts) <= maxTermFreq {
		return ts
	}
	seen := make(map[string]int)
	out := ts[:0]
	for _, t := range ts {
		n := seen[string(t.Term)]
		if n >= maxTermFreq {
			continue
		}
		seen[string(t.Term)] = n + 1
		out = append(out, t)
	}
	return out
}
