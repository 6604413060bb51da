package langs

import (
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
)

// correctionsText is the reviewable table of phrase corrections; its
// header says how to read it.
//
//go:embed testdata/phrase-corrections.txt
var correctionsText string

// ErrCorrections reports a malformed row of the phrase corrections.
var ErrCorrections = errors.New("bad phrase correction")

// Correction is one row of the phrase corrections
// (testdata/phrase-corrections.txt): a Simplified phrase and its right
// forms in Taiwan and Hong Kong Traditional Chinese, where OpenCC gets
// municipal text wrong.
type Correction struct {
	Simplified, Taiwan, HongKong string
	Why                          string
	Line                         int
}

// Corrections returns the rows of the phrase corrections in table order.
// Both conversions apply them: Simplified to Traditional here, and the
// reverse in the query conversion of search.
func Corrections() ([]Correction, error) {
	return loadCorrections()
}

var loadCorrections = sync.OnceValues(func() ([]Correction, error) {
	return parseCorrections(correctionsText)
})

func parseCorrections(text string) ([]Correction, error) {
	var out []Correction
	seen := make(map[string]int)
	var errs []error
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "|")
		for j := range f {
			f[j] = strings.TrimSpace(f[j])
		}
		if len(f) != 4 || f[0] == "" || f[1] == "" || f[2] == "" || f[3] == "" {
			errs = append(errs, fmt.Errorf("line %d: want simplified | Taiwan | Hong Kong | why: %w", i+1, ErrCorrections))
			continue
		}
		if prev, ok := seen[f[0]]; ok {
			errs = append(errs, fmt.Errorf("line %d: %s is already on line %d: %w", i+1, f[0], prev, ErrCorrections))
			continue
		}
		seen[f[0]] = i + 1
		out = append(out, Correction{Simplified: f[0], Taiwan: f[1], HongKong: f[2], Why: f[3], Line: i + 1})
	}
	return out, errors.Join(errs...)
}

// phrases replaces Simplified phrases with fixed Traditional ones before
// OpenCC converts the rest.
type phrases struct {
	to     map[string]string
	maxLen map[rune]int // longest key starting with the rune, in bytes
}

func newPhrases(cs []Correction, v Variant) *phrases {
	p := &phrases{to: make(map[string]string, len(cs)), maxLen: make(map[rune]int, len(cs))}
	for _, c := range cs {
		t := c.Taiwan
		if v == HongKong {
			t = c.HongKong
		}
		p.to[c.Simplified] = t
		r, _ := utf8.DecodeRuneInString(c.Simplified)
		p.maxLen[r] = max(p.maxLen[r], len(c.Simplified))
	}
	return p
}

// convert converts s with cc, except that the longest phrase of p at each
// position is replaced by its fixed form; OpenCC converts the runs between.
func (p *phrases) convert(cc *opencc.OpenCC, s string) string {
	if p == nil || len(p.to) == 0 {
		return convert(cc, s)
	}
	var b strings.Builder
	from := 0 // start of the run OpenCC has not converted yet
	for i := 0; i < len(s); {
		l, t := p.match(s[i:])
		if l == 0 {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(s) + len(s)/8)
		}
		if from < i {
			b.WriteString(convert(cc, s[from:i]))
		}
		b.WriteString(t)
		i += l
		from = i
	}
	if from == 0 {
		return convert(cc, s)
	}
	if from < len(s) {
		b.WriteString(convert(cc, s[from:]))
	}
	return b.String()
}

// match returns the length of the longest phrase of p that s starts with,
// and its fixed form; 0 when there is none.
func (p *phrases) match(s string) (int, string) {
	r, size := utf8.DecodeRuneInString(s)
	n, ok := p.maxLen[r]
	if !ok {
		return 0, ""
	}
	for l := min(n, len(s)); l >= size; l-- {
		if t, ok := p.to[s[:l]]; ok {
			return l, t
		}
	}
	return 0, ""
}
