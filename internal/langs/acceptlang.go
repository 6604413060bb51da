package langs

import (
	"slices"
	"strings"

	"golang.org/x/text/language"
)

// MaxAcceptLanguage is how much of an Accept-Language header is read. A longer
// header is cut at its last comma before this many bytes.
const MaxAcceptLanguage = 4 << 10

// MaxAcceptLanguageEntries is how many entries of an Accept-Language header
// are read; browsers send fewer than ten. Each costs a parse and a match, so
// the limit keeps a hostile 4 KiB header cheap.
const MaxAcceptLanguageEntries = 32

// qOne is the weight 1 in entry.q's unit: nine decimals are read, so
// weights that differ in any decimal a client is likely to send compare as
// they should.
const qOne = 1_000_000_000

// entry is one language range of an Accept-Language header.
type entry struct {
	tag  language.Tag
	q    int // weight in billionths, 0..qOne
	wild bool

	// From tag.Raw, which is slow enough to do once.
	base     language.Base
	region   language.Region
	regional bool // has a script or a region
	spec     int  // number of subtags; 0 for "*"

	// The served language the tag matches on its own, and how well.
	idx  int
	conf language.Confidence
}

// negotiateHeader chooses the language from an Accept-Language header,
// falling back to the default language.
func (n *Negotiator) negotiateHeader(h string) Choice {
	var buf [16]entry
	es := n.parseAcceptLanguage(h, buf[:0])
	if len(es) == 0 {
		return n.defaultChoice(0)
	}
	// RFC 9110: order by weight; at equal weights a language the client
	// names comes before "*", which stands only for what it does not name,
	// and otherwise the client's order is kept.
	slices.SortStableFunc(es, func(a, b entry) int {
		if a.q != b.q {
			return b.q - a.q
		}
		return cmpBool(a.wild, b.wild)
	})
	n.amend(es)
	refused := n.refused(es)
	n.expandWildcards(es, refused)

	// The positive entries that match a served language nobody refused.
	// The first of them is the language the client prefers most; the
	// matcher weighs it together with the later entries for the same
	// language, which settles the script of Chinese (zh-HK,zh-Hans → zh-Hans),
	// but never serves another language over it: given a whole header,
	// x/text may pick a language the client ranked lower
	// (zh-HK,zh;q=0.9,en;q=0.8,zh-TW;q=0.7 → en).
	var tbuf [8]language.Tag
	tags := tbuf[:0]
	first := -1
	for i, e := range es {
		if e.q > 0 && e.idx >= 0 && refused&(1<<e.idx) == 0 {
			if first < 0 {
				first = i
			}
			if n.bases[e.idx] == n.bases[es[first].idx] {
				tags = append(tags, e.tag)
			}
		}
	}
	if len(tags) == 0 {
		return n.defaultChoice(refused)
	}
	_, idx, conf := n.matcher.Match(tags...)
	if conf == language.No || refused&(1<<idx) != 0 || n.bases[idx] != n.bases[es[first].idx] {
		// Not expected: each tag matched on its own. Trust the first.
		idx = es[first].idx
	}

	c := Choice{Lang: n.served[idx], Source: Header, Refused: n.names(refused)}
	hantVariant := None
	seen := uint64(1) << idx
	for _, e := range es {
		if e.q == 0 || e.idx < 0 || refused&(1<<e.idx) != 0 {
			continue
		}
		if e.idx == n.hant && hantVariant == None {
			hantVariant = n.variant(e.idx, e.region)
		}
		if seen&(1<<e.idx) == 0 {
			seen |= 1 << e.idx
			c.Prefs = append(c.Prefs, n.served[e.idx])
		}
	}
	if idx == n.hant {
		c.Variant = hantVariant
		if c.Variant == None {
			c.Variant = Taiwan
		}
	} else if _, ok := n.derived[c.Lang]; ok {
		c.Variant = n.defaultVariant(c.Lang)
	}
	if n.hant >= 0 && slices.Contains(c.Prefs, n.served[n.hant]) {
		c.PrefsVariant = hantVariant
	}
	return c
}

// defaultChoice returns the default language, or when the client refused it
// the first language of its fallback chain, or of the served languages, that
// the client did not refuse.
func (n *Negotiator) defaultChoice(refused uint64) Choice {
	idx := n.firstOutside(refused)
	if idx < 0 {
		idx = n.defIdx // everything refused: nothing else is possible
	}
	lang := n.served[idx]
	return Choice{Lang: lang, Variant: n.defaultVariant(lang), Refused: n.names(refused), Source: Default}
}

// firstOutside returns the index of the first served language not in set,
// trying the default language, its fallback chain and then the served
// order; -1 when set holds every served language.
func (n *Negotiator) firstOutside(set uint64) int {
	if set&(1<<n.defIdx) == 0 {
		return n.defIdx
	}
	for _, l := range n.fallback[n.def] {
		if i := slices.Index(n.served, l); set&(1<<i) == 0 {
			return i
		}
	}
	for i := range n.served {
		if set&(1<<i) == 0 {
			return i
		}
	}
	return -1
}

// names returns the served tags in set, or nil for the empty set.
func (n *Negotiator) names(set uint64) []string {
	if set == 0 {
		return nil
	}
	var out []string
	for i, s := range n.served {
		if set&(1<<i) != 0 {
			out = append(out, s)
		}
	}
	return out
}

// refused returns the set of served languages the client refused. A served
// language is refused when the most specific entries that cover it include
// one with q=0; "*" covers only languages no other entry covers (RFC 9110
// §12.5.4). An entry covers a served language when the matcher maps it there
// with High or Exact confidence, or when it is a bare language that prefixes
// the served tag (RFC 4647 basic filtering: "zh" covers zh-Hans and zh-Hant).
func (n *Negotiator) refused(es []entry) uint64 {
	anyZero := false
	for _, e := range es {
		if e.q == 0 {
			anyZero = true
			break
		}
	}
	if !anyZero {
		return 0
	}
	var set uint64
	for i := range n.served {
		bestPos, bestZero := -1, -1 // highest specificity covering served[i]
		wildPos, wildZero := false, false
		for _, e := range es {
			if e.wild {
				if e.q == 0 {
					wildZero = true
				} else {
					wildPos = true
				}
				continue
			}
			if !n.covers(e, i) {
				continue
			}
			if e.q == 0 {
				bestZero = max(bestZero, e.spec)
			} else {
				bestPos = max(bestPos, e.spec)
			}
		}
		switch {
		case bestZero >= 0 && bestZero >= bestPos:
			set |= 1 << i
		case bestZero < 0 && bestPos < 0 && wildZero && !wildPos:
			set |= 1 << i
		}
	}
	return set
}

// covers reports whether entry e applies to served[i].
func (n *Negotiator) covers(e entry, i int) bool {
	if e.idx == i && e.conf >= language.High {
		return true
	}
	return e.spec == 1 && e.base == n.bases[i]
}

// expandWildcards makes each "*" with a weight above 0 stand for the served
// language a client without preferences would get (the default, then its
// fallback chain, then the served order), skipping languages the client named
// or refused, since "*" covers only languages no other entry covers.
func (n *Negotiator) expandWildcards(es []entry, refused uint64) {
	if !slices.ContainsFunc(es, func(e entry) bool { return e.wild && e.q > 0 }) {
		return
	}
	var named uint64
	for _, e := range es {
		if e.wild {
			continue
		}
		for i := range n.served {
			if n.covers(e, i) {
				named |= 1 << i
			}
		}
	}
	pick := n.firstOutside(named | refused)
	if pick < 0 {
		return
	}
	for i := range es {
		if e := &es[i]; e.wild && e.q > 0 {
			e.tag, e.idx, e.conf = n.tags[pick], pick, language.Exact
		}
	}
}

// amend applies the contract's one amendment to plain matching: browsers
// append the bare language after a regional tag (Chrome sends
// "zh-HK,zh;q=0.9"), so a bare "zh" stands for the nearest earlier Chinese
// tag that has a region or script, in order of preference (for browsers that
// is header order). Without it x/text serves zh-Hans to Hong Kong readers.
func (n *Negotiator) amend(es []entry) {
	last := -1
	for i := range es {
		e := &es[i]
		if e.wild || e.q == 0 {
			continue
		}
		if e.base != n.zh {
			continue
		}
		if e.regional {
			last = i
			continue
		}
		if e.spec == 1 && last >= 0 {
			q := e.q
			*e = es[last]
			e.q = q
		}
	}
}

// parseAcceptLanguage appends the entries of h that parse to es. It reads at
// most MaxAcceptLanguage bytes and MaxAcceptLanguageEntries entries, and
// drops what it cannot parse, each entry on its own: ranges
// language.Parse rejects, weights parseQValue does not read, and
// parameters other than q.
func (n *Negotiator) parseAcceptLanguage(h string, es []entry) []entry {
	if len(h) > MaxAcceptLanguage {
		h = h[:MaxAcceptLanguage]
		if i := strings.LastIndexByte(h, ','); i >= 0 {
			h = h[:i]
		} else {
			h = ""
		}
	}
	for items := 0; h != "" && items < MaxAcceptLanguageEntries; {
		var item string
		item, h, _ = strings.Cut(h, ",")
		rng, params, _ := strings.Cut(item, ";")
		rng = trimOWS(rng)
		if rng == "" {
			continue // empty list elements are allowed and do not count
		}
		items++
		q, ok := parseWeight(params)
		if !ok {
			continue
		}
		if rng == "*" {
			es = append(es, entry{q: q, wild: true, idx: -1})
			continue
		}
		e, ok := n.parseRange(rng)
		if !ok {
			continue
		}
		e.q = q
		es = append(es, e)
	}
	return es
}

// parseRange parses a language range other than "*" and matches it on its
// own. Ranges browsers commonly send come from a table built by
// NewNegotiator, since language.Parse and Match allocate.
func (n *Negotiator) parseRange(rng string) (entry, bool) {
	if e, ok := n.common[rng]; ok {
		return e, true
	}
	t, err := language.Parse(rng)
	if err != nil {
		return entry{}, false
	}
	return n.matchRange(t), true
}

// matchRange returns the entry for t with the served language it matches.
func (n *Negotiator) matchRange(t language.Tag) entry {
	b, script, r := t.Raw()
	e := entry{
		tag:      t,
		base:     b,
		region:   r,
		regional: script != (language.Script{}) || r != (language.Region{}),
		spec:     specificity(t),
		idx:      -1,
	}
	if _, idx, conf := n.matcher.Match(t); conf > language.No {
		e.idx, e.conf = idx, conf
	}
	return e
}

// commonRanges are language ranges browsers often send, parsed and matched
// once by NewNegotiator. The table changes only speed, never results.
var commonRanges = []string{
	"sv", "sv-SE", "sv-FI", "sv-AX",
	"en", "en-US", "en-GB", "en-AU", "en-CA", "en-IE", "en-NZ", "en-IN", "en-ZA",
	"en-SE", "en-FI", "en-DK", "en-NO", "en-DE", "en-NL", "en-150", "en-001",
	"zh", "zh-CN", "zh-TW", "zh-HK", "zh-MO", "zh-SG", "zh-MY",
	"zh-Hans", "zh-Hant", "zh-Hans-CN", "zh-Hans-SG", "zh-Hans-HK",
	"zh-Hant-TW", "zh-Hant-HK", "zh-Hant-MO",
	"fi", "fi-FI", "nb", "nb-NO", "no", "nn", "nn-NO", "da", "da-DK", "is",
	"et", "lv", "lt", "de", "de-DE", "de-AT", "de-CH", "nl", "nl-NL",
	"fr", "fr-FR", "es", "es-ES", "es-419", "it", "it-IT", "pt", "pt-BR", "pt-PT",
	"pl", "pl-PL", "ru", "ru-RU", "uk", "uk-UA", "tr", "tr-TR",
	"ar", "fa", "so", "ti", "ku", "ja", "ja-JP", "ko", "ko-KR", "yue", "yue-HK",
}

// parseWeight parses the parameters after a range: nothing, or one
// q=value, with empty parameters (a stray ";") ignored.
func parseWeight(params string) (int, bool) {
	q, seen := qOne, false
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		p = trimOWS(p)
		if p == "" {
			continue
		}
		if seen || len(p) < 2 || p[0]|0x20 != 'q' {
			return 0, false
		}
		v := trimOWS(p[1:])
		if v == "" || v[0] != '=' {
			return 0, false
		}
		var ok bool
		if q, ok = parseQValue(trimOWS(v[1:])); !ok {
			return 0, false
		}
		seen = true
	}
	return q, true
}

// parseQValue parses a weight from 0 to 1 in billionths. Beyond RFC 9110's
// qvalue ("0" or "1", a dot and up to three digits) it reads what other
// HTTP stacks send and whose meaning is clear: a leading dot (.5), more
// decimals (0.1234, 1.0000; digits after the ninth are cut, and a weight
// above zero never becomes zero). Signs, exponents and weights above 1 are
// not read.
func parseQValue(v string) (int, bool) {
	if v == "" || v == "." {
		return 0, false
	}
	q := 0
	if v[0] != '.' {
		if v[0] != '0' && v[0] != '1' {
			return 0, false
		}
		q = int(v[0]-'0') * qOne
		v = v[1:]
		if v != "" && v[0] != '.' {
			return 0, false
		}
	}
	if v != "" {
		scale, rest := qOne/10, false
		for _, c := range []byte(v[1:]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			if scale > 0 {
				q += int(c-'0') * scale
				scale /= 10
			} else if c != '0' {
				rest = true
			}
		}
		if rest && q == 0 {
			q = 1
		}
		if rest && q == qOne {
			return 0, false // 1.0000000001
		}
	}
	if q > qOne {
		return 0, false
	}
	return q, true
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// trimOWS trims the optional whitespace (spaces and tabs) of HTTP.
func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// specificity returns the number of subtags of t that narrow a range: base,
// script, region and variants.
func specificity(t language.Tag) int {
	b, s, r := t.Raw()
	n := 0
	if b != (language.Base{}) {
		n++
	}
	if s != (language.Script{}) {
		n++
	}
	if r != (language.Region{}) {
		n++
	}
	return n + len(t.Variants())
}
