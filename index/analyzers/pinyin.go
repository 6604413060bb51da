package analyzers

import (
	"slices"
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
)

const (
	// pinyinMaxJoin is the longest run of characters whose syllables are
	// also indexed joined (图书馆 → tushuguan). Every run of two up to this
	// many consecutive characters is joined, so a place name inside a longer
	// title is found too (敦煌研究院 → dunhuang).
	pinyinMaxJoin = 4
	// pinyinMaxReadings bounds the readings kept for a polyphonic character
	// (重 → zhong, chong): the dictionary lists the common reading first and
	// rare ones after the second.
	pinyinMaxReadings = 2
	// pinyinMaxSpellings bounds the spellings indexed for one joined run,
	// whose count multiplies with every polyphonic character in it.
	pinyinMaxSpellings = 4
)

// loadPinyin returns the table from Han character to its distinct
// toneless readings, the most common first (敦 → dun; 重 → zhong, chong;
// 女 → nv, as pinyin keyboards type ü), read once from pinyinTables (which
// TestPinyinTables generates from go-pinyin's dictionary).
var loadPinyin = sync.OnceValues(readPinyin)

// pinyinTokenizer turns Chinese text into toneless pinyin. Each character
// becomes a token per reading at its own position, and at the position of
// each character come the joined spellings of it and the next one to
// pinyinMaxJoin-1 characters (重庆 → zhongqing, chongqing), each with the
// offsets of the characters it spells. Letters and digits are kept as in
// the plain analyzer, so a query typed in pinyin matches.
type pinyinTokenizer struct {
	readings map[rune][]string
	t2s      map[rune]rune
}

// pinyinChar is one character of a run with its readings.
type pinyinChar struct {
	start, end int
	pos        int
	readings   []string
}

func (p pinyinTokenizer) Tokenize(text []byte) analysis.TokenStream {
	rv := make(analysis.TokenStream, 0, len(text))
	pos := 0
	var run []pinyinChar // consecutive characters with readings
	flush := func() {
		for i, first := range run {
			for n := 2; n <= pinyinMaxJoin && i+n <= len(run); n++ {
				last := run[i+n-1]
				for _, s := range pinyinSpellings(run[i : i+n]) {
					rv = append(rv, &analysis.Token{
						Term:     s,
						Start:    first.start,
						End:      last.end,
						Position: first.pos,
						Type:     analysis.Shingle,
					})
				}
			}
		}
		run = run[:0]
	}
	scanUnits(text, func(u unit) {
		if !u.ideo {
			flush()
			pos++
			rv = append(rv, &analysis.Token{
				Term:     normWord(text[u.start:u.end], true),
				Start:    u.start,
				End:      u.end,
				Position: pos,
				Type:     wordType(text[u.start:u.end]),
			})
			return
		}
		// Read the Simplified form, so that Traditional text spells the same.
		r, _ := utf8.DecodeRune(text[u.start:])
		if sr, conv := p.t2s[r]; conv {
			r = sr
		}
		readings, ok := p.readings[r]
		if !ok {
			flush() // kana and rare characters have no reading: a break
			return
		}
		if len(run) > 0 && run[len(run)-1].end != u.start {
			flush()
		}
		pos++
		for _, s := range readings {
			rv = append(rv, &analysis.Token{
				Term:     []byte(s),
				Start:    u.start,
				End:      u.end,
				Position: pos,
				Type:     analysis.AlphaNumeric,
			})
		}
		run = append(run, pinyinChar{start: u.start, end: u.end, pos: pos, readings: readings})
	})
	flush()
	// Joined spellings were appended after their run; keep positions in
	// order, as a tokenizer's output is expected to be.
	slices.SortStableFunc(rv, func(a, b *analysis.Token) int { return a.Position - b.Position })
	return rv
}

// pinyinSpellings returns the joined spellings of chars: every combination
// of their readings, the most common readings first, at most
// pinyinMaxSpellings of them.
func pinyinSpellings(chars []pinyinChar) [][]byte {
	var idx [pinyinMaxJoin]int // an odometer over the readings
	count, size := 1, 0
	for _, c := range chars {
		count *= len(c.readings)
		size += len(c.readings[0]) + 2
	}
	count = min(count, pinyinMaxSpellings)
	out := make([][]byte, 0, count)
	buf := make([]byte, 0, count*size)
	for len(out) < count {
		start := len(buf)
		for k, c := range chars {
			buf = append(buf, c.readings[idx[k]]...)
		}
		out = append(out, buf[start:len(buf):len(buf)])
		for k := len(chars) - 1; k >= 0; k-- {
			if idx[k]++; idx[k] < len(chars[k].readings) {
				break
			}
			idx[k] = 0
		}
	}
	return out
}
