package index

import (
	"cmp"
	"context"
	"math"
	"runtime"
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
//
// The table holds no pointers besides its few arrays: every key is a
// substring of one string of all normalized titles, so that a table of
// hundreds of thousands of entries costs the garbage collector nothing to
// scan. A table read from a tables file points into the file's memory,
// which file then keeps mapped.
type suggester struct {
	vers   []*article.Version
	titles string   // the normalized words of every title, each followed by wordSep
	starts []uint32 // version i's words are titles[starts[i]:starts[i+1]]
	// entries are sorted by key, then version.
	entries []sugEntry
	file    *tablesData // the memory titles, starts and entries point into, or nil
}

// wordSep ends every word in suggester.titles; normalized words never
// contain it.
const wordSep = '\x00'

type sugEntry struct {
	off uint32 // the key is titles[off:off+n]
	n   uint16
	pos int16 // the word's index in the title
	ver int32
}

func (s *suggester) key(e sugEntry) string { return s.titles[e.off : e.off+uint32(e.n)] }

// words returns the normalized words of version i's title, each followed
// by wordSep.
func (s *suggester) words(i int32) string { return s.titles[s.starts[i]:s.starts[i+1]] }

// normalize returns the suggestion key of a word: lower case, Swedish
// letters folded, Chinese simplified.
func normalize(w string) string {
	return toSimplified(foldSwedish(strings.ToLower(w)))
}

// sortedVersions returns the versions of docs in the order of a
// suggester's table: by id, then language.
func sortedVersions(docs map[string]*article.Version) []*article.Version {
	vers := make([]*article.Version, 0, len(docs))
	for _, v := range docs {
		vers = append(vers, v)
	}
	slices.SortFunc(vers, func(a, b *article.Version) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Lang, b.Lang))
	})
	return vers
}

func newSuggester(docs map[string]*article.Version) *suggester {
	s := &suggester{vers: sortedVersions(docs)}
	var b strings.Builder
	s.starts = make([]uint32, len(s.vers)+1)
	var spans []sugSpan
	for i, v := range s.vers {
		s.starts[i] = uint32(b.Len())
		spans = appendTitle(&b, spans, v.Title, int32(i))
	}
	s.starts[len(s.vers)] = uint32(b.Len())
	s.titles = b.String()
	s.entries = entriesOf(spans)
	slices.SortFunc(s.entries, s.compare)
	return s
}

// sugSpan is a suggestion key being built: titles[off:off+n].
type sugSpan struct {
	off, n int
	pos    int16
	ver    int32
}

// appendTitle appends the normalized words of title, each followed by
// wordSep, to b, and the spans of their keys, as version ver's, to spans.
func appendTitle(b *strings.Builder, spans []sugSpan, title string, ver int32) []sugSpan {
	for j, w := range splitWords(title) {
		norm := normalize(w) // a word, so never wordSep
		off := b.Len()
		b.WriteString(norm)
		b.WriteByte(wordSep)
		pos := int16(min(j, 1<<14))
		if !hasHan(w) {
			spans = append(spans, sugSpan{off, len(norm), pos, ver})
			continue
		}
		// An entry at every character, up to maxHanKey characters long.
		idx := make([]int, 0, len(norm)/3+1)
		for k := range norm {
			idx = append(idx, k)
		}
		idx = append(idx, len(norm))
		for k := 0; k+1 < len(idx); k++ {
			end := idx[min(len(idx)-1, k+maxHanKey)]
			spans = append(spans, sugSpan{off + idx[k], end - idx[k], pos, ver})
		}
	}
	if hasHan(title) {
		spans = appendPinyin(b, spans, title, ver)
	}
	return spans
}

// maxPinyinKeys bounds the pinyin keys of one character: the spellings
// of a character and the few after it multiply with every reading.
const maxPinyinKeys = 4

// appendPinyin appends to b the toneless pinyin of the Han characters of
// title, as words, and the spans of their keys to spans: at each
// character, the spellings joining it and the characters after it (as
// many as the pinyin analyzer joins), so that typing the pinyin of any
// part of a Chinese title (dun, dunhuang) finds it.
func appendPinyin(b *strings.Builder, spans []sugSpan, title string, ver int32) []sugSpan {
	a := pinyinAnalyzer()
	if a == nil {
		return spans
	}
	longest := make(map[int]int) // start → longest span of a spelling there
	ts := a.Analyze([]byte(title))
	for _, t := range ts {
		if t.Start < len(title) && hanAt(title, t.Start) {
			longest[t.Start] = max(longest[t.Start], t.End-t.Start)
		}
	}
	added := make(map[int]int)
	for _, t := range ts {
		if t.Start >= len(title) || !hanAt(title, t.Start) || t.End-t.Start != longest[t.Start] || added[t.Start] >= maxPinyinKeys {
			continue
		}
		term := strings.ToLower(string(t.Term))
		if term == "" || strings.ContainsRune(term, wordSep) || len(term) > math.MaxUint16 {
			continue
		}
		added[t.Start]++
		off := b.Len()
		b.WriteString(term)
		b.WriteByte(wordSep)
		// Never the first word: a title is first suggested for its own
		// characters.
		spans = append(spans, sugSpan{off, len(term), 1, ver})
	}
	return spans
}

// entriesOf returns the entries of spans, leaving out those too long for
// an entry (titles of more than 4 GiB in all; never in practice).
func entriesOf(spans []sugSpan) []sugEntry {
	entries := make([]sugEntry, 0, len(spans))
	for _, sp := range spans {
		if sp.off+sp.n > math.MaxUint32 || sp.n > math.MaxUint16 {
			continue
		}
		entries = append(entries, sugEntry{off: uint32(sp.off), n: uint16(sp.n), pos: sp.pos, ver: sp.ver})
	}
	return entries
}

// compare orders entries by key, then version, then place in the title.
func (s *suggester) compare(a, b sugEntry) int {
	return cmp.Or(strings.Compare(s.key(a), s.key(b)), cmp.Compare(a.ver, b.ver), cmp.Compare(a.pos, b.pos), cmp.Compare(a.off, b.off))
}

// with returns the table of s's versions with old replaced by v: old nil
// adds v, v nil removes old. It makes what newSuggester would of the new
// set of versions in time linear in the table, without normalizing or
// sorting the titles that did not change, so that a write to a large
// corpus does not rebuild the whole table. s is unchanged: searches may
// still read it.
func (s *suggester) with(old, v *article.Version) *suggester {
	at := func(x *article.Version) (int, bool) {
		return slices.BinarySearchFunc(s.vers, x, func(a, b *article.Version) int {
			return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Lang, b.Lang))
		})
	}
	drop, ins := -1, -1 // the old version's place in s.vers; v's in the new table
	if old != nil {
		if i, ok := at(old); ok {
			drop = i
		}
	}
	n := &suggester{vers: make([]*article.Version, 0, len(s.vers)+1)}
	newIdx := make([]int32, len(s.vers)) // s's version i is n's newIdx[i], or -1
	for i, x := range s.vers {
		if v != nil && ins < 0 && cmp.Or(cmp.Compare(v.ID, x.ID), cmp.Compare(v.Lang, x.Lang)) < 0 {
			ins = len(n.vers)
			n.vers = append(n.vers, v)
		}
		if i == drop {
			newIdx[i] = -1
			continue
		}
		newIdx[i] = int32(len(n.vers))
		n.vers = append(n.vers, x)
	}
	if v != nil && ins < 0 {
		ins = len(n.vers)
		n.vers = append(n.vers, v)
	}
	// The titles, in the new order; the new title's keys as spans.
	var b strings.Builder
	if v != nil {
		b.Grow(len(s.titles) + 4*len(v.Title))
	}
	n.starts = make([]uint32, len(n.vers)+1)
	var spans []sugSpan
	j := 0
	for i := range s.vers {
		if j == ins {
			n.starts[j] = uint32(b.Len())
			spans = appendTitle(&b, spans, v.Title, int32(j))
			j++
		}
		if newIdx[i] < 0 {
			continue
		}
		n.starts[j] = uint32(b.Len())
		b.WriteString(s.words(int32(i)))
		j++
	}
	if j == ins {
		n.starts[j] = uint32(b.Len())
		spans = appendTitle(&b, spans, v.Title, int32(j))
		j++
	}
	n.starts[j] = uint32(b.Len())
	n.titles = b.String()
	added := entriesOf(spans)
	slices.SortFunc(added, n.compare)
	// Merge s's entries, moved to their versions' new places, with the
	// new title's: both are in order, and moving keeps s's in order.
	n.entries = make([]sugEntry, 0, len(s.entries)+len(added))
	k := 0
	for _, e := range s.entries {
		ni := newIdx[e.ver]
		if ni < 0 {
			continue
		}
		e.off = e.off - s.starts[e.ver] + n.starts[ni]
		e.ver = ni
		for k < len(added) && n.compare(added[k], e) < 0 {
			n.entries = append(n.entries, added[k])
			k++
		}
		n.entries = append(n.entries, e)
	}
	n.entries = append(n.entries, added[k:]...)
	return n
}

// suggestKeys returns the suggestion keys of the words of prefix, which
// of them to look up (the longest) and that word as typed, lower case
// and simplified; ok is false when prefix has no words.
func suggestKeys(prefix string) (keys []string, lookup int, typed string, ok bool) {
	ws := splitWords(prefix)
	if len(ws) == 0 {
		return nil, 0, "", false
	}
	keys = make([]string, len(ws))
	for i, w := range ws {
		keys[i] = normalize(w)
		if len(keys[i]) > len(keys[lookup]) {
			lookup = i
		}
	}
	return keys, lookup, toSimplified(strings.ToLower(ws[lookup])), true
}

// sugCand is a title Suggest ranks.
type sugCand struct {
	ver   int32 // the version's place in its table
	first bool  // the looked-up word starts the title
	exact bool  // the title has the word as typed, diacritics and all
	runes int32 // the title's length
}

func newSugCand(v *article.Version, ver int32, e sugEntry, typed string) sugCand {
	return sugCand{ver: ver, first: e.pos == 0, exact: strings.Contains(strings.ToLower(v.Title), typed),
		runes: int32(min(utf8.RuneCountInString(v.Title), math.MaxInt32))}
}

// suggest returns up to n titles in langs (all when empty) whose words
// start with the words of prefix.
func (s *suggester) suggest(prefix string, langs []string, n int) []Suggestion {
	defer runtime.KeepAlive(s)
	keys, lookup, typed, ok := suggestKeys(prefix)
	if !ok {
		return nil
	}
	var cands []sugCand
	seen := make(map[int32]bool)
	start, _ := slices.BinarySearchFunc(s.entries, keys[lookup], func(e sugEntry, k string) int { return strings.Compare(s.key(e), k) })
	for _, e := range s.entries[start:] {
		if !strings.HasPrefix(s.key(e), keys[lookup]) || len(cands) >= suggestScan {
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
		cands = append(cands, newSugCand(v, e.ver, e, typed))
	}
	return ranked(cands, langs, n, s.vers, nil)
}

// ranked returns up to n of cands (at most MaxSuggestions; n ≤ 0 means
// that many), best first: titles with the word as typed, then titles
// starting with it, then shorter titles, then in table order. Candidate
// c is of version vers[c.ver], or of version(c.ver) when vers is nil,
// and byTable then orders candidates by table order instead of c.ver.
func ranked(cands []sugCand, langs []string, n int, vers []*article.Version, version func(int32) *article.Version) []Suggestion {
	slices.SortFunc(cands, func(a, b sugCand) int {
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
		if c := cmp.Compare(a.runes, b.runes); c != 0 || vers != nil {
			return cmp.Or(c, cmp.Compare(a.ver, b.ver))
		}
		return versionOrder(version(a.ver), version(b.ver))
	})
	if n <= 0 || n > MaxSuggestions {
		n = MaxSuggestions
	}
	// Across languages an article is suggested once, in its best-ranked
	// version.
	once := len(langs) != 1
	shown := make(map[string]bool)
	out := make([]Suggestion, 0, min(n, len(cands)))
	for _, c := range cands {
		if len(out) == n {
			break
		}
		var v *article.Version
		if vers != nil {
			v = vers[c.ver]
		} else {
			v = version(c.ver)
		}
		if once {
			if shown[v.ID] {
				continue
			}
			shown[v.ID] = true
		}
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
		for w := range strings.SplitSeq(strings.TrimSuffix(s.words(i), string(wordSep)), string(wordSep)) {
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
func (ix *Index) Suggest(ctx context.Context, prefix string, langs []string, n int) (out []Suggestion) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed {
		return nil
	}
	// The table is Tolk's, not Bleve's, and stays usable while the index
	// is broken; a panic costs this call its suggestions only.
	defer func() {
		if r := recover(); r != nil {
			ix.log.Error("suggest panicked", "prefix", prefix, "panic", r)
			out = nil
		}
	}()
	return ix.cur.Load().sugg.suggest(prefix, langs, n)
}
