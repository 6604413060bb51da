package index

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"unicode"
	"unicode/utf8"

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
// whose definition is the "base" entry of its configuration (or, for one
// of Bleve's own, whose name is the "named" entry), and caps its terms at
// maxTermFreq occurrences.
const cappedType = "tolk_capped"

// cappedPrefix starts the names of the capped analyzers the mapping
// indexes text with.
const cappedPrefix = "tolk_capped_"

// registerCapped registers cappedType with Bleve's registry (which is
// process-global) once.
var registerCapped = sync.OnceValue(func() error {
	return registry.RegisterAnalyzer(cappedType, func(config map[string]any, cache *registry.Cache) (analysis.Analyzer, error) {
		if name, ok := config["named"].(string); ok {
			// One of Bleve's own analyzers, registered by name.
			an, err := cache.AnalyzerNamed(name)
			if err != nil {
				return nil, fmt.Errorf("capped analyzer: %w", err)
			}
			return cappedAnalyzer{an}, nil
		}
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
		def := map[string]any{"type": cappedType, "named": name}
		if base, ok := m.CustomAnalysis.Analyzers[name]; ok {
			def = map[string]any{"type": cappedType, "base": base}
		}
		if err := m.AddCustomAnalyzer(cappedPrefix+name, def); err != nil {
			return fmt.Errorf("add analyzer %s: %w", cappedPrefix+name, err)
		}
	}
	return nil
}

// cappedAnalyzer is an analyzer whose tokens are capped at maxTermFreq
// per term. Positions of the tokens kept do not change.
type cappedAnalyzer struct{ base analysis.Analyzer }

// Analyze returns the base analyzer's tokens of input, each term's after
// the first maxTermFreq dropped. The input is capped first (capInput), so
// that the base analyzes at most maxTermFreq occurrences of each word: a
// 1 MiB text repeating one word allocated 70–260 MB per write when every
// occurrence was analyzed and then dropped (TestUpsertWorkBounded).
func (c cappedAnalyzer) Analyze(input []byte) analysis.TokenStream {
	ts := c.base.Analyze(capInput(input))
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

// capFrom is the length from which capInput caps a text: shorter ones
// cost little however they repeat, and need no table of their words.
const capFrom = 16 << 10

// capInput returns text with every occurrence of a word after its first
// maxTermFreq replaced by spaces of the same length, so that byte offsets
// (and so highlights) stay right; text itself when nothing is replaced.
// A word is a run of letters, digits, marks and the characters ' ’ . _
// that join words (the runs Unicode word segmentation keeps together), or
// one Han character, whose unigram and bigrams are then capped too. A
// word's terms depend on the word alone, so the dropped occurrences are
// ones the term cap would have dropped; only the positions of later words
// move up (a phrase across a dropped word can match).
func capInput(text []byte) []byte {
	if len(text) < capFrom {
		return text
	}
	counts := make(map[string]int32)
	var out []byte // a copy of text, once a word is dropped
	i := 0
	for i < len(text) {
		r, n := utf8.DecodeRune(text[i:])
		if !isCapWordRune(r) {
			i += n
			continue
		}
		j := i + n
		if !isHan(r) {
			for j < len(text) {
				r, n := utf8.DecodeRune(text[j:])
				if !isCapWordRune(r) || isHan(r) {
					break
				}
				j += n
			}
		}
		w := text[i:j]
		if c := counts[string(w)]; c < maxTermFreq {
			counts[string(w)] = c + 1
		} else {
			if out == nil {
				out = bytes.Clone(text)
			}
			for k := i; k < j; k++ {
				out[k] = ' '
			}
		}
		i = j
	}
	if out == nil {
		return text
	}
	return out
}

// isCapWordRune reports whether r belongs to a word for capInput.
func isCapWordRune(r rune) bool {
	switch r {
	case '\'', '’', '.', '_':
		return true
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}
