package index

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bindex "github.com/blevesearch/bleve_index_api"
)

// maxExpansions bounds the terms a prefix stands for: the most frequent
// ones are kept, so that a short prefix costs no more than a few words.
const maxExpansions = 48

// vocab holds the sorted terms of the fields that prefixes and typos are
// matched against, so that neither walks Bleve's term dictionary during a
// search (Scorch starts a goroutine per segment for every such walk, which
// cost a third of a typical search). A vocab is immutable; Upsert makes a
// new one.
type vocab map[string]*termTable

// termTable is the sorted vocabulary of one field with the number of
// documents holding each term. Terms of deleted documents stay: they match
// nothing, which costs one empty posting list.
//
// The terms are one string and offsets into it, so that the garbage
// collector never scans them and a table read from a tables file can
// point into the file's memory; file then keeps that memory mapped. Every
// method that hands a term to a caller copies it first.
//
// A write does not copy the table: the terms it adds go to more, a small
// table of the terms added since (counts to add to the table's), which the
// write copies instead, and once more holds more than foldTermsAt terms
// the write folds it into a new flat table. Lookups read both, and the
// flat table alone, as fast as ever, when more is nil.
type termTable struct {
	blob string   // the terms, in order
	offs []uint32 // term i is blob[offs[i]:offs[i+1]]; len(freq)+1 long
	freq []uint32
	file *tablesData // the memory blob, offs and freq point into, or nil
	more *termTable  // the terms added since, flat; nil when none
}

// foldTermsAt returns how many terms added to a table of n terms are
// folded in: a fold copies the table, so it comes about once every n/8
// added terms (most written terms are already in the table), and a write
// copies at most that many.
func foldTermsAt(n int) int { return max(1024, n/8) }

// termTableBuilder appends terms, in order, to a termTable.
type termTableBuilder struct {
	blob strings.Builder
	t    *termTable
}

func newTermTableBuilder(n int) *termTableBuilder {
	t := &termTable{offs: make([]uint32, 1, n+1), freq: make([]uint32, 0, n)}
	return &termTableBuilder{t: t}
}

// add appends term, held by freq documents; it reports false when the
// table would exceed 4 GiB.
func (b *termTableBuilder) add(term string, freq uint32) bool {
	if b.blob.Len()+len(term) > math.MaxUint32 {
		return false
	}
	b.blob.WriteString(term)
	b.t.offs = append(b.t.offs, uint32(b.blob.Len()))
	b.t.freq = append(b.t.freq, freq)
	return true
}

func (b *termTableBuilder) table() *termTable {
	b.t.blob = b.blob.String()
	return b.t
}

// len returns the number of terms in t.
func (t *termTable) len() int { return len(t.freq) }

// term returns term i of t, pointing into t's memory: it must not outlive
// t (see termTable).
func (t *termTable) term(i int) string { return t.blob[t.offs[i]:t.offs[i+1]] }

// search returns the index of the first term of t not less than p.
func (t *termTable) search(p string) int {
	lo, hi := 0, t.len()
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if t.term(m) < p {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// vocabFields returns the fields of specs that need a vocabulary, with
// their index-time analyzers.
func vocabFields(specs map[string]langSpec) map[string]string {
	out := make(map[string]string)
	for _, sp := range specs {
		for _, w := range sp.words {
			// Searched only for words some version's field has.
			out[w.name] = anPlain
		}
		if sp.titlePl == "" {
			continue
		}
		out[sp.titlePl] = anPlain
		f, an := sp.looseBody()
		out[f] = an
		out[sp.surface()] = anPlain
	}
	return out
}

// surface returns the name of the vocabulary of the words of bodies as
// typed (lower case, unstemmed), which typos are matched against: a
// table, not a Bleve field (an indexed unstemmed body would slow indexing
// by a third). Documents carry it for vocab.with; the mapping ignores it.
func (sp langSpec) surface() string { return sp.body + "_surface" }

// looseBody returns the body field that prefixes and typos are matched
// against, and its index-time analyzer: the folded one where there is one.
func (sp langSpec) looseBody() (field, analyzer string) {
	if sp.fold != "" {
		return sp.bodyFld, sp.fold
	}
	return sp.body, sp.text
}

// readVocab reads the vocabulary of every field that needs one from r;
// the surface vocabularies, which are no Bleve fields, it derives from
// docs with m's analyzers.
func readVocab(r bindex.IndexReader, specs map[string]langSpec, m *mapping.IndexMappingImpl, docs map[string]*article.Version) (vocab, error) {
	v := make(vocab)
	surface := make(map[string]string) // surface vocabulary → language
	for l, sp := range specs {
		if sp.titlePl != "" {
			surface[sp.surface()] = l
		}
	}
	for f := range vocabFields(specs) {
		if l, ok := surface[f]; ok {
			v[f] = surfaceTable(m, l, docs)
			continue
		}
		d, err := r.FieldDict(f)
		if err != nil {
			return nil, fmt.Errorf("read terms of %s: %w", f, err)
		}
		b := newTermTableBuilder(0)
		var e *bindex.DictEntry
		for e, err = d.Next(); e != nil && err == nil; e, err = d.Next() {
			if !b.add(e.Term, uint32(min(e.Count, 1<<32-1))) {
				break
			}
		}
		d.Close()
		if err != nil {
			return nil, fmt.Errorf("read terms of %s: %w", f, err)
		}
		v[f] = b.table()
	}
	return v, nil
}

// surfaceTable returns the words of the bodies of docs in lang, as the
// plain analyzer makes them, with the number of versions holding each.
func surfaceTable(m *mapping.IndexMappingImpl, lang string, docs map[string]*article.Version) *termTable {
	a := m.AnalyzerNamed(anPlain)
	counts := make(map[string]uint32)
	if a != nil {
		seen := make(map[string]bool)
		for _, d := range docs {
			if d.Lang != lang {
				continue
			}
			clear(seen)
			for _, text := range bodyOf(d) {
				for _, t := range a.Analyze(capInput([]byte(text))) {
					if !seen[string(t.Term)] {
						seen[string(t.Term)] = true
						counts[string(t.Term)]++
					}
				}
			}
		}
	}
	terms := make([]string, 0, len(counts))
	for t := range counts {
		terms = append(terms, t)
	}
	slices.Sort(terms)
	b := newTermTableBuilder(len(terms))
	for _, t := range terms {
		if !b.add(t, counts[t]) {
			break
		}
	}
	return b.table()
}

// with returns a copy of v that also holds the terms m's analyzers make of
// the fields of doc.
func (v vocab) with(m *mapping.IndexMappingImpl, doc document) vocab {
	n := make(vocab, len(v))
	for f, t := range v {
		n[f] = t
	}
	for f, t := range v {
		val, ok := doc[f]
		if !ok {
			continue
		}
		an := m.AnalyzerNameForPath(f)
		a := m.AnalyzerNamed(an)
		if a == nil {
			continue
		}
		var texts []string
		switch x := val.(type) {
		case string:
			texts = []string{x}
		case []string:
			texts = x
		}
		// Capped like the index's analyzers (the surface vocabulary has
		// none of its own), and each term once: work in proportion to
		// what is indexed, not to how often a long text repeats itself.
		var add []string
		seen := make(map[string]bool)
		for _, text := range texts {
			for _, tok := range a.Analyze(capInput([]byte(text))) {
				if !seen[string(tok.Term)] {
					seen[string(tok.Term)] = true
					add = append(add, string(tok.Term))
				}
			}
		}
		n[f] = t.with(add)
	}
	return n
}

// with returns a copy of t holding terms too; each counts once more. The
// copy is on the heap: it never points into t's memory (where it shares
// t's flat table, it keeps t, and so that memory, reachable).
func (t *termTable) with(terms []string) *termTable {
	slices.Sort(terms)
	terms = slices.Compact(terms)
	b := newTermTableBuilder(len(terms))
	for _, term := range terms {
		b.add(term, 1)
	}
	more := b.table()
	if t.more != nil {
		more = merged(t.more, more)
	}
	if more.len() > foldTermsAt(t.len()) {
		return merged(t, more)
	}
	n := *t
	n.more = more
	return &n
}

// merged returns the flat table of the terms of a and b, both flat, with
// the counts of terms in both added.
func merged(a, b *termTable) *termTable {
	defer runtime.KeepAlive(a)
	defer runtime.KeepAlive(b)
	n := newTermTableBuilder(a.len() + b.len())
	n.blob.Grow(len(a.blob) + len(b.blob))
	i, j := 0, 0
	for i < a.len() || j < b.len() {
		switch {
		case j == b.len() || i < a.len() && a.term(i) < b.term(j):
			n.add(a.term(i), a.freq[i])
			i++
		case i == a.len() || b.term(j) < a.term(i):
			n.add(b.term(j), b.freq[j])
			j++
		default:
			n.add(a.term(i), a.freq[i]+b.freq[j])
			i, j = i+1, j+1
		}
	}
	return n.table()
}

// flat returns t with the terms added since folded in: t itself when
// there are none.
func (t *termTable) flat() *termTable {
	if t == nil || t.more == nil {
		return t
	}
	n := *t
	n.more = nil
	return merged(&n, t.more)
}

// empty reports whether t holds no terms.
func (t *termTable) empty() bool {
	return t == nil || t.len() == 0 && (t.more == nil || t.more.len() == 0)
}

// eachPrefix calls f with every term of t (added ones included) starting
// with p, in order, and its count. The terms point into t's memory.
func (t *termTable) eachPrefix(p string, f func(term string, freq uint32)) {
	lo, hi := t.span(p)
	m := t.more
	mlo, mhi := m.span(p)
	i, j := lo, mlo
	for i < hi || j < mhi {
		switch {
		case j == mhi || i < hi && t.term(i) < m.term(j):
			f(t.term(i), t.freq[i])
			i++
		case i == hi || m.term(j) < t.term(i):
			f(m.term(j), m.freq[j])
			j++
		default:
			f(t.term(i), t.freq[i]+m.freq[j])
			i, j = i+1, j+1
		}
	}
}

// has reports whether some document holds term.
func (t *termTable) has(term string) bool {
	if t == nil {
		return false
	}
	defer runtime.KeepAlive(t)
	i := t.search(term)
	return i < t.len() && t.term(i) == term || t.more.has(term)
}

// span returns the range of terms starting with p.
func (t *termTable) span(p string) (lo, hi int) {
	lo = t.search(p)
	hi = lo
	for hi < t.len() && strings.HasPrefix(t.term(hi), p) {
		hi++
	}
	return lo, hi
}

// expand returns up to n terms starting with p, the most frequent first.
func (t *termTable) expand(p string, n int) []string {
	if t == nil {
		return nil
	}
	defer runtime.KeepAlive(t)
	if t.more != nil {
		return t.expandMore(p, n)
	}
	lo, hi := t.span(p)
	idx := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		idx = append(idx, i)
	}
	if len(idx) > n {
		slices.SortStableFunc(idx, func(a, b int) int { return int(t.freq[b]) - int(t.freq[a]) })
		idx = idx[:n]
	}
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = strings.Clone(t.term(j))
	}
	return out
}

// termFreq is a term and its count.
type termFreq struct {
	term string
	freq uint32
}

// expandMore is expand of a table with added terms: what t.flat().expand
// returns.
func (t *termTable) expandMore(p string, n int) []string {
	lo, hi := t.span(p)
	mlo, mhi := t.more.span(p)
	all := make([]termFreq, 0, hi-lo+mhi-mlo)
	t.eachPrefix(p, func(term string, freq uint32) { all = append(all, termFreq{term, freq}) })
	if len(all) > n {
		slices.SortStableFunc(all, func(a, b termFreq) int { return int(b.freq) - int(a.freq) })
		all = all[:n]
	}
	out := make([]string, len(all))
	for i, tf := range all {
		out[i] = strings.Clone(tf.term)
	}
	return out
}

// fuzzy returns the terms within k edits of term that share its first
// character, with their distances, the nearest and most frequent first,
// at most maxExpansions of them.
func (t *termTable) fuzzy(term string, k int) ([]string, []uint8) {
	if t == nil || term == "" {
		return nil, nil
	}
	defer runtime.KeepAlive(t)
	if t.more != nil {
		return t.fuzzyMore(term, k)
	}
	_, n0 := utf8.DecodeRuneInString(term)
	lo, hi := t.span(term[:n0])
	want := []rune(term)
	type cand struct {
		i int
		d uint8
	}
	var cs []cand
	row := make([]int, 3*(len(want)+1))
	for i := lo; i < hi; i++ {
		s := t.term(i)
		if n := utf8.RuneCountInString(s); n-len(want) > k || len(want)-n > k {
			continue
		}
		if d := levenshtein(want, s, k, row); d <= k {
			cs = append(cs, cand{i, uint8(d)})
		}
	}
	slices.SortStableFunc(cs, func(a, b cand) int {
		if a.d != b.d {
			return int(a.d) - int(b.d)
		}
		return int(t.freq[b.i]) - int(t.freq[a.i])
	})
	cs = cs[:min(len(cs), maxExpansions)]
	terms, dists := make([]string, len(cs)), make([]uint8, len(cs))
	for i, c := range cs {
		terms[i], dists[i] = strings.Clone(t.term(c.i)), c.d
	}
	return terms, dists
}

// fuzzyMore is fuzzy of a table with added terms: what t.flat().fuzzy
// returns.
func (t *termTable) fuzzyMore(term string, k int) ([]string, []uint8) {
	_, n0 := utf8.DecodeRuneInString(term)
	want := []rune(term)
	type cand struct {
		termFreq
		d uint8
	}
	var cs []cand
	row := make([]int, 3*(len(want)+1))
	t.eachPrefix(term[:n0], func(s string, freq uint32) {
		if n := utf8.RuneCountInString(s); n-len(want) > k || len(want)-n > k {
			return
		}
		if d := levenshtein(want, s, k, row); d <= k {
			cs = append(cs, cand{termFreq{s, freq}, uint8(d)})
		}
	})
	slices.SortStableFunc(cs, func(a, b cand) int {
		if a.d != b.d {
			return int(a.d) - int(b.d)
		}
		return int(b.freq) - int(a.freq)
	})
	cs = cs[:min(len(cs), maxExpansions)]
	terms, dists := make([]string, len(cs)), make([]uint8, len(cs))
	for i, c := range cs {
		terms[i], dists[i] = strings.Clone(c.term), c.d
	}
	return terms, dists
}

// levenshtein returns the optimal-string-alignment distance between a and
// b (Levenshtein's, with a swap of two neighbouring characters as one
// edit, so dunhaung is one edit from dunhuang, not two), or k+1 as soon as
// it must exceed k; row is scratch space of 3*(len(a)+1).
func levenshtein(a []rune, b string, k int, row []int) int {
	n := len(a) + 1
	prev2, prev, cur := row[:n], row[n:2*n], row[2*n:3*n]
	for i := range prev {
		prev[i] = i
	}
	j := 0
	var last rune // the character of b before rb
	for _, rb := range b {
		j++
		cur[0] = j
		best := j
		for i := 1; i < n; i++ {
			cost := 1
			if a[i-1] == rb {
				cost = 0
			}
			d := min(prev[i]+1, cur[i-1]+1, prev[i-1]+cost)
			if i > 1 && j > 1 && a[i-1] == last && a[i-2] == rb {
				d = min(d, prev2[i-2]+1)
			}
			cur[i] = d
			best = min(best, d)
		}
		if best > k {
			return k + 1
		}
		prev2, prev, cur = prev, cur, prev2
		last = rb
	}
	return prev[n-1]
}

// termsQuery matches any of a fixed set of terms in one field, scored as
// Bleve scores a prefix (or, with distances, a fuzzy) query over the same
// terms.
type termsQuery struct {
	field string
	terms []string
	dists []uint8 // edit distances of terms, for fuzzy matches; nil otherwise
	boost float64
}

// Searcher returns the searcher of q; it implements query.Query.
func (q *termsQuery) Searcher(ctx context.Context, r bindex.IndexReader, _ mapping.IndexMapping, o search.SearcherOptions) (search.Searcher, error) {
	switch {
	case len(q.terms) == 0:
		return searcher.NewMatchNoneSearcher(r)
	case len(q.terms) == 1 && (q.dists == nil || q.dists[0] == 0):
		return searcher.NewTermSearcher(ctx, r, q.terms[0], q.field, q.boost, o)
	case q.dists != nil:
		return searcher.NewMultiTermSearcherBoosted(ctx, r, q.terms, q.field, q.boost, q.dists, o, true)
	}
	return searcher.NewMultiTermSearcher(ctx, r, q.terms, q.field, q.boost, o, true)
}
