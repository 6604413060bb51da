package index

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/amal-kommun/tolk/internal/article"
)

// MaxSuggestions is the most suggestions Suggest returns.
const MaxSuggestions = 8

// maxHanKey is how many characters of a Han run a suggestion key holds.
const maxHanKey = 16

// suggestScan bounds the candidates Suggest ranks, keeping it well under
// a millisecond for one-letter prefixes.
const suggestScan = 256

// Suggestion is one title suggested for what a user is typing.
type Suggestion struct {
	ID, Lang, Title string
}

// suggester is a sorted table of the normalized words of every title,
// searched by binary search. Chinese titles, which have no spaces, get an
// entry at every Han character, so typing any part of a title finds it.
type suggester struct {
	vers    []*article.Version
	words   [][]string // normalized words of each version's title
	entries []sugEntry // sorted by key, then version
}

type sugEntry struct {
	key string
	ver int32
	pos int16 // the word's index in the title
}

// normalize returns the suggestion key of a word: lower case, Swedish
// letters folded, Chinese simplified.
func normalize(w string) string {
	return toSimplified(foldSwedish(strings.ToLower(w)))
}

func newSuggester(docs map[string]*article.Version) *suggester {
	s := &suggester{vers: make([]*article.Version, 0, len(docs))}
	for _, v := range docs {
		s.vers = append(s.vers, v)
	}
	slices.SortFunc(s.vers, func(a, b *article.Version) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Lang, b.Lang))
	})
	s.words = make([][]string, len(s.vers))
	for i, v := range s.vers {
		ws := splitWords(v.Title)
		norm := make([]string, len(ws))
		for j, w := range ws {
			norm[j] = normalize(w)
			if hasHan(w) {
				rs := []rune(norm[j])
				for k := range rs {
					s.entries = append(s.entries, sugEntry{key: string(rs[k:min(len(rs), k+maxHanKey)]), ver: int32(i), pos: int16(min(j, 1<<14))})
				}
				continue
			}
			s.entries = append(s.entries, sugEntry{key: norm[j], ver: int32(i), pos: int16(min(j, 1<<14))})
		}
		s.words[i] = norm
	}
	slices.SortFunc(s.entries, func(a, b sugEntry) int {
		return cmp.Or(strings.Compare(a.key, b.key), cmp.Compare(a.ver, b.ver))
	})
	return s
}

// suggest returns up to n titles in langs (all when empty) whose words
// start with the words of prefix.
func (s *suggester) suggest(prefix string, langs []string, n int) []Suggestion {
	ws := splitWords(prefix)
	if len(ws) == 0 {
		return nil
	}
	keys := make([]string, len(ws))
	lookup := 0
	for i, w := range ws {
		keys[i] = normalize(w)
		if len(keys[i]) > len(keys[lookup]) {
			lookup = i
		}
	}
	type cand struct {
		ver   int32
		first bool // the looked-up word starts the title
		exact bool // the title has the word as typed, diacritics and all
		runes int  // the title's length
	}
	typed := toSimplified(strings.ToLower(ws[lookup]))
	var cands []cand
	seen := make(map[int32]bool)
	start, _ := slices.BinarySearchFunc(s.entries, keys[lookup], func(e sugEntry, k string) int { return strings.Compare(e.key, k) })
	for _, e := range s.entries[start:] {
		if !strings.HasPrefix(e.key, keys[lookup]) || len(cands) >= suggestScan {
			break
		}
		if seen[e.ver] {
			continue
		}
		v := s.vers[e.ver]
		if len(langs) > 0 && !slices.Contains(langs, v.Lang) {
			continue
		}
		if !s.hasAll(e.ver, keys, lookup) {
			continue
		}
		seen[e.ver] = true
		cands = append(cands, cand{ver: e.ver, first: e.pos == 0, exact: strings.Contains(strings.ToLower(v.Title), typed),
			runes: utf8.RuneCountInString(v.Title)})
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if a.exact != b.exact {
			if a.exact {
				return -1
			}
			return 1
		}
		if a.first != b.first {
			if a.first {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.runes, b.runes), cmp.Compare(a.ver, b.ver))
	})
	if n <= 0 || n > MaxSuggestions {
		n = MaxSuggestions
	}
	out := make([]Suggestion, 0, min(n, len(cands)))
	for _, c := range cands[:min(n, len(cands))] {
		v := s.vers[c.ver]
		out = append(out, Suggestion{ID: v.ID, Lang: v.Lang, Title: v.Title})
	}
	return out
}

// hasAll reports whether every key other than skip starts a word of the
// title of version i (or occurs in it, for Chinese).
func (s *suggester) hasAll(i int32, keys []string, skip int) bool {
	for k, key := range keys {
		if k == skip {
			continue
		}
		found := false
		for _, w := range s.words[i] {
			if strings.HasPrefix(w, key) || (hasHan(key) && strings.Contains(w, key)) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// Suggest returns up to n (at most MaxSuggestions; n ≤ 0 means that many)
// titles in langs (every language when empty) whose words start with the
// words typed in prefix: titles with the words exactly as typed first,
// then titles starting with them, then shorter titles. Case, å/ä/ö and the Chinese script do not matter. It works on an
// in-memory table and never blocks, so ctx is only for symmetry.
func (ix *Index) Suggest(ctx context.Context, prefix string, langs []string, n int) []Suggestion {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed {
		return nil
	}
	return ix.cur.sugg.suggest(prefix, langs, n)
}
