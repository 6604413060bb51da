package index

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/mapping"
	bleveindex "github.com/blevesearch/bleve_index_api"

	"github.com/amal-kommun/tolk/index/analyzers"
	"github.com/amal-kommun/tolk/internal/article"
)

// schemaVersion is bumped whenever this package changes what it indexes or
// how, beyond what the mapping JSON and analyzers.Version already capture
// (for example the meaning of a field's contents). A change forces a
// rebuild of every persisted index.
const schemaVersion = "tolk-index-7"

// docType is the Bleve document type of every indexed version.
const docType = "version"

// Fields every document carries, whatever its language.
const (
	fieldLang    = "lang"
	fieldTags    = "tags"
	fieldArticle = "article" // the article's id, for grouping versions

)

// defaultLangs are always in the mapping, so that the first version in one
// of them needs no rebuild.
var defaultLangs = []string{"sv", "en", "zh-Hans"}

// langSpec says how one stored language is indexed and searched: its
// fields and the analyzer of each. Every field belongs to exactly one
// language and has exactly one analyzer, and every query names its
// analyzer explicitly, so index and query time cannot disagree (Bleve
// issue #282).
type langSpec struct {
	lang string
	// title and body are analyzed with text at index time and textQ at
	// query time (the same terms, without Swedish compound parts).
	title, body, text, textQ string
	// titleFld and bodyFld hold the same text folded (å → a), for queries
	// typed without diacritics; "" when the language has none.
	titleFld, bodyFld, fold, foldQ string
	// titlePl holds the title's words unstemmed, for typo tolerance and
	// prefixes; "" for Chinese. Bodies have no such field: it would slow
	// indexing by a third.
	titlePl string
	// pinyin holds the title in pinyin; "" unless Chinese.
	pinyin string
	// han marks Chinese: Han words are never fuzzed or prefix-matched.
	han bool
	// words are the fields of the front-matter fields searched in plain
	// words (article.SearchWords), in the table's order.
	words []wordsField
}

// wordsField is the index field of one article.SearchWords front-matter
// field in one language: its key and the language's suffix, analyzed with
// anPlain.
type wordsField struct {
	name string
	f    article.Field
}

// wordsFields returns the fields of the article.SearchWords front-matter
// fields for the field-name suffix of a language.
func wordsFields(suffix string) []wordsField {
	var out []wordsField
	for _, f := range article.Fields() {
		if f.Search == article.SearchWords {
			out = append(out, wordsField{name: f.Key + "_" + suffix, f: f})
		}
	}
	return out
}

// analyzerOf names the analyzer of a language, one of
// article.AnalyzerNames: the site's (article.Site.Analyzer), or
// article.DefaultAnalyzer without a site.
type analyzerOf func(lang string) string

// specFor returns how lang is indexed with an, the analyzer site.yaml
// gives it (article.Site.Analyzer). It is the one place that maps
// languages to fields and analyzers: Tolk's own analysis for sv (with a
// folded copy for queries typed without å, ä, ö), en and zh, Bleve's
// language analyzer of that name for the others it has, and plain
// Unicode words for every other language.
func specFor(lang, an string) langSpec {
	suffix := fieldSuffix(lang)
	switch lang {
	case "sv", "en":
		suffix = lang
	case "zh-Hans":
		suffix = "zh"
	}
	title, body, plain := "title_"+suffix, "body_"+suffix, "title_"+suffix+"_plain"
	sp := specForAnalyzer(lang, an, title, body, plain, suffix)
	sp.words = wordsFields(suffix)
	return sp
}

// specForAnalyzer returns the spec of lang with analyzer an, but for its
// fields searched in plain words.
func specForAnalyzer(lang, an, title, body, plain, suffix string) langSpec {
	switch {
	case an == "sv":
		return langSpec{lang: lang,
			title: title, body: body, text: anSwedish, textQ: anSwedishQuery,
			titleFld: title + "_fold", bodyFld: body + "_fold", fold: anSwedishFolded, foldQ: anSwedishFoldedQuery,
			titlePl: plain}
	case an == "en":
		return langSpec{lang: lang, title: title, body: body, text: anEnglish, textQ: anEnglish, titlePl: plain}
	case an == "zh":
		return langSpec{lang: lang, title: title, body: body, text: anChinese, textQ: anChinese,
			pinyin: "title_pinyin_" + suffix, han: true}
	case an == article.AnalyzerCJK:
		// Bigrams: never fuzzed or prefix-matched (no plain title).
		return langSpec{lang: lang, title: title, body: body, text: an, textQ: an}
	case analyzers.IsBleve(an):
		sp := langSpec{lang: lang, title: title, body: body, text: an, textQ: an, titlePl: plain}
		if f := analyzers.FoldedName(an); f != "" {
			sp.titleFld, sp.bodyFld, sp.fold, sp.foldQ = title+"_fold", body+"_fold", f, f
		}
		return sp
	default:
		return langSpec{lang: lang, title: title, body: body, text: anPlain, textQ: anPlain, titlePl: plain}
	}
}

// fieldSuffix turns a language tag into a field-name suffix.
func fieldSuffix(lang string) string {
	var b strings.Builder
	b.WriteString("x_")
	for _, r := range strings.ToLower(lang) {
		if r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// textFields returns the full-text fields of s with their index-time
// analyzers.
func (s langSpec) textFields() [][2]string {
	out := [][2]string{{s.title, s.text}, {s.body, s.text}}
	if s.fold != "" {
		out = append(out, [2]string{s.titleFld, s.fold}, [2]string{s.bodyFld, s.fold})
	}
	if s.titlePl != "" {
		out = append(out, [2]string{s.titlePl, anPlain})
	}
	if s.pinyin != "" {
		out = append(out, [2]string{s.pinyin, anPinyin})
	}
	for _, w := range s.words {
		out = append(out, [2]string{w.name, anPlain})
	}
	return out
}

// mappingLangs returns the sorted languages an index over versions in
// langs needs: the defaults and every other language seen.
func mappingLangs(langs map[string]bool) []string {
	out := slices.Clone(defaultLangs)
	for l := range langs {
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

// newMapping returns the index mapping for langs: no _all field, no dynamic
// mapping, BM25 scoring, and one set of fields per language.
func newMapping(langs []string, an analyzerOf) (*mapping.IndexMappingImpl, error) {
	m := mapping.NewIndexMapping()
	if err := addAnalyzers(m); err != nil {
		return nil, fmt.Errorf("add analyzers: %w", err)
	}
	m.ScoringModel = bleveindex.BM25Scoring
	m.IndexDynamic = false
	m.StoreDynamic = false
	m.DocValuesDynamic = false
	m.DefaultAnalyzer = anPlain
	m.DefaultMapping = mapping.NewDocumentDisabledMapping()

	dm := mapping.NewDocumentStaticMapping()
	// Without this Bleve indexes every field again into _all.
	dm.AddSubDocumentMapping("_all", mapping.NewDocumentDisabledMapping())
	kw := func() *mapping.FieldMapping {
		f := mapping.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = true
		return f
	}
	dm.AddFieldMappingsAt(fieldLang, kw())
	dm.AddFieldMappingsAt(fieldTags, kw())
	dm.AddFieldMappingsAt(fieldArticle, kw())
	// Folded copies of Bleve's analyzers, where a language has them.
	var folded []string
	for _, l := range langs {
		if sp := specFor(l, an(l)); sp.fold != "" && analyzers.IsBleve(sp.text) && !slices.Contains(folded, sp.text) {
			folded = append(folded, sp.text)
		}
	}
	slices.Sort(folded)
	for _, name := range folded {
		if err := analyzers.AddFolded(m, name); err != nil {
			return nil, fmt.Errorf("add analyzers: %w", err)
		}
	}
	// Text is indexed with capped analyzers (capped.go), queries are
	// analyzed with the bases.
	var capped []string
	for _, l := range langs {
		for _, fa := range specFor(l, an(l)).textFields() {
			if !slices.Contains(capped, fa[1]) {
				capped = append(capped, fa[1])
			}
		}
	}
	slices.Sort(capped)
	if err := addCapped(m, capped); err != nil {
		return nil, err
	}
	for _, l := range langs {
		for _, fa := range specFor(l, an(l)).textFields() {
			f := mapping.NewTextFieldMapping()
			f.Analyzer = cappedPrefix + fa[1]
			f.Store = false
			f.IncludeInAll = false
			f.IncludeTermVectors = true
			f.DocValues = false
			dm.AddFieldMappingsAt(fa[0], f)
		}
	}
	m.AddDocumentMapping(docType, dm)
	m.TypeField = "_type"
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("validate mapping: %w", err)
	}
	return m, nil
}

// mappingVersion identifies m together with the analyzers and this
// package's schema; an index stored with another version is rebuilt.
func mappingVersion(m *mapping.IndexMappingImpl) (string, error) {
	j, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode mapping: %w", err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", schemaVersion, analyzersVersion())
	h.Write(j)
	return hex.EncodeToString(h.Sum(nil)), nil
}
