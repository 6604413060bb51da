package analyzers

import (
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
