package index

import (
	"context"
	"sync"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/collector"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// Facets are counted by Tolk, not by Bleve: Bleve decodes every matching
// document's doc values on each search (a third of a search's time),
// while Tolk decodes each segment's language and tags once, when the
// segment first serves a search, and keeps them in tables indexed by
// document number. Segments are immutable, so a table never goes stale;
// tables of segments merged away are dropped.

// segFacets is the language and tags of every document of one segment,
// by local document number, as ids of a facetNames.
type segFacets struct {
	lang   []uint16
	tagOff []uint32 // tags of document n are tagIDs[tagOff[n]:tagOff[n+1]]
	tagIDs []uint16
}

// facetTables caches the segFacets of the segments of one Bleve index and
// names the ids they use.
type facetTables struct {
	mu    sync.Mutex
	segs  map[segment.Segment]*segFacets
	ids   map[string]uint16
	names []string // by id; only ever appended to
}

func newFacetTables() *facetTables {
	return &facetTables{segs: make(map[segment.Segment]*segFacets), ids: make(map[string]uint16)}
}

// id returns the id of name, assigning one if needed; t.mu is held.
func (t *facetTables) id(name string) uint16 {
	if id, ok := t.ids[name]; ok {
		return id
	}
	if len(t.names) >= 1<<16-1 {
		return 1<<16 - 1 // more distinct values than any corpus has; counted together
	}
	id := uint16(len(t.names))
	t.ids[name] = id
	t.names = append(t.names, name)
	return id
}

// facetView maps the document numbers of one index snapshot to facets.
type facetView struct {
	offsets []uint64 // first global document number of each segment
	segs    []*segFacets
	names   []string
}

// view returns the facet view of snapshot is, reading the tables of
// segments not seen before, or false when is cannot be read.
func (t *facetTables) view(is *scorch.IndexSnapshot) (*facetView, bool) {
	ss := is.Segments()
	v := &facetView{offsets: make([]uint64, len(ss)), segs: make([]*segFacets, len(ss))}
	t.mu.Lock()
	defer t.mu.Unlock()
	var next uint64
	live := make(map[segment.Segment]bool, len(ss))
	for i, s := range ss {
		seg := s.Segment()
		v.offsets[i] = next
		next += seg.Count()
		live[seg] = true
		f := t.segs[seg]
		if f == nil {
			var ok bool
			if f, ok = t.read(seg); !ok {
				return nil, false
			}
			t.segs[seg] = f
		}
		v.segs[i] = f
	}
	if len(t.segs) > len(ss) {
		for seg := range t.segs {
			if !live[seg] {
				delete(t.segs, seg)
			}
		}
	}
	v.names = t.names[:len(t.names):len(t.names)]
	return v, true
}

// read decodes the language and tags of every document of seg; t.mu is
// held.
func (t *facetTables) read(seg segment.Segment) (*segFacets, bool) {
	dv, ok := seg.(segment.DocValueVisitable)
	if !ok {
		return nil, false
	}
	n := seg.Count()
	f := &segFacets{lang: make([]uint16, n), tagOff: make([]uint32, n+1)}
	fields := []string{fieldLang, fieldTags}
	var state segment.DocVisitState
	var err error
	for d := range n {
		f.tagOff[d] = uint32(len(f.tagIDs))
		state, err = dv.VisitDocValues(d, fields, func(field string, term []byte) {
			switch field {
			case fieldLang:
				f.lang[d] = t.id(string(term))
			case fieldTags:
				f.tagIDs = append(f.tagIDs, t.id(string(term)))
			}
		}, state)
		if err != nil {
			return nil, false
		}
	}
	f.tagOff[n] = uint32(len(f.tagIDs))
	return f, true
}

// locate returns the segment facets and local number of global document
// number num.
func (v *facetView) locate(num uint64) (*segFacets, uint64) {
	i := len(v.offsets) - 1
	for i > 0 && v.offsets[i] > num {
		i--
	}
	return v.segs[i], num - v.offsets[i]
}

// facetCounter counts the languages of all matches and the tags of the
// matches in wanted languages, and passes only those to Bleve's collector.
type facetCounter struct {
	tables *facetTables
	wanted map[string]bool
	view   *facetView
	langs  []int // by id
	tags   []int // by id
	total  int   // matches in wanted languages
	failed bool  // the index could not be read this way; counts are void
}

// context returns ctx set up so that a search in it counts into c.
func (c *facetCounter) context(ctx context.Context) context.Context {
	return context.WithValue(ctx, search.MakeDocumentMatchHandlerKey, search.MakeDocumentMatchHandler(c.handler))
}

func (c *facetCounter) handler(sc *search.SearchContext) (search.DocumentMatchHandler, bool, error) {
	next, loadID, err := collector.MakeTopNDocumentMatchHandler(sc)
	if err != nil || next == nil {
		return next, loadID, err
	}
	is, ok := sc.IndexReader.(*scorch.IndexSnapshot)
	if ok {
		c.view, ok = c.tables.view(is)
	}
	if !ok {
		c.failed = true
		return next, loadID, nil
	}
	n := len(c.view.names)
	c.langs, c.tags = make([]int, n), make([]int, n)
	wanted := make([]bool, n)
	for i, name := range c.view.names {
		wanted[i] = c.wanted[name]
	}
	return func(d *search.DocumentMatch) error {
		if d == nil {
			return next(d)
		}
		f, local := c.view.locate(d.IndexInternalID.Value())
		if local >= uint64(len(f.lang)) {
			c.failed = true
			return next(d)
		}
		l := f.lang[local]
		if int(l) < n {
			c.langs[l]++
		}
		if int(l) >= n || !wanted[l] {
			sc.DocumentMatchPool.Put(d)
			return nil
		}
		c.total++
		for _, tag := range f.tagIDs[f.tagOff[local]:f.tagOff[local+1]] {
			if int(tag) < n {
				c.tags[tag]++
			}
		}
		return next(d)
	}, loadID, nil
}

// counts returns the counts of by, named, most frequent first.
func (c *facetCounter) counts(by []int) []Count {
	out := []Count{}
	for id, k := range by {
		if k > 0 {
			out = append(out, Count{Key: c.view.names[id], Count: k})
		}
	}
	sortCounts(out)
	return out
}
