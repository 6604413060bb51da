package index

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/collector"
	segment "github.com/blevesearch/scorch_segment_api/v2"
	"github.com/cespare/xxhash/v2"
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
	art    []uint32 // article ids
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
	// Articles have ids of their own: there may be more than 65,535.
	artIDs map[string]uint32
	arts   []string // by id; only ever appended to
	// artKeys holds, by id, a hash of each article's name: the key that
	// orders hits of equal score, the same in every build of the index
	// (document numbers depend on how a build was batched).
	artKeys []uint64
}

func newFacetTables() *facetTables {
	return &facetTables{segs: make(map[segment.Segment]*segFacets), ids: make(map[string]uint16), artIDs: make(map[string]uint32)}
}

// artID returns the id of article a, assigning one if needed; t.mu is
// held.
func (t *facetTables) artID(a string) uint32 {
	if id, ok := t.artIDs[a]; ok {
		return id
	}
	id := uint32(len(t.arts))
	t.artIDs[a] = id
	t.arts = append(t.arts, a)
	t.artKeys = append(t.artKeys, xxhash.Sum64String(a))
	return id
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
	arts    []string
	keys    []uint64 // of arts
}

// view returns the facet view of snapshot is, reading the tables of
// segments not seen before, or false when is cannot be read.
func (t *facetTables) view(is *scorch.IndexSnapshot) (*facetView, bool) {
	ss := is.Segments()
	v := &facetView{offsets: make([]uint64, len(ss)), segs: make([]*segFacets, len(ss))}
	t.mu.Lock()
	defer t.mu.Unlock()
	var next uint64
	for i, s := range ss {
		seg := s.Segment()
		v.offsets[i] = next
		next += seg.Count()
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
		// Segments were merged away: drop their tables.
		live := make(map[segment.Segment]bool, len(ss))
		for _, s := range ss {
			live[s.Segment()] = true
		}
		for seg := range t.segs {
			if !live[seg] {
				delete(t.segs, seg)
			}
		}
	}
	v.names = t.names[:len(t.names):len(t.names)]
	v.arts = t.arts[:len(t.arts):len(t.arts)]
	v.keys = t.artKeys[:len(t.artKeys):len(t.artKeys)]
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
	f := &segFacets{art: make([]uint32, n), lang: make([]uint16, n), tagOff: make([]uint32, n+1)}
	fields := []string{fieldLang, fieldTags, fieldArticle}
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
			case fieldArticle:
				f.art[d] = t.artID(string(term))
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
// matches in wanted languages: with grouping, the articles with a
// matching version carrying each tag, as Result.Total counts articles. Without grouping it passes those matches to
// Bleve's collector; with grouping it keeps one match per article itself:
// the version in the most preferred language, then of the best score.
type facetCounter struct {
	tables *facetTables
	wanted map[string]bool
	// group keeps one version per article, ranked by prefer (languages
	// not in it come after).
	group  bool
	prefer []string
	view   *facetView
	is     *scorch.IndexSnapshot // the snapshot searched
	// hold, when set, is given the snapshot searched while the search
	// holds it, to keep it open for reading afterwards (locate).
	hold   func(*scorch.IndexSnapshot)
	langs  []int // by id
	tags   []int // by id
	total  int   // matches in wanted languages
	groups map[uint32]int
	// artTags holds art<<16|tag for each tag counted for an article, so
	// that with grouping a tag counts articles, as Total does.
	artTags map[uint64]struct{}
	picks   []groupPick // in the order their articles first matched
	failed  bool        // the index could not be read this way; counts are void
}

// groupPick is the version kept for one article.
type groupPick struct {
	num   uint64 // document number of the kept version
	art   uint32
	lang  uint16
	rank  int
	score float64 // of the kept version
	top   float64 // the best score of any version of the article
}

// docID returns the Bleve document id of p.
func (c *facetCounter) docID(p groupPick) string {
	return docID(c.view.arts[p.art], c.view.names[p.lang])
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
		c.is = is
		if c.hold != nil {
			c.hold(is)
		}
		c.view, ok = c.tables.view(is)
	}
	if !ok {
		c.failed = true
		return next, loadID, nil
	}
	n := len(c.view.names)
	c.langs, c.tags = make([]int, n), make([]int, n)
	wanted := make([]bool, n)
	rank := make([]int, n)
	for i, name := range c.view.names {
		wanted[i] = c.wanted[name]
		rank[i] = len(c.prefer)
		if r := slices.Index(c.prefer, name); r >= 0 {
			rank[i] = r
		}
	}
	if c.group {
		c.groups = make(map[uint32]int)
		c.artTags = make(map[uint64]struct{})
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
			if int(tag) >= n {
				continue
			}
			if c.group {
				k := uint64(f.art[local])<<16 | uint64(tag)
				if _, dup := c.artTags[k]; dup {
					continue
				}
				c.artTags[k] = struct{}{}
			}
			c.tags[tag]++
		}
		if !c.group {
			// Bleve orders equal scores by HitNumber, the order of
			// matching: the article's key instead (one language, so one
			// version per article).
			d.HitNumber = c.view.keys[f.art[local]]
			return next(d)
		}
		art, score, num := f.art[local], d.Score, d.IndexInternalID.Value()
		sc.DocumentMatchPool.Put(d)
		i, seen := c.groups[art]
		if !seen {
			c.groups[art] = len(c.picks)
			c.picks = append(c.picks, groupPick{num: num, art: art, lang: l, rank: rank[l], score: score, top: score})
			return nil
		}
		p := &c.picks[i]
		p.top = max(p.top, score)
		if rank[l] < p.rank || rank[l] == p.rank && score > p.score {
			p.num, p.lang, p.rank, p.score = num, l, rank[l], score
		}
		return nil
	}, loadID, nil
}

// addApart adds the matches countOnly queries counted to the languages'
// counts, and reports whether it could: each was counted on the snapshot
// searched, and the search itself matched no version of its language
// (which would then be counted twice).
func (c *facetCounter) addApart(counted []*countOnly) bool {
	ids := make([]int, len(counted))
	for i, co := range counted {
		ids[i] = -1
		if !co.counted {
			continue // searched by its real searcher, counted above
		}
		if co.is != c.is || c.view == nil {
			return false
		}
		if id := slices.Index(c.view.names, co.lang); id >= 0 {
			if c.langs[id] != 0 {
				return false
			}
			ids[i] = id
		} else if co.n > 0 {
			return false
		}
	}
	for i, co := range counted {
		if ids[i] >= 0 {
			c.langs[ids[i]] += co.n
		}
	}
	return true
}

// ranked sorts the kept versions best article first, by the best score of
// any of its versions, then by the article's key (as Bleve's order is
// without grouping), and returns them.
func (c *facetCounter) ranked() []groupPick {
	keys := c.view.keys
	slices.SortFunc(c.picks, func(a, b groupPick) int {
		return cmp.Or(cmp.Compare(b.top, a.top), cmp.Compare(keys[a.art], keys[b.art]))
	})
	return c.picks
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
