package index

import (
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// Snippets need to know where the words matched in the hits shown, which
// the search itself does not read (reading locations for every match
// costs more than a second search). That second search used to be
// Bleve's: the hits' ids and the query, with locations; building its
// searchers, scorers and id look-ups was a sixth of a search. locate
// reads the same locations from the postings of the query's terms
// directly, in the hits' documents only, on the snapshot the hits came
// from; what it cannot read exactly (phrases) goes to Bleve as before.
//
// A hit gets the locations Bleve's searchers would give it: a term's in
// its field, a conjunction's when all its parts match, a disjunction's of
// the parts that match, and none from a document a must-not clause
// matches.

// target is one document locate reads: its segment and number there.
type target struct {
	seg   int
	local uint64
}

// locEval reads locations from one index snapshot.
type locEval struct {
	segs    []*scorch.SegmentSnapshot
	targets []target // by segment, then number
	dicts   map[string][]segment.TermDictionary
}

// locResult is, for each target, whether it matches and where.
type locResult struct {
	ok   []bool
	locs [][]search.FieldTermLocation
}

// locate returns the locations of q's terms in the documents of snapshot
// is with the global numbers nums (as Bleve numbers them in is), by the
// index of nums, or false when it cannot read them exactly.
func locate(is *scorch.IndexSnapshot, q query.Query, nums []uint64) ([]search.FieldTermLocationMap, bool) {
	segs := is.Segments()
	offsets := make([]uint64, len(segs))
	var next uint64
	for i, s := range segs {
		offsets[i] = next
		next += s.Segment().Count() // deleted documents keep their numbers
	}
	e := &locEval{segs: segs, dicts: map[string][]segment.TermDictionary{}}
	order := make([]int, len(nums)) // targets index → nums index
	for i, n := range nums {
		seg := len(offsets) - 1
		for seg > 0 && offsets[seg] > n {
			seg--
		}
		if n >= next {
			return nil, false
		}
		e.targets = append(e.targets, target{seg, n - offsets[seg]})
		order[i] = i
	}
	// Postings are read forwards: targets in document order.
	sortTargets(e.targets, order)
	r, ok := e.eval(q)
	if !ok {
		return nil, false
	}
	out := make([]search.FieldTermLocationMap, len(nums))
	for t, i := range order {
		if !r.ok[t] || len(r.locs[t]) == 0 {
			continue
		}
		m := search.FieldTermLocationMap{}
		for _, l := range r.locs[t] {
			tm := m[l.Field]
			if tm == nil {
				tm = search.TermLocationMap{}
				m[l.Field] = tm
			}
			loc := l.Location
			tm[l.Term] = append(tm[l.Term], &loc)
		}
		out[i] = m
	}
	return out, true
}

// sortTargets sorts ts by segment and number, permuting order alike.
func sortTargets(ts []target, order []int) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && (ts[j].seg < ts[j-1].seg || ts[j].seg == ts[j-1].seg && ts[j].local < ts[j-1].local); j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
}

func (e *locEval) empty() locResult {
	return locResult{ok: make([]bool, len(e.targets)), locs: make([][]search.FieldTermLocation, len(e.targets))}
}

// eval returns the result of q, or false when q is not one of the queries
// it reads exactly.
func (e *locEval) eval(q query.Query) (locResult, bool) {
	switch q := q.(type) {
	case *query.TermQuery:
		if q.FieldVal == "" {
			return locResult{}, false
		}
		return e.term(q.Term, q.FieldVal)
	case *termsQuery:
		var rs []locResult
		for _, t := range q.terms {
			r, ok := e.term(t, q.field)
			if !ok {
				return locResult{}, false
			}
			rs = append(rs, r)
		}
		return e.any(rs), true
	case *query.MatchNoneQuery:
		return e.empty(), true
	case *query.ConjunctionQuery:
		if len(q.Conjuncts) == 0 {
			return e.empty(), true
		}
		out := e.empty()
		for t := range out.ok {
			out.ok[t] = true
		}
		for _, c := range q.Conjuncts {
			r, ok := e.eval(c)
			if !ok {
				return locResult{}, false
			}
			for t := range out.ok {
				out.ok[t] = out.ok[t] && r.ok[t]
				out.locs[t] = append(out.locs[t], r.locs[t]...)
			}
		}
		for t := range out.ok {
			if !out.ok[t] {
				out.locs[t] = nil
			}
		}
		return out, true
	case *query.DisjunctionQuery:
		if q.Min > 1 {
			return locResult{}, false
		}
		var rs []locResult
		for _, d := range q.Disjuncts {
			r, ok := e.eval(d)
			if !ok {
				return locResult{}, false
			}
			rs = append(rs, r)
		}
		return e.any(rs), true
	case *query.BooleanQuery:
		if q.Should != nil || q.Filter != nil || q.Must == nil {
			return locResult{}, false
		}
		must, ok := e.eval(q.Must)
		if !ok {
			return locResult{}, false
		}
		if q.MustNot == nil {
			return must, true
		}
		not, ok := e.eval(q.MustNot)
		if !ok {
			return locResult{}, false
		}
		for t := range must.ok {
			if not.ok[t] {
				must.ok[t], must.locs[t] = false, nil
			}
		}
		return must, true
	}
	return locResult{}, false
}

// any returns the result of a disjunction of rs.
func (e *locEval) any(rs []locResult) locResult {
	out := e.empty()
	for _, r := range rs {
		for t := range out.ok {
			if r.ok[t] {
				out.ok[t] = true
				out.locs[t] = append(out.locs[t], r.locs[t]...)
			}
		}
	}
	return out
}

// term returns where term occurs in field in each target.
func (e *locEval) term(term, field string) (locResult, bool) {
	dicts, ok := e.dicts[field]
	if !ok {
		dicts = make([]segment.TermDictionary, len(e.segs))
		e.dicts[field] = dicts
	}
	out := e.empty()
	tb := []byte(term)
	var it segment.PostingsIterator
	var cur segment.Posting
	seg := -1
	for t, tg := range e.targets {
		if tg.seg != seg {
			seg, it, cur = tg.seg, nil, nil
			if dicts[seg] == nil {
				d, err := e.segs[seg].Segment().Dictionary(field)
				if err != nil {
					return locResult{}, false
				}
				dicts[seg] = d
			}
			pl, err := dicts[seg].PostingsList(tb, e.segs[seg].Deleted(), nil)
			if err != nil {
				return locResult{}, false
			}
			if pl.Count() > 0 {
				it = pl.Iterator(true, true, true, nil)
			}
		}
		if it == nil {
			continue
		}
		if cur == nil || cur.Number() < tg.local {
			p, err := it.Advance(tg.local)
			if err != nil {
				return locResult{}, false
			}
			if p == nil {
				it = nil
				continue
			}
			cur = p
		}
		if cur.Number() != tg.local {
			continue
		}
		out.ok[t] = true
		for _, l := range cur.Locations() {
			var ap search.ArrayPositions
			if a := l.ArrayPositions(); len(a) > 0 {
				ap = append(ap, a...)
			}
			out.locs[t] = append(out.locs[t], search.FieldTermLocation{Field: l.Field(), Term: term,
				Location: search.Location{Pos: l.Pos(), Start: l.Start(), End: l.End(), ArrayPositions: ap}})
		}
	}
	return out, true
}
