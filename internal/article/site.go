package article

import (
	"net/url"
	"slices"
	"strings"

	"github.com/amal-kommun/tolk/internal/langs"
	"golang.org/x/text/language"
)

// Site is the configuration of a content tree, read from site.yaml.
type Site struct {
	// DefaultLanguage is served when negotiation finds nothing better.
	DefaultLanguage string
	// Languages are the stored languages in display order.
	Languages []string
	// Derived are the languages produced by conversion, never stored.
	Derived []Derived
	// Fallback maps a language to the languages tried, in order, when an
	// article has no public version in it.
	Fallback map[string][]string
	// SiteURL is the public URL pattern with {lang} and {slug}; empty when
	// the site has none.
	SiteURL string
	// SiteName is the site's name per language, for feed titles.
	SiteName map[string]string
	// Publisher names the feed author.
	Publisher string
	// Tags holds the label of each tag key per language.
	Tags map[string]map[string]string
	// TagKeys lists the tag keys in the order site.yaml gives them.
	TagKeys []string
	// Analyzers holds the search analyzer of every served language, one
	// of AnalyzerNames: as site.yaml names it, or DefaultAnalyzer's
	// choice; a derived language has its source's.
	Analyzers map[string]string
	// Dirs holds the writing direction, DirLTR or DirRTL, of every served
	// language: as site.yaml gives it, or DefaultDir's choice.
	Dirs map[string]string
}

// The writing directions of Site.Dirs, as HTML's dir attribute spells them.
const (
	DirLTR = "ltr"
	DirRTL = "rtl"
)

// Analyzer names that are not a language's.
const (
	// AnalyzerCJK splits Chinese, Japanese and Korean text into bigrams.
	AnalyzerCJK = "cjk"
	// AnalyzerZH is Tolk's Chinese analysis: segmentation and script
	// folding.
	AnalyzerZH = "zh"
	// AnalyzerUnicode splits text into Unicode words and lowercases them,
	// with no stemming: the analyzer of a language no other one fits.
	AnalyzerUnicode = "unicode"
)

// AnalyzerNames returns the names a languages entry of site.yaml may give
// as its analyzer, sorted: Bleve's language analyzers, named by the
// language's ISO 639 code (plus "cjk"), Tolk's Chinese analysis "zh", and
// "unicode". The slice is the caller's.
func AnalyzerNames() []string {
	return []string{"ar", AnalyzerCJK, "ckb", "da", "de", "en", "es", "fa", "fi", "fr", "hi", "hr", "hu", "it",
		"nl", "no", "pl", "pt", "ro", "ru", "sv", "tr", AnalyzerUnicode, AnalyzerZH}
}

// DefaultAnalyzer returns the analyzer of a language site.yaml gives none
// for: the analyzer named by the tag's language when there is one ("fi"
// for fi, "zh" for zh-Hans and zh-Hant, "no" also for nb), "cjk" for
// Japanese and Korean, and "unicode" for every other tag, including one
// that does not parse.
func DefaultAnalyzer(tag string) string {
	t, err := language.Parse(tag)
	if err != nil {
		return AnalyzerUnicode
	}
	base, conf := t.Base()
	if conf != language.Exact {
		return AnalyzerUnicode // und: no language to go by
	}
	switch b := base.String(); b {
	case "ja", "ko":
		return AnalyzerCJK
	case "nb":
		return "no" // Bleve's Norwegian is Bokmål's stemmer
	case AnalyzerCJK, AnalyzerUnicode:
		return AnalyzerUnicode // cjk is Chokwe's code, not the bigram analyzer's
	default:
		if slices.Contains(AnalyzerNames(), b) {
			return b
		}
		return AnalyzerUnicode
	}
}

// DefaultDir returns the writing direction of a language site.yaml gives
// none for: DirRTL when the tag's script, written or likely, is written
// right to left (Arabic, Hebrew, Syriac, Thaana …), DirLTR otherwise.
func DefaultDir(tag string) string { return langs.Direction(tag) }

// Analyzer returns the search analyzer of lang: Analyzers[lang] when set,
// else its source's for a derived language, else DefaultAnalyzer(lang).
// It is never empty.
func (s *Site) Analyzer(lang string) string {
	if a := s.Analyzers[lang]; a != "" {
		return a
	}
	if from := s.DerivedFrom(lang); from != "" {
		return s.Analyzer(from)
	}
	return DefaultAnalyzer(lang)
}

// Dir returns the writing direction of lang, DirLTR or DirRTL:
// Dirs[lang] when set, else DefaultDir(lang).
func (s *Site) Dir(lang string) string {
	if d := s.Dirs[lang]; d != "" {
		return d
	}
	return DefaultDir(lang)
}

// Derived is a language served by converting another one.
type Derived struct {
	Tag  string
	From string
}

// Stored reports whether lang is one of the site's stored languages.
func (s *Site) Stored(lang string) bool {
	for _, l := range s.Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// DerivedFrom returns the stored language lang is derived from, or "" when
// lang is not a derived language.
func (s *Site) DerivedFrom(lang string) string {
	for _, d := range s.Derived {
		if d.Tag == lang {
			return d.From
		}
	}
	return ""
}

// Served returns every language the site serves: the stored languages in
// display order followed by the derived ones.
func (s *Site) Served() []string {
	out := make([]string, 0, len(s.Languages)+len(s.Derived))
	out = append(out, s.Languages...)
	for _, d := range s.Derived {
		out = append(out, d.Tag)
	}
	return out
}

// URL returns the public URL of the version in lang with slug, or "" when
// the site has no URL pattern.
func (s *Site) URL(lang, slug string) string {
	if s.SiteURL == "" {
		return ""
	}
	r := strings.NewReplacer("{lang}", url.PathEscape(lang), "{slug}", url.PathEscape(slug))
	return r.Replace(s.SiteURL)
}

// TagLabel returns the label of tag key in lang, falling back to the label
// of a language lang is derived from, the default language, and finally the
// key itself.
func (s *Site) TagLabel(key, lang string) string {
	labels := s.Tags[key]
	if l, ok := labels[lang]; ok {
		return l
	}
	if from := s.DerivedFrom(lang); from != "" {
		if l, ok := labels[from]; ok {
			return l
		}
	}
	if l, ok := labels[s.DefaultLanguage]; ok {
		return l
	}
	return key
}
