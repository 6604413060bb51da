package index

import (
	"cmp"
	"runtime"
	"slices"
	"sort"
	"strings"

	"github.com/amal-kommun/tolk/internal/article"
)

// suggestions is the suggestion table of a snapshot: a flat table, base,
// and the writes made since it was built, pending: the versions of base
// they replaced or removed and a small flat table of the versions they
// added. A write copies only pending (suggester.with on the small table);
// once pending holds more than foldAt versions, the next write folds it
// into a new flat table (fold), so that a write to a large corpus costs
// what it changes plus a share of a fold, instead of a copy of the whole
// table, and a base read from a tables file stays in the file's memory
// for many writes. A suggestions is immutable: searches of older
// snapshots keep reading theirs.
type suggestions struct {
	base *suggester
	// removed are the versions of base (by place) replaced or removed
	// since, sorted.
	removed []int32
	// added are the versions written since base; never nil.
	added *suggester
	// limit, when not 0, is the most versions pending before a fold
	// instead of foldAt's, so that tests fold small tables.
	limit int
}

// foldAt returns how many pending versions a table of n versions folds
// at: a fold copies the whole table, so it comes once every n/128 writes
// or 64, whichever is more, and a search merges at most that many.
func foldAt(n int) int { return max(64, n/128) }

// suggestionsOf returns the suggestion table base with nothing pending.
func suggestionsOf(base *suggester) *suggestions {
	return &suggestions{base: base, added: newSuggester(nil)}
}

// pending returns the number of versions written since s.base.
func (s *suggestions) pending() int { return len(s.removed) + len(s.added.vers) }

// versionOrder orders versions as a suggester's table does: by id, then
// language.
func versionOrder(a, b *article.Version) int {
	return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Lang, b.Lang))
}

// find returns the place of the version of x's article and language in
// s's table, and whether there is one.
func (s *suggester) find(x *article.Version) (int, bool) {
	return slices.BinarySearchFunc(s.vers, x, versionOrder)
}

// isRemoved reports whether version i of s.base was replaced or removed.
func (s *suggestions) isRemoved(i int32) bool {
	_, ok := slices.BinarySearch(s.removed, i)
	return ok
}

// with returns the table of s's versions with old replaced by v: old nil
// adds v, v nil removes old. s is unchanged.
func (s *suggestions) with(old, v *article.Version) *suggestions {
	n := &suggestions{base: s.base, removed: s.removed, added: s.added, limit: s.limit}
	var oldAdded *article.Version // old, when it was written since s.base
	if old != nil {
		if _, ok := s.added.find(old); ok {
			oldAdded = old
		} else if i, ok := s.base.find(old); ok && !s.isRemoved(int32(i)) {
			at, _ := slices.BinarySearch(s.removed, int32(i))
			n.removed = slices.Insert(slices.Clip(s.removed), at, int32(i))
		}
	}
	if oldAdded != nil || v != nil {
		n.added = s.added.with(oldAdded, v)
	}
	limit := s.limit
	if limit == 0 {
		limit = foldAt(len(s.base.vers))
	}
	if n.pending() > limit {
		f := suggestionsOf(n.fold())
		f.limit = s.limit
		return f
	}
	return n
}

// fold returns the flat table of s's versions: what newSuggester makes
// of them, without normalizing the titles again, in time linear in the
// table plus a binary search per pending entry. It returns s.base when
// nothing is pending.
func (s *suggestions) fold() *suggester {
	if s.pending() == 0 {
		return s.base
	}
	defer runtime.KeepAlive(s)
	b, a := s.base, s.added
	n := &suggester{vers: make([]*article.Version, 0, len(b.vers)-len(s.removed)+len(a.vers))}
	// The versions, in order; newB and newA are the new places of b's and
	// a's versions (-1: removed).
	newB, newA := make([]int32, len(b.vers)), make([]int32, len(a.vers))
	n.starts = make([]uint32, 0, cap(n.vers)+1)
	var titles strings.Builder
	titles.Grow(len(b.titles) + len(a.titles))
	i, j, r := 0, 0, 0
	for i < len(b.vers) || j < len(a.vers) {
		if i < len(b.vers) && r < len(s.removed) && s.removed[r] == int32(i) {
			newB[i] = -1
			i, r = i+1, r+1
			continue
		}
		n.starts = append(n.starts, uint32(titles.Len()))
		if j < len(a.vers) && (i == len(b.vers) || versionOrder(a.vers[j], b.vers[i]) < 0) {
			newA[j] = int32(len(n.vers))
			n.vers = append(n.vers, a.vers[j])
			titles.WriteString(a.words(int32(j)))
			j++
			continue
		}
		newB[i] = int32(len(n.vers))
		n.vers = append(n.vers, b.vers[i])
		titles.WriteString(b.words(int32(i)))
		i++
	}
	n.starts = append(n.starts, uint32(titles.Len()))
	n.titles = titles.String()
	// b's entries of versions kept, moved to their new places, stay in
	// order, as do a's; a's go in by binary search, merging from the back.
	n.entries = make([]sugEntry, 0, len(b.entries)+len(a.entries))
	for _, e := range b.entries {
		ni := newB[e.ver]
		if ni < 0 {
			continue
		}
		e.off = e.off - b.starts[e.ver] + n.starts[ni]
		e.ver = ni
		n.entries = append(n.entries, e)
	}
	p := len(n.entries) - 1
	n.entries = n.entries[:len(n.entries)+len(a.entries)]
	w := len(n.entries) - 1
	for q := len(a.entries) - 1; q >= 0; q-- {
		e := a.entries[q]
		ni := newA[e.ver]
		e.off = e.off - a.starts[e.ver] + n.starts[ni]
		e.ver = ni
		at := sort.Search(p+1, func(x int) bool { return n.compare(n.entries[x], e) > 0 })
		moved := p + 1 - at
		copy(n.entries[w-moved+1:w+1], n.entries[at:p+1])
		w -= moved
		p = at - 1
		n.entries[w] = e
		w--
	}
	return n
}

// suggest returns up to n titles in langs (all when empty) whose words
// start with the words of prefix: what s.fold().suggest returns, merging
// the pending versions' entries into base's as it reads them.
func (s *suggestions) suggest(prefix string, langs []string, n int) []Suggestion {
	if s.pending() == 0 {
		return s.base.suggest(prefix, langs, n)
	}
	defer runtime.KeepAlive(s)
	keys, lookup, typed, ok := suggestKeys(prefix)
	if !ok {
		return nil
	}
	b, a := s.base, s.added
	key := keys[lookup]
	lower := func(t *suggester) int {
		i, _ := slices.BinarySearchFunc(t.entries, key, func(e sugEntry, k string) int { return strings.Compare(t.key(e), k) })
		return i
	}
	bi, ai := lower(b), lower(a)
	var cands []sugCand
	// Candidates are b's version i as i, a's j as len(b.vers)+j.
	seen := make(map[int32]bool)
	for len(cands) < suggestScan {
		bok := bi < len(b.entries) && strings.HasPrefix(b.key(b.entries[bi]), key)
		aok := ai < len(a.entries) && strings.HasPrefix(a.key(a.entries[ai]), key)
		if !bok && !aok {
			break
		}
		// The next entry of the folded table: by key, then version,
		// then place in the title.
		fromA := aok
		if aok && bok {
			ea, eb := a.entries[ai], b.entries[bi]
			fromA = cmp.Or(strings.Compare(a.key(ea), b.key(eb)), versionOrder(a.vers[ea.ver], b.vers[eb.ver]), cmp.Compare(ea.pos, eb.pos)) < 0
		}
		t, e, id := b, sugEntry{}, int32(0)
		if fromA {
			t, e = a, a.entries[ai]
			id = int32(len(b.vers)) + e.ver
			ai++
		} else {
			e = b.entries[bi]
			id = e.ver
			bi++
			if s.isRemoved(e.ver) {
				continue
			}
		}
		if seen[id] {
			continue
		}
		v := t.vers[e.ver]
		if len(langs) > 0 && !slices.Contains(langs, v.Lang) {
			continue
		}
		if !t.hasAll(e.ver, keys, lookup) {
			continue
		}
		seen[id] = true
		cands = append(cands, newSugCand(v, id, e, typed))
	}
	return ranked(cands, langs, n, nil, func(id int32) *article.Version {
		if int(id) < len(b.vers) {
			return b.vers[id]
		}
		return a.vers[int(id)-len(b.vers)]
	})
}
