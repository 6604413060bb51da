package analyzers

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/liuzl/da"
	"github.com/longbridgeapp/opencc"
)

// IsHan reports whether r is a Han ideograph (Chinese character, kanji or
// hanja).
func IsHan(r rune) bool {
	return r >= 0x2E80 && unicode.Is(unicode.Han, r)
}

// ToSimplified returns s with every Traditional Chinese character replaced
// by its Simplified form, one character at a time, exactly as the Chinese
// analyzers do (圖書館 becomes 图书馆). Other runes are kept. Should the
// conversion table fail to load, which only a broken build can cause,
// ToSimplified returns s unchanged.
func ToSimplified(s string) string {
	t2s, err := loadT2S()
	if err != nil {
		return s
	}
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
		if sr, ok := t2s[r]; ok {
			r = sr
		}
		b.WriteRune(r)
	}
	return b.String()
}

// loadT2S builds the Traditional-to-Simplified character table once from
// OpenCC's t2s character dictionary (TSCharacters), taking the first
// candidate of every Han character, so that a character always converts the
// same way whatever its neighbours: that keeps index and query terms equal
// and offsets exact. OpenCC's phrase table is not used for the same reason.
var loadT2S = sync.OnceValues(func() (map[rune]rune, error) {
	cc, err := opencc.New("t2s")
	if err != nil {
		return nil, fmt.Errorf("load opencc t2s: %w", err)
	}
	var chars *da.Dict
	for _, g := range cc.DictChains {
		for i, f := range g.Files {
			if strings.HasPrefix(f, "TSCharacters") && i < len(g.Dicts) {
				chars = g.Dicts[i]
			}
		}
	}
	if chars == nil {
		return nil, errors.New("load opencc t2s: no TSCharacters dictionary")
	}
	t2s := make(map[rune]rune, 4200)
	add := func(lo, hi, stride rune) {
		var buf [utf8.UTFMax]byte
		for r := lo; r <= hi; r += stride {
			// Dict.Get mistakes a value for a node id; PrefixMatch works.
			key := string(buf[:utf8.EncodeRune(buf[:], r)])
			m, err := chars.PrefixMatch(key)
			v := m[key]
			if err != nil || len(v) == 0 {
				continue
			}
			c, n := utf8.DecodeRuneInString(v[0])
			if n == len(v[0]) && c != r && c != utf8.RuneError {
				t2s[r] = c
			}
		}
	}
	for _, r := range unicode.Han.R16 {
		add(rune(r.Lo), rune(r.Hi), rune(r.Stride))
	}
	for _, r := range unicode.Han.R32 {
		add(rune(r.Lo), rune(r.Hi), rune(r.Stride))
	}
	if len(t2s) == 0 {
		return nil, errors.New("load opencc t2s: empty TSCharacters dictionary")
	}
	return t2s, nil
})

// zhTokenizer is the Chinese tokenizer. Every ideograph (and kana) becomes
// a unigram and, with the ideograph before it, a bigram at the position of
// the first; runs of letters and digits become one token each. Terms are
// NFKC-normalised, lowercased (Latin letters also folded: café → cafe) and
// converted to Simplified Chinese; offsets
// are those of the original text, whatever the normalisation did to the
// term.
type zhTokenizer struct {
	t2s map[rune]rune
}

func (z zhTokenizer) Tokenize(text []byte) analysis.TokenStream {
	rv := make(analysis.TokenStream, 0, len(text)/2)
	pos := 0
	var prev *analysis.Token
	scanUnits(text, func(u unit) {
		pos++
		if !u.ideo {
			prev = nil
			rv = append(rv, &analysis.Token{
				Term:     normWord(text[u.start:u.end], true),
				Start:    u.start,
				End:      u.end,
				Position: pos,
				Type:     wordType(text[u.start:u.end]),
			})
			return
		}
		r, _ := utf8.DecodeRune(text[u.start:])
		uni := &analysis.Token{
			Term:     normIdeo(r, z.t2s),
			Start:    u.start,
			End:      u.end,
			Position: pos,
			Type:     analysis.Ideographic,
		}
		if prev != nil && prev.End == u.start {
			term := make([]byte, 0, len(prev.Term)+len(uni.Term))
			term = append(append(term, prev.Term...), uni.Term...)
			rv = append(rv, &analysis.Token{
				Term:     term,
				Start:    prev.Start,
				End:      u.end,
				Position: prev.Position,
				Type:     analysis.Double,
			})
		}
		rv = append(rv, uni)
		prev = uni
	})
	return rv
}

// wordType reports Numeric for runs made of digits only.
func wordType(w []byte) analysis.TokenType {
	for _, r := range string(w) {
		if !unicode.IsDigit(r) && r != '.' && r != ',' {
			return analysis.AlphaNumeric
		}
	}
	return analysis.Numeric
}

// plainTokenizer splits text into units like zhTokenizer but emits each
// unit once, folded (café → cafe, Åmål → amal) and converted to
// Simplified Chinese, without bigrams. It serves title suggestions and
// prefix queries.
type plainTokenizer struct {
	t2s map[rune]rune
}

func (p plainTokenizer) Tokenize(text []byte) analysis.TokenStream {
	rv := make(analysis.TokenStream, 0, len(text)/5)
	pos := 0
	scanUnits(text, func(u unit) {
		pos++
		t := &analysis.Token{Start: u.start, End: u.end, Position: pos}
		if u.ideo {
			r, _ := utf8.DecodeRune(text[u.start:])
			t.Term, t.Type = normIdeo(r, p.t2s), analysis.Ideographic
		} else {
			t.Term, t.Type = normWord(text[u.start:u.end], true), wordType(text[u.start:u.end])
		}
		rv = append(rv, t)
	})
	return rv
}
