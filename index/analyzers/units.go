package analyzers

import (
	"bytes"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"golang.org/x/text/unicode/norm"
)

// A unit is one indexable piece of text found by scanUnits: a single
// ideograph or kana, or a run of letters and digits. Start and End are byte
// offsets into the scanned text and always fall on rune boundaries.
type unit struct {
	start, end int
	ideo       bool
}

// isIdeo reports whether r is indexed one character at a time: Han
// ideographs and Japanese kana, full or half width.
func isIdeo(r rune) bool {
	if r < 0x2E80 {
		return false
	}
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r)
}

// isWordRune reports whether r belongs to a run of letters and digits.
// Full-width letters and digits are letters and digits, so they are kept
// here and normalised later, unlike in Bleve's unicode tokenizer, which
// drops them.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

// scanUnits calls emit for every unit of text in order. Punctuation that
// joins words in Unicode word segmentation stays inside a run when the same
// kind of rune follows it (see isJoiner). Invalid UTF-8 bytes separate
// units, so unit boundaries are rune boundaries whatever the input.
func scanUnits(text []byte, emit func(unit)) {
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRune(text[i:])
		switch {
		case isIdeo(r):
			emit(unit{start: i, end: i + n, ideo: true})
			i += n
		case isWordRune(r):
			j, prev := i+n, r
			for j < len(text) {
				r2, n2 := utf8.DecodeRune(text[j:])
				if isWordRune(r2) && !isIdeo(r2) {
					j, prev = j+n2, r2
					continue
				}
				if isJoiner(prev, r2) && j+n2 < len(text) {
					next, n3 := utf8.DecodeRune(text[j+n2:])
					if sameKind(prev, next) && !isIdeo(next) {
						j, prev = j+n2+n3, next
						continue
					}
				}
				break
			}
			emit(unit{start: i, end: j})
			i = j
		default:
			i += n
		}
	}
}

// isJoiner reports whether r joins the runs on both sides of it, as in
// Unicode word segmentation (UAX #29): 3.14 and 1,5 between digits; t.ex,
// S:t and it's between letters.
func isJoiner(prev, r rune) bool {
	switch r {
	case '.':
		return true
	case ',', ';':
		return unicode.IsDigit(prev)
	case ':', '\'', '’':
		return unicode.IsLetter(prev)
	}
	return false
}

func sameKind(prev, next rune) bool {
	if unicode.IsDigit(prev) {
		return unicode.IsDigit(next)
	}
	return unicode.IsLetter(next)
}

// normWord returns the search term of a run of letters and digits: NFKC
// (full-width ＡＢＣ and ２０２４ become abc and 2024), lowercase, and
// with fold set, diacritics folded.
func normWord(w []byte, fold bool) []byte {
	if !norm.NFKC.IsNormal(w) {
		w = norm.NFKC.Bytes(w)
	}
	w = bytes.ToLower(w)
	if fold {
		w, _ = foldBytes(w)
	}
	return w
}

// normIdeo returns the search term of one ideograph or kana: its NFKC form
// (half-width kana become full width, compatibility ideographs unified)
// converted to Simplified Chinese rune by rune.
func normIdeo(r rune, t2s map[rune]rune) []byte {
	var buf [utf8.UTFMax]byte
	b := buf[:utf8.EncodeRune(buf[:], r)]
	if !(r >= 0x4E00 && r <= 0x9FFF) && !norm.NFKC.IsNormal(b) {
		b = norm.NFKC.Bytes(b)
	}
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		c, n := utf8.DecodeRune(b)
		if s, ok := t2s[c]; ok {
			c = s
		}
		out = utf8.AppendRune(out, c)
		b = b[n:]
	}
	return out
}

// wordTokenizer splits text into units (see scanUnits) and emits each as a
// token with the original bytes as its term, for the token filters to
// normalise. Unlike Bleve's unicode tokenizer it keeps full-width letters
// and digits, and its offsets fall on rune boundaries even in invalid UTF-8.
type wordTokenizer struct{}

func (wordTokenizer) Tokenize(text []byte) analysis.TokenStream {
	rv := make(analysis.TokenStream, 0, presize(len(text)/6+1))
	var toks []analysis.Token // allocated in chunks; rv points into them
	pos := 0
	scanUnits(text, func(u unit) {
		if len(toks) == cap(toks) {
			toks = make([]analysis.Token, 0, presize(max(16, len(text)/8)))
		}
		pos++
		typ := analysis.Ideographic
		if !u.ideo {
			typ = wordType(text[u.start:u.end])
		}
		toks = append(toks, analysis.Token{
			Term:     text[u.start:u.end],
			Start:    u.start,
			End:      u.end,
			Position: pos,
			Type:     typ,
		})
		rv = append(rv, &toks[len(toks)-1])
	})
	return rv
}

// maxPresize bounds the tokens a tokenizer allocates ahead from the length
// of its text: a text of mostly spaces (the cap in package index blanks
// words past a term's cap) must not cost a token per eight bytes.
const maxPresize = 1024

// presize returns n, at most maxPresize.
func presize(n int) int { return min(n, maxPresize) }
