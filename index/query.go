package index

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on a parsed query, so that no input can make a search expensive.
const (
	maxWords    = 16
	maxPhrases  = 8
	maxExcluded = 8
	maxWordLen  = 64 // runes; longer words are cut
)

// Query is what a user typed, reduced to the three things Tolk's search
// understands. Words, phrase words and excluded words consist only of
// letters, digits, combining marks and apostrophes between letters; a run
// of Han characters is always a word of its own. Everything else the user typed (field names, wildcards,
// regular expressions, fuzziness operators, punctuation) separates words
// and is otherwise ignored.
type Query struct {
	// Words are the words to find, in the order typed.
	Words []string
	// Phrases are the quoted phrases, each one's words joined by a space.
	Phrases []string
	// Excluded are the words a matching version must not contain.
	Excluded []string
	// Prefix reports that the last of Words was still being typed (the
	// input ended right after it), so it may match as a prefix.
	Prefix bool
}

// ParseQuery parses s: words, "quoted phrases" (straight or curly quotes; an
// unclosed quote runs to the end) and -excluded words (a minus at the start
// of a word excludes that word). It never fails.
func ParseQuery(s string) Query {
	var q Query
	lastWasWord := false
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsSpace(r):
			i += n
			lastWasWord = false
		case isQuote(r):
			i += n
			end := strings.IndexFunc(s[i:], isQuote)
			var body string
			if end < 0 {
				body, i = s[i:], len(s)
			} else {
				body = s[i : i+end]
				_, m := utf8.DecodeRuneInString(s[i+end:])
				i += end + m
			}
			if ws := splitWords(body); len(ws) > 0 && len(q.Phrases) < maxPhrases {
				q.Phrases = append(q.Phrases, strings.Join(ws, " "))
			}
			lastWasWord = false
		default:
			end := strings.IndexFunc(s[i:], func(r rune) bool { return unicode.IsSpace(r) || isQuote(r) })
			if end < 0 {
				end = len(s) - i
			}
			tok := s[i : i+end]
			i += end
			if strings.HasPrefix(tok, "-") {
				for _, w := range splitWords(tok[1:]) {
					if len(q.Excluded) < maxExcluded {
						q.Excluded = append(q.Excluded, w)
					}
				}
				lastWasWord = false
				continue
			}
			ws := splitWords(tok)
			added := false
			for _, w := range ws {
				if len(q.Words) < maxWords {
					q.Words = append(q.Words, w)
					added = true
				}
			}
			// A token ending in punctuation ("skola." or "a*") is finished.
			last, _ := utf8.DecodeLastRuneInString(tok)
			lastWasWord = added && isWordRune(last)
		}
	}
	q.Prefix = lastWasWord && len(q.Words) > 0
	return q
}

// String returns q in the syntax ParseQuery reads, so that
// ParseQuery(q.String()) equals q.
func (q Query) String() string {
	var parts []string
	for _, p := range q.Phrases {
		parts = append(parts, `"`+p+`"`)
	}
	for _, w := range q.Excluded {
		parts = append(parts, "-"+w)
	}
	parts = append(parts, q.Words...)
	s := strings.Join(parts, " ")
	if !q.Prefix && len(q.Words) > 0 {
		s += " "
	}
	return s
}

// Empty reports whether q has nothing to search for: excluded words alone
// find nothing.
func (q Query) Empty() bool { return len(q.Words) == 0 && len(q.Phrases) == 0 }

func isQuote(r rune) bool {
	switch r {
	case '"', '“', '”', '„', '＂':
		return true
	}
	return false
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

// splitWords splits s into runs of word characters, separating runs of Han
// characters from their neighbours, and cuts each to maxWordLen runes.
func splitWords(s string) []string {
	var out []string
	start := -1
	han := false
	flush := func(end int) {
		if start >= 0 {
			w := s[start:end]
			if utf8.RuneCountInString(w) > maxWordLen {
				w = string([]rune(w)[:maxWordLen])
			}
			out = append(out, w)
		}
		start = -1
	}
	for i, r := range s {
		switch {
		case isApostrophe(r) && start >= 0 && !han && i > start && nextIsWord(s, i):
			// Inside a word: "municipality's", "don't".
		case !isWordRune(r):
			flush(i)
		case start < 0:
			start, han = i, isHan(r)
		case !unicode.IsMark(r) && isHan(r) != han:
			flush(i)
			start, han = i, isHan(r)
		}
	}
	flush(len(s))
	return out
}

func isApostrophe(r rune) bool { return r == '\'' || r == '’' }

// nextIsWord reports whether a non-Han word character follows the
// character at i.
func nextIsWord(s string, i int) bool {
	_, n := utf8.DecodeRuneInString(s[i:])
	r, _ := utf8.DecodeRuneInString(s[i+n:])
	return isWordRune(r) && !isHan(r)
}

// hasHan reports whether w contains a Han character.
func hasHan(w string) bool { return strings.IndexFunc(w, isHan) >= 0 }

// allDigits reports whether w consists of digits only.
func allDigits(w string) bool {
	return strings.IndexFunc(w, func(r rune) bool { return !unicode.IsNumber(r) }) < 0
}

// fuzziness returns the edit distance tolerated for w: none under 5
// characters, 1 from 5, 2 from 9, and never for Chinese or numbers.
func fuzziness(w string) int {
	if hasHan(w) || allDigits(w) || strings.IndexFunc(w, unicode.IsNumber) >= 0 {
		return 0
	}
	switch n := utf8.RuneCountInString(w); {
	case n >= 9:
		return 2
	case n >= 5:
		return 1
	}
	return 0
}
