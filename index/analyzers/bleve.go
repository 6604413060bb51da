package analyzers

import (
	"fmt"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"

	// Bleve's language analyzers, which Bleve registers under their
	// language's code, for the languages Tolk has no analysis of its own
	// for (site.yaml's analyzer names, article.AnalyzerNames).
	_ "github.com/blevesearch/bleve/v2/analysis/lang/ar"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/ckb"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/da"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/de"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/es"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/fa"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/fi"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/fr"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/hi"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/hr"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/hu"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/it"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/nl"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/no"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/pt"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/ro"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/ru"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/tr"
)

// bleveAnalyzers are the analyzer names of site.yaml that Bleve's own
// analyzers of the same name serve.
var bleveAnalyzers = map[string]bool{
	"ar": true, "cjk": true, "ckb": true, "da": true, "de": true, "es": true, "fa": true, "fi": true,
	"fr": true, "hi": true, "hr": true, "hu": true, "it": true, "nl": true, "no": true,
	"pt": true, "ro": true, "ru": true, "tr": true,
}

// IsBleve reports whether name, an analyzer name of site.yaml, is served
// by Bleve's analyzer of that name (registered by this package), not by
// one of Tolk's: every one but sv, en, zh and unicode, and pl, whose
// stemmer needs a module Tolk does not depend on (Polish gets plain
// Unicode words).
func IsBleve(name string) bool { return bleveAnalyzers[name] }

// foldable are the Bleve analyzers whose languages are often typed
// without their diacritics (päiväkoti as paivakoti, école as ecole), so a
// folded copy of their fields helps. German is not among them: Bleve's
// German analyzer folds umlauts itself.
var foldable = map[string]bool{
	"da": true, "es": true, "fi": true, "fr": true, "hr": true, "hu": true, "it": true,
	"no": true, "pt": true, "ro": true, "tr": true,
}

// FoldedName returns the name of the analyzer that folds diacritics
// (ä → a, é → e) out of the terms of Bleve's analyzer name, when name is
// one whose languages are often typed without them; "" otherwise. AddFolded
// adds it to a mapping.
func FoldedName(name string) string {
	if !foldable[name] {
		return ""
	}
	return "tolk_folded_" + name
}

// foldedType is the analyzer type of FoldedName's analyzers: the Bleve
// analyzer named by the "named" entry of its configuration, its terms
// then folded.
const foldedType = "tolk_folded"

// AddFolded adds FoldedName(name)'s analyzer to m.
func AddFolded(m *mapping.IndexMappingImpl, name string) error {
	if err := registerOnce(); err != nil {
		return fmt.Errorf("register analysis components: %w", err)
	}
	f := FoldedName(name)
	if f == "" {
		return fmt.Errorf("analyzer %s has no folded form", name)
	}
	return m.AddCustomAnalyzer(f, map[string]any{"type": foldedType, "named": name})
}

// registerFolded registers foldedType with Bleve's registry.
func registerFolded() error {
	return registry.RegisterAnalyzer(foldedType, func(config map[string]any, cache *registry.Cache) (analysis.Analyzer, error) {
		name, ok := config["named"].(string)
		if !ok {
			return nil, fmt.Errorf("folded analyzer: no analyzer named")
		}
		base, err := cache.AnalyzerNamed(name)
		if err != nil {
			return nil, fmt.Errorf("folded analyzer: %w", err)
		}
		return foldedAnalyzer{base}, nil
	})
}

// foldedAnalyzer is base with its terms folded after every other step,
// so that its stemmer sees the letters it knows.
type foldedAnalyzer struct{ base analysis.Analyzer }

func (f foldedAnalyzer) Analyze(input []byte) analysis.TokenStream {
	return foldFilter{}.Filter(f.base.Analyze(input))
}
