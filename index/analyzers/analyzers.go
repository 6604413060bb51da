package analyzers

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/sv"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
)

// Names of Tolk's analyzers, as used in field mappings and match queries.
const (
	// Swedish lemmatises (definite and plural forms included), stems and
	// splits compounds, emitting the parts at the compound's position.
	Swedish = "tolk_sv"
	// SwedishFolded is Swedish with å, ä, ö, é … folded to a, a, o, e, for
	// a lower-weighted copy of Swedish fields that finds queries typed
	// without diacritics.
	SwedishFolded = "tolk_sv_fold"
	// SwedishQuery is Swedish without compound parts: for query text that
	// must match as a whole (AND operator, phrases), since parts are
	// already indexed. Its terms equal Swedish's main terms.
	SwedishQuery = "tolk_sv_query"
	// SwedishFoldedQuery is SwedishFolded without compound parts.
	SwedishFoldedQuery = "tolk_sv_fold_query"
	// English is Porter2 (Snowball) English with possessives removed,
	// stop words dropped and accents folded.
	English = "tolk_en"
	// Chinese indexes unigrams and bigrams of NFKC-normalised, Simplified
	// Chinese; letters and digits inside Chinese text are lowercased words.
	// Never use fuzzy queries with it.
	Chinese = "tolk_zh"
	// Pinyin turns Chinese characters into toneless pinyin syllables and
	// joined words (敦煌 → dun, huang, dunhuang).
	Pinyin = "tolk_pinyin"
	// Plain lowercases and folds, without stemming: for suggestions and
	// prefix queries on titles in any language.
	Plain = "tolk_plain"
)

// Names of the tokenizers and token filters that Register adds to Bleve's
// registry. They appear in stored index mappings, so they must not change.
const (
	wordTokenizerName   = "tolk_word_tokenizer"
	zhTokenizerName     = "tolk_zh_tokenizer"
	pinyinTokenizerName = "tolk_pinyin_tokenizer"
	plainTokenizerName  = "tolk_plain_tokenizer"
	foldFilterName      = "tolk_fold"
	svFoldStopName      = "tolk_sv_fold_stop"
	svFilterName        = "tolk_sv_lemma"
	svFoldFilterName    = "tolk_sv_fold_lemma"
	svQueryFilterName   = "tolk_sv_query_lemma"
	svFoldQueryName     = "tolk_sv_fold_query_lemma"
)

// behaviour names the analyzers' behaviour; change it with any change to
// the code that alters terms, positions or offsets, so that Version changes
// and indexes are rebuilt.
const behaviour = "tolk-analyzers-1"

var registerOnce = sync.OnceValue(register)

// Register registers Tolk's tokenizers and token filters with Bleve's
// registry. It is safe to call many times and concurrently. Bleve's
// registry is process-global by design, which is why this is not done in
// init; an index mapping that names Tolk's analyzers can be opened only
// after Register. A conflict with names registered by other code is
// reported by AddTo.
func Register() {
	_ = registerOnce()
}

func register() error {
	svf := func(plain, parts bool) registry.TokenFilterConstructor {
		return func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
			lex, err := loadSvLexicon()
			if err != nil {
				return nil, err
			}
			if plain {
				return newSvFilter(lex.plain, false, parts), nil
			}
			return newSvFilter(lex.folded, true, parts), nil
		}
	}
	errs := []error{
		registerFolded(),
		registry.RegisterTokenFilter(foldFilterName, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
			return foldFilter{}, nil
		}),
		registry.RegisterTokenFilter(svFoldStopName, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
			return newFoldedStopFilter()
		}),
		registry.RegisterTokenFilter(svFilterName, svf(true, true)),
		registry.RegisterTokenFilter(svFoldFilterName, svf(false, true)),
		registry.RegisterTokenFilter(svQueryFilterName, svf(true, false)),
		registry.RegisterTokenFilter(svFoldQueryName, svf(false, false)),
		registry.RegisterTokenizer(wordTokenizerName, func(map[string]any, *registry.Cache) (analysis.Tokenizer, error) {
			return wordTokenizer{}, nil
		}),
		registry.RegisterTokenizer(zhTokenizerName, func(map[string]any, *registry.Cache) (analysis.Tokenizer, error) {
			t2s, err := loadT2S()
			return zhTokenizer{t2s: t2s}, err
		}),
		registry.RegisterTokenizer(plainTokenizerName, func(map[string]any, *registry.Cache) (analysis.Tokenizer, error) {
			t2s, err := loadT2S()
			return plainTokenizer{t2s: t2s}, err
		}),
		registry.RegisterTokenizer(pinyinTokenizerName, func(map[string]any, *registry.Cache) (analysis.Tokenizer, error) {
			t2s, err := loadT2S()
			readings, perr := loadPinyin()
			return pinyinTokenizer{readings: readings, t2s: t2s}, errors.Join(err, perr)
		}),
	}
	return errors.Join(errs...)
}

// analyzerConfigs are the custom analyzer definitions AddTo adds.
func analyzerConfigs() map[string]map[string]any {
	swedish := func(filter string) map[string]any {
		filters := []string{lowercase.Name, sv.StopName, filter}
		if filter == svFoldFilterName || filter == svFoldQueryName {
			filters = []string{lowercase.Name, foldFilterName, svFoldStopName, filter}
		}
		return map[string]any{
			"type":          custom.Name,
			"tokenizer":     wordTokenizerName,
			"token_filters": filters,
		}
	}
	only := func(tokenizer string) map[string]any {
		return map[string]any{"type": custom.Name, "tokenizer": tokenizer}
	}
	return map[string]map[string]any{
		Swedish:            swedish(svFilterName),
		SwedishFolded:      swedish(svFoldFilterName),
		SwedishQuery:       swedish(svQueryFilterName),
		SwedishFoldedQuery: swedish(svFoldQueryName),
		English: {
			"type":      custom.Name,
			"tokenizer": wordTokenizerName,
			"token_filters": []string{
				en.PossessiveName, lowercase.Name, en.StopName, foldFilterName, en.SnowballStemmerName,
			},
		},
		Chinese: only(zhTokenizerName),
		Pinyin:  only(pinyinTokenizerName),
		Plain:   only(plainTokenizerName),
	}
}

// Names returns the names of all Tolk analyzers in a fixed order.
func Names() []string {
	return []string{Swedish, SwedishFolded, SwedishQuery, SwedishFoldedQuery, English, Chinese, Pinyin, Plain}
}

// AddTo registers Tolk's components (see Register) and adds every Tolk
// analyzer to m. The first call in a process loads the dictionaries, which
// takes some tens of milliseconds.
func AddTo(m *mapping.IndexMappingImpl) error {
	if err := registerOnce(); err != nil {
		return fmt.Errorf("register analysis components: %w", err)
	}
	preload()
	configs := analyzerConfigs()
	for _, name := range Names() {
		if err := m.AddCustomAnalyzer(name, configs[name]); err != nil {
			return fmt.Errorf("add analyzer %s: %w", name, err)
		}
	}
	return nil
}

// preload loads the dictionaries concurrently; errors surface when the
// analyzers are built.
func preload() {
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = loadSvLexicon() })
	wg.Go(func() { _, _ = loadT2S() })
	wg.Go(func() { _, _ = loadPinyin() })
	wg.Wait()
}

var version = sync.OnceValue(func() string {
	h := sha256.New()
	h.Write([]byte(behaviour))
	// The embedded tables stand for their sources (the Swedish word list,
	// go-pinyin's dictionary), which tests check them against.
	for _, d := range []string{svAff, svTables, pinyinTables} {
		h.Write([]byte(d))
	}
	// The Chinese tables, the Snowball stemmers, Bleve's filters and the
	// Unicode normalisation tables come from modules; their versions stand
	// for their data.
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			for _, mod := range []string{
				"github.com/longbridgeapp/opencc", "github.com/mozillazg/go-pinyin",
				"github.com/blevesearch/bleve/v2", "github.com/blevesearch/snowballstem",
				"github.com/blevesearch/segment", "golang.org/x/text",
			} {
				if d.Path == mod {
					fmt.Fprintf(h, "%s@%s\n", d.Path, d.Version)
				}
			}
		}
	}
	return behaviour + "-" + hex.EncodeToString(h.Sum(nil))[:12]
})

// Version returns a string that changes whenever any analyzer's behaviour
// may change: a manual constant, a checksum of the embedded dictionaries
// and the versions of the modules that supply the rest of the data. The
// index stores it and rebuilds when it differs.
func Version() string {
	return version()
}
