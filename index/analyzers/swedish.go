package analyzers

import (
	"slices"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/swedish"
)

// Splitting limits, in runes: words the dictionary knows as a whole must be
// longer before they are split, so that short inflected words are not cut
// into accidental parts (sko+lan in skolan without diacritics).
// Generic linking forms (see svDict.head) are tried on known words only
// from svMinGenericKnown letters up, for the same reason.
const (
	svMinSplitUnknown = svMinSplitRunes
	svMinSplitKnown   = 8
	svMinGenericKnown = 10
)

// svFilter lemmatises and stems lowercase Swedish tokens and splits
// compounds. Each token's term becomes the Snowball stem of its lemma
// (skolan → skola → skol, biblioteket → bibliotek); with parts set, a
// compound is followed by the stems of its parts at the same position
// and with the same offsets (välfärdsteknologi → välfärdsteknologi,
// välfärd, teknologi), so that a part finds the whole and phrases still
// match. With fold set, terms are folded before lookup in a folded
// dictionary, so förskolan and forskolan give the same terms.
type svFilter struct {
	dict  *svDict
	fold  bool
	parts bool
	cache *svCache
}

func newSvFilter(dict *svDict, fold, parts bool) svFilter {
	return svFilter{dict: dict, fold: fold, parts: parts, cache: &svCache{m: make(map[string]*svWord)}}
}

// svWord is the analysis of one word: its stem and the distinct stems of
// its compound parts other than the stem itself.
type svWord struct {
	stem  string
	parts []string
}

// svCacheMax bounds the words an svCache remembers: enough for the
// vocabulary of a municipal site, a few megabytes at most.
const svCacheMax = 32 << 10

// svCache remembers the analysis of words already seen, since looking up
// lemmas and compound splits costs far more than a map lookup and a site's
// texts share most of their words. It is safe for concurrent use. Words
// are analysed the same way every time, so the cache changes no result.
type svCache struct {
	mu sync.RWMutex
	m  map[string]*svWord
}

func (f svFilter) Filter(input analysis.TokenStream) analysis.TokenStream {
	words := make([]*svWord, len(input))
	f.cache.mu.RLock()
	for i, t := range input {
		if !t.KeyWord {
			words[i] = f.cache.m[string(t.Term)]
		}
	}
	f.cache.mu.RUnlock()
	var fresh []int
	var env *snowballstem.Env
	for i, t := range input {
		if words[i] != nil || t.KeyWord || !isSwedishWord(t.Term) {
			continue
		}
		if env == nil {
			env = snowballstem.NewEnv("")
		}
		words[i] = f.analyze(env, string(t.Term))
		fresh = append(fresh, i)
	}
	if len(fresh) > 0 {
		f.cache.mu.Lock()
		for _, i := range fresh {
			if len(f.cache.m) >= svCacheMax {
				break
			}
			f.cache.m[string(input[i].Term)] = words[i]
		}
		f.cache.mu.Unlock()
	}

	rv := input
	extra := false
	for i, t := range input {
		w := words[i]
		if w == nil {
			if extra {
				rv = append(rv, t)
			}
			continue
		}
		if w.stem != string(t.Term) {
			t.Term = []byte(w.stem)
		}
		if len(w.parts) == 0 || !f.parts {
			if extra {
				rv = append(rv, t)
			}
			continue
		}
		if !extra {
			// From here on the stream grows: copy what was filtered so far.
			rv = make(analysis.TokenStream, i, len(input)+len(input)/2)
			copy(rv, input[:i])
			extra = true
		}
		rv = append(rv, t)
		for _, p := range w.parts {
			rv = append(rv, &analysis.Token{
				Term:     []byte(p),
				Start:    t.Start,
				End:      t.End,
				Position: t.Position,
				Type:     t.Type,
			})
		}
	}
	return rv
}

// analyze returns the stem and part stems of the lowercase word term.
func (f svFilter) analyze(env *snowballstem.Env, term string) *svWord {
	w := term
	if f.fold {
		w = FoldSwedish(w)
	}
	lemma, known := f.dict.lemma(w)
	var split svSplit
	var isSplit bool
	if n := utf8.RuneCountInString(w); n >= svMinSplitKnown || !known && n >= svMinSplitUnknown {
		split, isSplit = f.dict.split(w, !known || n >= svMinGenericKnown)
	}
	if !known {
		lemma = w
		if isSplit {
			lemma = split.whole
		}
	}
	stem := lemma
	if !known || f.dict.flags(lemma)&svFlagProper == 0 {
		stem = svStem(env, lemma)
	}
	res := &svWord{stem: stem}
	if isSplit {
		for _, p := range split.parts {
			ps := svStem(env, p)
			if ps != stem && !slices.Contains(res.parts, ps) {
				res.parts = append(res.parts, ps)
			}
		}
	}
	return res
}

// isSwedishWord reports whether term is worth lemmatising: it has letters
// and no digits.
func isSwedishWord(term []byte) bool {
	letter := false
	for _, r := range string(term) {
		switch {
		case r >= '0' && r <= '9' || unicode.IsDigit(r):
			return false
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z'):
			letter = true
		case r >= utf8.RuneSelf && unicode.IsLetter(r):
			letter = true
		}
	}
	return letter
}

// svStem returns the Snowball Swedish stem of w, using env.
func svStem(env *snowballstem.Env, w string) string {
	env.SetCurrent(w)
	swedish.Stem(env)
	return env.Current()
}
