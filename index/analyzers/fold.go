package analyzers

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/sv"
	"golang.org/x/text/unicode/norm"
)

// FoldSwedish returns s with diacritics removed from Latin letters, so that
// text typed without them matches: å and ä become a, ö becomes o, é becomes e,
// ü becomes u, and ø, æ and ß become o, ae and ss. Case is kept, as is every
// other rune. FoldSwedish never changes a string that is plain ASCII.
func FoldSwedish(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		writeFolded(&b, r)
	}
	return b.String()
}

func writeFolded(b *strings.Builder, r rune) {
	switch {
	case r < utf8.RuneSelf:
		b.WriteByte(byte(r))
	case r >= 0xC0 && r < 0x250:
		b.WriteString(latinFolds()[r-0xC0])
	case r >= 0x1E00 && r <= 0x1EFF:
		// Latin Extended Additional: Vietnamese and other stacked marks.
		b.WriteString(foldByDecomposition(r))
	default:
		b.WriteRune(r)
	}
}

// latinFolds holds the folding of U+00C0 to U+024F, computed once.
var latinFolds = sync.OnceValue(func() []string {
	t := make([]string, 0x250-0xC0)
	for r := rune(0xC0); r < 0x250; r++ {
		t[r-0xC0] = foldLatin(r)
	}
	return t
})

// foldLatin folds one letter of Latin-1 or Latin Extended-A/B: letters
// without a canonical decomposition by a fixed table, the rest by
// dropping their combining marks.
func foldLatin(r rune) string {
	switch r {
	case 'ø':
		return "o"
	case 'Ø':
		return "O"
	case 'œ':
		return "oe"
	case 'Œ':
		return "OE"
	case 'æ':
		return "ae"
	case 'Æ':
		return "AE"
	case 'ß':
		return "ss"
	case 'đ':
		return "d"
	case 'Đ':
		return "D"
	case 'ł':
		return "l"
	case 'Ł':
		return "L"
	case 'þ':
		return "th"
	case 'Þ':
		return "TH"
	case 'ı':
		return "i"
	}
	return foldByDecomposition(r)
}

// foldByDecomposition drops the combining marks of r's canonical
// decomposition, which puts the base letter first.
func foldByDecomposition(r rune) string {
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	d := norm.NFD.Append(nil, buf[:n]...)
	out := make([]byte, 0, len(d)+2)
	for len(d) > 0 {
		c, size := utf8.DecodeRune(d)
		switch {
		case unicode.Is(unicode.Mn, c):
		case c >= 0xC0 && c < 0x250 && c != r:
			out = append(out, foldLatin(c)...) // Ǣ → Æ → AE
		default:
			out = utf8.AppendRune(out, c)
		}
		d = d[size:]
	}
	return string(out)
}

// foldFilter folds the diacritics of every token term with FoldSwedish.
// Offsets are kept: only Term changes.
type foldFilter struct{}

func (foldFilter) Filter(input analysis.TokenStream) analysis.TokenStream {
	for _, t := range input {
		if folded, ok := foldBytes(t.Term); ok {
			t.Term = folded
		}
	}
	return input
}

// foldBytes folds term, reporting false when nothing changed.
func foldBytes(term []byte) ([]byte, bool) {
	i := 0
	for i < len(term) && term[i] < utf8.RuneSelf {
		i++
	}
	if i == len(term) {
		return term, false
	}
	f := FoldSwedish(string(term))
	if f == string(term) {
		return term, false
	}
	return []byte(f), true
}

// foldedStopFilter drops tokens whose folded term is a folded Swedish stop
// word, so that a query typed without diacritics (for, sa, da) loses the
// same words as the text it searches (för, så, då).
type foldedStopFilter struct {
	words map[string]bool
}

func newFoldedStopFilter() (foldedStopFilter, error) {
	tm := analysis.NewTokenMap()
	if err := tm.LoadBytes(sv.SwedishStopWords); err != nil {
		return foldedStopFilter{}, fmt.Errorf("load Swedish stop words: %w", err)
	}
	words := make(map[string]bool, len(tm))
	for w := range tm {
		words[FoldSwedish(w)] = true
	}
	return foldedStopFilter{words: words}, nil
}

func (f foldedStopFilter) Filter(input analysis.TokenStream) analysis.TokenStream {
	rv := input[:0]
	for _, t := range input {
		if !f.words[string(t.Term)] {
			rv = append(rv, t)
		}
	}
	return rv
}
