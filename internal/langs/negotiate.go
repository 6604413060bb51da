package langs

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"golang.org/x/text/language"
)

// ErrUnsupported reports a lang parameter that names no served language.
var ErrUnsupported = errors.New("unsupported language")

// Variant selects the form of a derived language. Only zh-Hant has variants.
type Variant uint8

const (
	// None means no conversion: the language is stored, not derived.
	None Variant = iota
	// Taiwan is zh-Hant with Taiwan phrasing (OpenCC s2twp), for zh-TW and
	// plain zh-Hant.
	Taiwan
	// HongKong is zh-Hant with Hong Kong characters (OpenCC s2hk), for zh-HK
	// and zh-MO.
	HongKong
)

// String returns "none", "TW" or "HK".
func (v Variant) String() string {
	switch v {
	case Taiwan:
		return "TW"
	case HongKong:
		return "HK"
	}
	return "none"
}

// Source tells which input decided a [Choice].
type Source uint8

const (
	// Default means neither the lang parameter nor Accept-Language named a
	// served language.
	Default Source = iota
	// Param means the lang query parameter decided.
	Param
	// Header means an entry of Accept-Language decided.
	Header
)

// String returns "default", "param" or "header".
func (s Source) String() string {
	switch s {
	case Param:
		return "param"
	case Header:
		return "header"
	}
	return "default"
}

// Choice is the outcome of negotiation for one request.
type Choice struct {
	// Lang is the chosen served tag, such as "zh-Hant". It is what the
	// contract calls requested_lang.
	Lang string
	// Variant is the conversion for Lang when Lang is derived, else None.
	Variant Variant
	// Prefs are the client's other acceptable served languages in the
	// client's order of preference. They come from Accept-Language only, so
	// they are empty when the lang parameter decided, and they never hold a
	// language the client refused with q=0.
	Prefs []string
	// PrefsVariant is the conversion for a derived language in Prefs.
	PrefsVariant Variant
	// Refused are the served languages the client refused with q=0 (or with
	// "*;q=0"). Resolve serves them only when nothing else is available.
	Refused []string
	// Source tells which input decided Lang.
	Source Source
}

// Negotiator chooses the served language of a response. It is immutable and
// safe for concurrent use.
type Negotiator struct {
	served   []string            // stored languages, then derived ones
	tags     []language.Tag      // served, parsed; index-aligned with served
	bases    []language.Base     // their base languages
	derived  map[string]string   // derived tag -> stored source
	fallback map[string][]string // copied from site.yaml
	def      string
	defIdx   int
	hant     int // index of a derived zh-Hant in served, or -1
	matcher  language.Matcher
	hk, mo   language.Region
	zh       language.Base
	common   map[string]entry // see commonRanges
}

// maxServed bounds the served languages so that sets of them fit a uint64.
const maxServed = 64

// NewNegotiator returns a Negotiator for the given stored languages, derived
// languages (derived tag to the stored tag it is converted from), default
// language and fallback chains. Every tag must be in canonical form
// ("zh-Hans", not "zh-hans"), stored and derived tags must be distinct, and
// the default and every tag in the fallback chains must be served.
func NewNegotiator(stored []string, derived map[string]string, defaultLang string, fallback map[string][]string) (*Negotiator, error) {
	if len(stored) == 0 {
		return nil, errors.New("langs: no stored languages")
	}
	derivedTags := make([]string, 0, len(derived))
	for d := range derived {
		derivedTags = append(derivedTags, d)
	}
	sort.Strings(derivedTags)
	served := append(slices.Clone(stored), derivedTags...)
	if len(served) > maxServed {
		return nil, fmt.Errorf("langs: %d served languages, at most %d", len(served), maxServed)
	}
	n := &Negotiator{
		served:   served,
		tags:     make([]language.Tag, len(served)),
		bases:    make([]language.Base, len(served)),
		derived:  make(map[string]string, len(derived)),
		fallback: make(map[string][]string, len(fallback)),
		def:      defaultLang,
		hant:     -1,
		hk:       language.MustParseRegion("HK"),
		mo:       language.MustParseRegion("MO"),
		zh:       language.MustParseBase("zh"),
	}
	var errs []error
	for i, s := range served {
		t, err := language.Parse(s)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("langs: served language %q: %w", s, err))
		case t.String() != s:
			errs = append(errs, fmt.Errorf("langs: served language %q is not canonical (%s)", s, t))
		case slices.Index(served, s) != i:
			errs = append(errs, fmt.Errorf("langs: served language %q listed twice", s))
		}
		n.tags[i] = t
		n.bases[i], _, _ = t.Raw()
		if _, ok := derived[s]; ok && s == "zh-Hant" {
			n.hant = i // the only derived language with variants
		}
	}
	for d, from := range derived {
		if !slices.Contains(stored, from) {
			errs = append(errs, fmt.Errorf("langs: derived language %q comes from %q, which is not stored", d, from))
		}
		n.derived[d] = from
	}
	n.defIdx = slices.Index(served, defaultLang)
	if n.defIdx < 0 {
		errs = append(errs, fmt.Errorf("langs: default language %q is not served", defaultLang))
	}
	for l, chain := range fallback {
		if !slices.Contains(served, l) {
			errs = append(errs, fmt.Errorf("langs: fallback for %q, which is not served", l))
		}
		for _, c := range chain {
			if !slices.Contains(served, c) {
				errs = append(errs, fmt.Errorf("langs: fallback for %q names %q, which is not served", l, c))
			}
		}
		n.fallback[l] = slices.Clone(chain)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	n.matcher = language.NewMatcher(n.tags)
	n.common = make(map[string]entry, 2*(len(commonRanges)+len(served)))
	for _, r := range slices.Concat(commonRanges, served) {
		e := n.matchRange(language.MustParse(r))
		n.common[r] = e
		n.common[strings.ToLower(r)] = e
	}
	return n, nil
}

// Served returns the served tags: the stored languages in the order given to
// NewNegotiator, then the derived ones sorted.
func (n *Negotiator) Served() []string { return slices.Clone(n.served) }

// Negotiate chooses the served language of a request: the lang query
// parameter when hasParam is true (Accept-Language is then ignored entirely),
// else the Accept-Language header, else the default language. It returns an
// error wrapping ErrUnsupported only for a lang parameter that names no
// served language; a bad header is never an error.
func (n *Negotiator) Negotiate(param string, hasParam bool, acceptLanguage string) (Choice, error) {
	if hasParam {
		lang, v, err := n.ParseParam(param)
		if err != nil {
			return Choice{}, err
		}
		return Choice{Lang: lang, Variant: v, Source: Param}, nil
	}
	return n.negotiateHeader(acceptLanguage), nil
}

// maxParam bounds the lang parameter; no real tag comes close.
const maxParam = 64

// ParseParam maps the value of a lang query parameter to a served language.
// The value must match a served language with High or Exact confidence and
// name the same base language (so "is", which x/text would serve in English,
// is refused). Anything else, including "", "all" and "*", returns an error
// wrapping ErrUnsupported.
func (n *Negotiator) ParseParam(s string) (lang string, v Variant, err error) {
	if s == "" || len(s) > maxParam {
		return "", None, unsupported(s)
	}
	e, ok := n.parseRange(s)
	if !ok || e.conf < language.High || !n.sameBase(e) {
		return "", None, unsupported(s)
	}
	return n.served[e.idx], n.variant(e.idx, e.region), nil
}

func unsupported(s string) error {
	const show = 32
	if len(s) > show {
		s = s[:show] + "…"
	}
	return fmt.Errorf("lang %q: %w", s, ErrUnsupported)
}

// sameBase reports whether e names the base language of the served
// language it matches, after canonicalization (cmn is zh).
func (n *Negotiator) sameBase(e entry) bool {
	want := n.bases[e.idx]
	if e.base == want {
		return true
	}
	c, err := language.All.Canonicalize(e.tag)
	if err != nil {
		return false
	}
	b, _, _ := c.Raw() // not Base, which would guess zh for und-TW
	return b == want
}

// variant returns the conversion for served[idx] when a tag with region r
// chose it.
func (n *Negotiator) variant(idx int, r language.Region) Variant {
	if idx != n.hant {
		return None
	}
	if r == n.hk || r == n.mo {
		return HongKong
	}
	return Taiwan
}

// defaultVariant is the conversion of a derived language nobody asked for by
// region.
func (n *Negotiator) defaultVariant(lang string) Variant {
	if lang == "zh-Hant" && n.hant >= 0 {
		return Taiwan
	}
	return None
}

// Resolve picks the language to serve for one article. available reports
// whether a stored language has a public version; a derived language is
// available when its source is. Resolve tries, in order, c.Lang, the client's
// Prefs, the fallback chain of c.Lang, the original language, and then any
// served language, skipping languages in c.Refused while anything else is
// available. fallback reports whether lang differs from c.Lang. With
// noFallback, Resolve returns ok false instead of falling back; ok is also
// false when the article has no available language at all.
func (n *Negotiator) Resolve(c Choice, available func(storedLang string) bool, original string, noFallback bool) (lang string, variant Variant, fallback bool, ok bool) {
	if n.available(c.Lang, available) && (noFallback || !slices.Contains(c.Refused, c.Lang)) {
		return c.Lang, n.variantOf(c, c.Lang), false, true
	}
	if noFallback {
		return "", None, false, false
	}
	for _, skipRefused := range []bool{true, false} {
		try := func(l string) bool {
			return l != "" && n.available(l, available) && !(skipRefused && slices.Contains(c.Refused, l))
		}
		if try(c.Lang) {
			return c.Lang, n.variantOf(c, c.Lang), false, true
		}
		for _, l := range c.Prefs {
			if try(l) {
				return l, n.variantOf(c, l), true, true
			}
		}
		for _, l := range n.fallback[c.Lang] {
			if try(l) {
				return l, n.variantOf(c, l), true, true
			}
		}
		if try(original) {
			return original, n.variantOf(c, original), true, true
		}
		for _, l := range n.served {
			if try(l) {
				return l, n.variantOf(c, l), true, true
			}
		}
	}
	return "", None, false, false
}

// available reports whether lang is served and available.
func (n *Negotiator) available(lang string, available func(string) bool) bool {
	if from, ok := n.derived[lang]; ok {
		return available(from)
	}
	return slices.Contains(n.served, lang) && available(lang)
}

// variantOf returns the conversion to use when serving lang for c.
func (n *Negotiator) variantOf(c Choice, lang string) Variant {
	if _, ok := n.derived[lang]; !ok {
		return None
	}
	switch {
	case lang == c.Lang && c.Variant != None:
		return c.Variant
	case c.PrefsVariant != None && slices.Contains(c.Prefs, lang):
		return c.PrefsVariant
	}
	return n.defaultVariant(lang)
}
