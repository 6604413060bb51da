package index

import (
	"context"
	"math"
	"sort"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// A search in one language still counts its matches in every other
// language (facets.lang), and those languages' queries used to be part of
// the search: Bleve built a scoring searcher for each of their terms
// (prefix expansions included) and the collector walked their matches,
// only to count them. That was half of a search's time.
//
// Now each other language rides in the search as a countOnly query. When
// Bleve builds the search, countOnly evaluates the language's query on
// the same index snapshot as sets of document numbers (roaring bitmaps of
// the terms' postings, combined as the query says), counts the matches,
// and hands Bleve a searcher that matches nothing but has the weight and
// count the language's real searcher would have had. Those two numbers
// are all the other languages contributed to the scores of the searched
// language's matches (the query norm and the coordination factor of the
// disjunction over languages), so scores, ranks and counts are exactly
// what the whole query gives (TestCountOnlyMatchesWholeQuery).
//
// Whatever countOnly cannot evaluate exactly (a phrase, a query that
// matches versions of another language) falls back to the language's real
// searcher, counted by the collector as before.

// countOnly is the query of a language that a search counts but does not
// show.
type countOnly struct {
	q      query.Query // the language's query
	lang   string
	filter query.Query // the search's tag filter, or nil
	facets *facetTables
	// Set by Searcher, for the snapshot is:
	is      *scorch.IndexSnapshot
	counted bool // matches counted here, n of them; false: by the collector
	n       int
	weight  float64
	count   uint64
}

// Searcher returns a searcher that matches nothing, with the weight and
// count of q's real searcher, after counting q's matches; or q's real
// searcher when q cannot be counted apart. It implements query.Query.
func (c *countOnly) Searcher(ctx context.Context, r bindex.IndexReader, m mapping.IndexMapping, o search.SearcherOptions) (search.Searcher, error) {
	is, ok := r.(*scorch.IndexSnapshot)
	if ok && is == c.is && c.counted {
		// The same snapshot as the last search (exact matches, then the
		// same with typos, which other languages never get).
		return &nothingSearcher{weight: c.weight, count: c.count}, nil
	}
	c.is, c.counted = is, false
	im, bm25 := m.(*mapping.IndexMappingImpl)
	if !ok || !bm25 || im.ScoringModel != bindex.BM25Scoring || o.Score != "" || o.Explain {
		return c.q.Searcher(ctx, r, m, o)
	}
	ev := &bitEval{is: is, segs: is.Segments(), dicts: map[string][]segment.TermDictionary{}}
	res, ok := ev.eval(c.q)
	if ok && c.filter != nil {
		var f bitResult
		if f, ok = ev.eval(c.filter); ok {
			res.bits = andBits(res.bits, f.bits)
		}
	}
	if ok {
		c.n, ok = c.own(is, res.bits)
	}
	if !ok {
		return c.q.Searcher(ctx, r, m, o)
	}
	c.counted, c.weight, c.count = true, res.weight, res.count
	return &nothingSearcher{weight: c.weight, count: c.count}, nil
}

// own counts the documents of bits and reports whether all are versions
// in c.lang (a query of one language that matched another language's
// versions would be counted twice).
func (c *countOnly) own(is *scorch.IndexSnapshot, bits []*roaring.Bitmap) (int, bool) {
	v, ok := c.facets.view(is)
	if !ok {
		return 0, false
	}
	id := -1
	for i, name := range v.names {
		if name == c.lang {
			id = i
		}
	}
	n := 0
	for i, b := range bits {
		if b == nil || b.IsEmpty() {
			continue
		}
		langs := v.segs[i].lang
		for it := b.Iterator(); it.HasNext(); {
			d := it.Next()
			if int(d) >= len(langs) || int(langs[d]) != id {
				return 0, false
			}
			n++
		}
	}
	return n, true
}

// nothingSearcher matches nothing, with a given weight and count.
type nothingSearcher struct {
	weight float64
	count  uint64
}

func (s *nothingSearcher) Next(*search.SearchContext) (*search.DocumentMatch, error) { return nil, nil }
func (s *nothingSearcher) Advance(*search.SearchContext, bindex.IndexInternalID) (*search.DocumentMatch, error) {
	return nil, nil
}
func (s *nothingSearcher) Close() error               { return nil }
func (s *nothingSearcher) Weight() float64            { return s.weight }
func (s *nothingSearcher) SetQueryNorm(float64)       {}
func (s *nothingSearcher) Count() uint64              { return s.count }
func (s *nothingSearcher) Min() int                   { return 0 }
func (s *nothingSearcher) Size() int                  { return 0 }
func (s *nothingSearcher) DocumentMatchPoolSize() int { return 0 }

// bitResult is what Bleve's searcher of a query would report, with its
// matches: weight and count as its Weight and Count methods give them,
// none when it is a MatchNoneSearcher (which Bleve's boolean query treats
// as absent), and the matching live documents of each segment (nil:
// none).
type bitResult struct {
	weight float64
	count  uint64
	none   bool
	bits   []*roaring.Bitmap
}

// bitEval evaluates queries on one index snapshot as Bleve's searchers
// would match them, without scoring.
type bitEval struct {
	is    *scorch.IndexSnapshot
	segs  []*scorch.SegmentSnapshot
	dicts map[string][]segment.TermDictionary
}

// eval returns the result of q, or false when q is not one of the queries
// it knows exactly.
func (e *bitEval) eval(q query.Query) (bitResult, bool) {
	switch q := q.(type) {
	case *query.TermQuery:
		if q.FieldVal == "" {
			return bitResult{}, false
		}
		return e.term(q.Term, q.FieldVal, q.BoostVal.Value())
	case *termsQuery:
		switch {
		case len(q.terms) == 0:
			return bitResult{none: true}, true
		case len(q.terms) == 1 && (q.dists == nil || q.dists[0] == 0):
			return e.term(q.terms[0], q.field, q.boost)
		}
		rs := make([]bitResult, len(q.terms))
		for i, t := range q.terms {
			boost := q.boost
			if q.dists != nil {
				boost = q.boost * (1 / float64(q.dists[i]+1))
			}
			var ok bool
			if rs[i], ok = e.term(t, q.field, boost); !ok {
				return bitResult{}, false
			}
		}
		return e.disjunction(rs), true
	case *query.MatchNoneQuery:
		return bitResult{none: true}, true
	case *query.ConjunctionQuery:
		if len(q.Conjuncts) == 0 {
			return bitResult{none: true}, true
		}
		rs, ok := e.all(q.Conjuncts)
		if !ok {
			return bitResult{}, false
		}
		sortByCount(rs)
		out := bitResult{bits: rs[0].bits}
		for _, r := range rs {
			out.weight += r.weight
			out.count += r.count
		}
		for _, r := range rs[1:] {
			out.bits = andBits(out.bits, r.bits)
		}
		return out, true
	case *query.DisjunctionQuery:
		if q.Min > 1 {
			return bitResult{}, false
		}
		if len(q.Disjuncts) == 0 {
			return bitResult{none: true}, true
		}
		rs, ok := e.all(q.Disjuncts)
		if !ok {
			return bitResult{}, false
		}
		return e.disjunction(rs), true
	case *query.BooleanQuery:
		if q.Should != nil || q.Filter != nil || q.Must == nil {
			// Tolk's queries have none of these; a must-not alone
			// would match every document.
			return bitResult{}, false
		}
		must, ok := e.eval(q.Must)
		if !ok || must.none {
			return bitResult{}, false
		}
		if q.MustNot == nil {
			return must, true
		}
		not, ok := e.eval(q.MustNot)
		if !ok {
			return bitResult{}, false
		}
		if not.none {
			return must, true
		}
		// A BooleanSearcher: the weight and count of its must clause.
		must.bits = andNotBits(must.bits, not.bits)
		return must, true
	}
	return bitResult{}, false
}

// all evaluates qs.
func (e *bitEval) all(qs []query.Query) ([]bitResult, bool) {
	rs := make([]bitResult, len(qs))
	for i, q := range qs {
		var ok bool
		if rs[i], ok = e.eval(q); !ok {
			return nil, false
		}
	}
	return rs, true
}

// disjunction returns the result of Bleve's disjunction searcher over the
// searchers of rs: it sums weights in count order up to
// searcher.DisjunctionHeapTakeover (10) searchers, in the given order
// beyond.
func (e *bitEval) disjunction(rs []bitResult) bitResult {
	if len(rs) <= 10 {
		sortByCount(rs)
	}
	var out bitResult
	for _, r := range rs {
		out.weight += r.weight
		out.count += r.count
		out.bits = orBits(out.bits, r.bits)
	}
	return out
}

// sortByCount orders rs as Bleve's OrderedSearcherList orders searchers.
func sortByCount(rs []bitResult) { sort.Sort(byCount(rs)) }

type byCount []bitResult

func (b byCount) Len() int           { return len(b) }
func (b byCount) Less(i, j int) bool { return b[i].count < b[j].count }
func (b byCount) Swap(i, j int)      { b[i], b[j] = b[j], b[i] }

// term returns the result of Bleve's term searcher of term in field with
// boost: its weight is the square of boost times the term's BM25 idf.
func (e *bitEval) term(term, field string, boost float64) (bitResult, bool) {
	dicts, ok := e.dicts[field]
	if !ok {
		dicts = make([]segment.TermDictionary, len(e.segs))
		for i, s := range e.segs {
			d, err := s.Segment().Dictionary(field)
			if err != nil {
				return bitResult{}, false
			}
			dicts[i] = d
		}
		e.dicts[field] = dicts
	}
	out := bitResult{bits: make([]*roaring.Bitmap, len(e.segs))}
	tb := []byte(term)
	for i, s := range e.segs {
		pl, err := dicts[i].PostingsList(tb, s.Deleted(), nil)
		if err != nil {
			return bitResult{}, false
		}
		n := pl.Count()
		if n == 0 {
			continue
		}
		out.count += n
		it, ok := pl.Iterator(false, false, false, nil).(segment.OptimizablePostingsIterator)
		if !ok {
			return bitResult{}, false
		}
		if d, ok := it.DocNum1Hit(); ok {
			out.bits[i] = roaring.BitmapOf(uint32(d))
		} else if out.bits[i] = it.ActualBitmap(); out.bits[i] == nil {
			return bitResult{}, false
		}
	}
	idf, ok := e.idf(field, out.count)
	if !ok {
		return bitResult{}, false
	}
	w := boost * idf
	out.weight = w * w
	return out, true
}

// idf returns the inverse document frequency Bleve's BM25 scorer gives a
// term of field found in docTerm documents.
func (e *bitEval) idf(field string, docTerm uint64) (float64, bool) {
	docTotal, err := e.is.DocCount()
	if err != nil {
		return 0, false
	}
	card, err := e.is.FieldCardinality(field)
	if err != nil {
		return 0, false
	}
	var avg float64
	if docTotal != 0 || card != 0 {
		avg = math.Ceil(float64(card) / float64(docTotal))
	}
	if avg > 0 {
		return math.Log(1 + (float64(docTotal)-float64(docTerm)+0.5)/(float64(docTerm)+0.5)), true
	}
	return 1.0 + math.Log(float64(docTotal)/float64(docTerm+1.0)), true
}

// The bitmaps of one segment's postings belong to the segment: these
// combine them into new bitmaps and never modify their arguments. A nil
// slice has no documents in any segment.

func andBits(a, b []*roaring.Bitmap) []*roaring.Bitmap {
	if a == nil || b == nil {
		return nil
	}
	out := make([]*roaring.Bitmap, len(a))
	for i := range a {
		if a[i] != nil && b[i] != nil {
			out[i] = roaring.And(a[i], b[i])
		}
	}
	return out
}

func orBits(a, b []*roaring.Bitmap) []*roaring.Bitmap {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	out := make([]*roaring.Bitmap, len(a))
	for i := range a {
		switch {
		case a[i] == nil:
			out[i] = b[i]
		case b[i] == nil:
			out[i] = a[i]
		default:
			out[i] = roaring.Or(a[i], b[i])
		}
	}
	return out
}

func andNotBits(a, b []*roaring.Bitmap) []*roaring.Bitmap {
	if a == nil || b == nil {
		return a
	}
	out := make([]*roaring.Bitmap, len(a))
	for i := range a {
		switch {
		case a[i] == nil:
		case b[i] == nil:
			out[i] = a[i]
		default:
			out[i] = roaring.AndNot(a[i], b[i])
		}
	}
	return out
}
