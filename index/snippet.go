package index

import (
	"html"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search"
)

// snippetRunes is the length of a snippet in characters, ellipses aside.
const snippetRunes = 160

// snippetLead is how many characters of context come before the first
// match of a snippet.
const snippetLead = 30

// span is a match: byte offsets [start, end) in one text.
type span struct{ start, end int }

// matchSpans turns Bleve's term locations into spans in the title, the
// summary and the text of a version (the body field holds the summary and
// the text as two array elements).
func matchSpans(locs search.FieldTermLocationMap, sp langSpec, title, summary, text string) (t, s, x []span) {
	add := func(dst []span, src string, l *search.Location) []span {
		start, end := int(l.Start), int(l.End)
		if start < 0 || end > len(src) || start >= end || !runeStart(src, start) || !runeStart(src, end) {
			return dst
		}
		return append(dst, span{start, end})
	}
	for field, terms := range locs {
		isTitle := field == sp.title || field != "" && (field == sp.titleFld || field == sp.titlePl || field == sp.pinyin)
		isBody := field == sp.body || field != "" && field == sp.bodyFld
		for _, ls := range terms {
			for _, l := range ls {
				switch {
				case isTitle:
					t = add(t, title, l)
				case isBody && len(l.ArrayPositions) == 1 && l.ArrayPositions[0] == 0:
					s = add(s, summary, l)
				case isBody && len(l.ArrayPositions) == 1 && l.ArrayPositions[0] == 1:
					x = add(x, text, l)
				}
			}
		}
	}
	return tidy(title, t), tidy(summary, s), tidy(text, x)
}

func runeStart(s string, i int) bool { return i == len(s) || utf8.RuneStart(s[i]) }

// tidy sorts spans, merges overlapping and touching ones (Chinese unigrams
// and bigrams, the same word found through two fields), and drops lone
// Han characters when longer Chinese matches exist, so that a search for
// 敦煌 does not mark every 煌.
func tidy(text string, spans []span) []span {
	if len(spans) == 0 {
		return nil
	}
	slices.SortFunc(spans, func(a, b span) int {
		if a.start != b.start {
			return a.start - b.start
		}
		return b.end - a.end
	})
	out := spans[:1]
	for _, s := range spans[1:] {
		last := &out[len(out)-1]
		if s.start <= last.end && (s.start < last.end || hanAt(text, s.start)) {
			last.end = max(last.end, s.end)
			continue
		}
		out = append(out, s)
	}
	longHan := false
	for _, s := range out {
		if hanAt(text, s.start) && utf8.RuneCountInString(text[s.start:s.end]) > 1 {
			longHan = true
			break
		}
	}
	if longHan {
		out = slices.DeleteFunc(out, func(s span) bool {
			return hanAt(text, s.start) && utf8.RuneCountInString(text[s.start:s.end]) == 1
		})
	}
	return out
}

func hanAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return isHan(r)
}

// markAll returns text HTML-escaped with every span in <mark>.
func markAll(text string, spans []span) string {
	var b strings.Builder
	write(&b, text, 0, len(text), spans)
	return b.String()
}

// write appends text[from:to] to b, escaped, with the spans inside it
// marked and runs of white space outside them collapsed to one space.
func write(b *strings.Builder, text string, from, to int, spans []span) {
	pos := from
	for _, s := range spans {
		if s.start < from || s.end > to {
			continue
		}
		escapeSpace(b, text[pos:s.start])
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[s.start:s.end]))
		b.WriteString("</mark>")
		pos = s.end
	}
	escapeSpace(b, text[pos:to])
}

// escapeSpace writes s to b escaped as html.EscapeString escapes, with
// every run of white space made one space. It writes into b, not a string
// of its own (two allocations per piece of every snippet were a tenth of
// a search's), and copies the runs between characters it changes whole.
func escapeSpace(b *strings.Builder, s string) {
	space := false
	from := 0 // start of the run not yet written
	for i := 0; i < len(s); {
		c := s[i]
		var esc string
		n := 1
		switch c {
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '&':
			esc = "&amp;"
		case '\'':
			esc = "&#39;"
		case '"':
			esc = "&#34;"
		case ' ', '\t', '\n', '\v', '\f', '\r':
		default:
			if c < utf8.RuneSelf {
				space = false
				i++
				continue
			}
			var r rune
			r, n = utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError && n == 1:
				esc = "\uFFFD" // as ranging over s gives it
			case !unicode.IsSpace(r):
				space = false
				i += n
				continue
			}
		}
		b.WriteString(s[from:i])
		if esc != "" {
			b.WriteString(esc)
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
		i += n
		from = i
	}
	b.WriteString(s[from:])
}

// snippet returns about snippetRunes characters of text around the window
// with the most distinct matches, cut at word boundaries (anywhere in
// Chinese), escaped, with matches marked and "…" where text was cut.
func snippet(text string, spans []span) string {
	text = strings.TrimRightFunc(text, unicode.IsSpace)
	if text == "" {
		return ""
	}
	best, bestScore := 0, -1
	var seen []string // the distinct matches of a window, in lower case
	for i := range spans {
		limit := advance(text, spans[i].start, snippetRunes-snippetLead)
		seen = seen[:0]
		n := 0
		for _, s := range spans[i:] {
			if s.end > limit {
				break
			}
			w := strings.ToLower(text[s.start:s.end])
			if !slices.Contains(seen, w) {
				seen = append(seen, w)
				n += 4
			} else {
				n++
			}
		}
		if n > bestScore {
			best, bestScore = i, n
		}
	}
	start := 0
	if len(spans) > 0 {
		start = retreat(text, spans[best].start, snippetLead)
		if start > 0 {
			start = wordStart(text, start, spans[best].start)
		}
	}
	end := advance(text, start, snippetRunes)
	if end < len(text) {
		end = wordEnd(text, start, end)
		// Never cut a mark in two.
		for _, s := range spans {
			if s.start < end && s.end > end {
				end = s.end
			}
		}
	}
	var b strings.Builder
	b.Grow(end - start + 64)
	if start > 0 {
		b.WriteString("…")
	}
	write(&b, text, start, end, spans)
	if end < len(text) {
		b.WriteString("…")
	}
	return strings.TrimSpace(b.String())
}

// advance returns the byte offset n characters after i in s.
func advance(s string, i, n int) int {
	for ; n > 0 && i < len(s); n-- {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
	}
	return i
}

// retreat returns the byte offset n characters before i in s.
func retreat(s string, i, n int) int {
	for ; n > 0 && i > 0; n-- {
		_, w := utf8.DecodeLastRuneInString(s[:i])
		i -= w
	}
	return i
}

// wordStart moves i forward to the start of a word, not past limit, unless
// i is already at one or in Chinese text.
func wordStart(s string, i, limit int) int {
	r, _ := utf8.DecodeRuneInString(s[i:])
	p, _ := utf8.DecodeLastRuneInString(s[:i])
	if isHan(r) || isHan(p) || !isWordRune(r) || !isWordRune(p) {
		return i
	}
	if j := strings.IndexFunc(s[i:limit], unicode.IsSpace); j >= 0 {
		return i + j + 1
	}
	return i
}

// wordEnd moves end back to the end of a word, not before start, unless
// it is already at one or in Chinese text.
func wordEnd(s string, start, end int) int {
	r, _ := utf8.DecodeRuneInString(s[end:])
	p, _ := utf8.DecodeLastRuneInString(s[:end])
	if isHan(r) || isHan(p) || !isWordRune(r) || !isWordRune(p) {
		return end
	}
	if j := strings.LastIndexFunc(s[start:end], unicode.IsSpace); j > 0 {
		return start + j
	}
	return end
}
