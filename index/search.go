package index

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Defaults and limits of a Request.
const (
	// DefaultPerPage is the page size when Request.PerPage is 0.
	DefaultPerPage = 10
	// MaxPerPage is the largest page size; larger requests are cut.
	MaxPerPage = 100
	// MaxDepth caps Page*PerPage; pages beyond it are empty.
	MaxDepth = 10000
	// minHits is how many hits a search must find before it stops
	// widening: exact matches of every word, then with typos, then any
	// word.
	minHits = 3
)

// Boosts: title above body, exact above folded above prefix above fuzzy.
const (
	boostTitle         = 3.0
	boostBody          = 1.0
	boostFoldTitle     = 2.4
	boostFoldBody      = 0.8
	boostPrefixTitle   = 1.2
	boostPrefixBody    = 0.3
	boostFuzzyTitle    = 0.5
	boostFuzzyBody     = 0.15
	boostPinyin        = 2.0
	boostPhrase        = 1.5 // on top of the field's boost
	minPrefixRunes     = 3
	minBodyPrefixRunes = 5
)

// Request is a search.
type Request struct {
	// Query is what the user typed; see ParseQuery.
	Query string
	// Langs are the languages searched; empty means every language.
	Langs []string
	// Prefer orders languages for choosing one version per article when
	// more than one language is searched; languages not in it come after,
	// by score.
	Prefer []string
	// Tags narrows the search to versions carrying all of them.
	Tags []string
	// Page is the 1-based page number; PerPage the hits per page
	// (DefaultPerPage when 0, at most MaxPerPage).
	Page, PerPage int
}

// Result is one page of search results.
type Result struct {
	// Total counts the matching versions, or the matching articles when
	// more than one language was searched.
	Total int
	Hits  []Hit
	// Tags counts the matching versions per tag, most frequent first.
	Tags []Count
	// Langs counts the versions matching the query and tags in each
	// language, whatever Request.Langs says.
	Langs []Count
	Took  time.Duration
}

// Hit is one matching version.
type Hit struct {
	ID, Lang string
	Score    float64
	// SnippetHTML is about 160 characters of the body around the best
	// match, HTML-escaped, with matches in <mark> elements and no other
	// markup.
	SnippetHTML string
	// TitleHTML is the escaped title with matches marked.
	TitleHTML string
}

// Count is a facet value and the number of matches carrying it.
type Count struct {
	Key   string
	Count int
}

// Search runs r. A query with nothing to search for finds nothing; it is
// not an error. Searches never see a half-applied Rebuild. While the index
// is broken (see Health) Search fails with an error wrapping
// ErrUnavailable, and so does a search that panics inside Bleve, which
// marks the index broken, or takes longer than Options.SearchBudget.
func (ix *Index) Search(ctx context.Context, r Request) (res Result, err error) {
	start := time.Now()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed {
		return Result{}, ErrClosed
	}
	s := ix.cur.Load()
	if err := s.health(); err != nil {
		return Result{Tags: []Count{}, Langs: []Count{}}, fmt.Errorf("search: %w", err)
	}
	defer contain("search", s.state, &err)
	bctx, cancel := context.WithTimeout(ctx, ix.budget)
	defer cancel()
	res, err = ix.search(bctx, s, r)
	res.Took = time.Since(start)
	switch {
	case err == nil:
	case ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded):
		return Result{Tags: []Count{}, Langs: []Count{}, Took: res.Took}, fmt.Errorf("search: %w: over its budget of %v", ErrUnavailable, ix.budget)
	case ctx.Err() == nil && !errors.Is(err, context.Canceled):
		// Queries are built programmatically, so Bleve failing one is
		// the index's fault, as a panic would be: broken until rebuilt.
		err = fmt.Errorf("%w: %w", ErrUnavailable, err)
		s.state.fail(err)
		return Result{Tags: []Count{}, Langs: []Count{}, Took: res.Took}, s.health()
	}
	return res, err
}

func (ix *Index) search(ctx context.Context, s *snapshot, r Request) (Result, error) {
	res := Result{Tags: []Count{}, Langs: []Count{}}
	q := ParseQuery(r.Query)
	if q.Empty() {
		return res, nil
	}
	p := newPlan(s.withMemo(), q, r, !ix.countInQuery)
	p.bleveLocations = ix.bleveLocations
	defer p.release()
	sr, c, m, err := p.widen(ctx)
	if err != nil {
		return res, err
	}
	res.Tags = c.counts(c.tags)
	res.Langs = c.counts(c.langs)
	var picks []pick
	res.Total, picks = p.picks(sr, c)
	if len(picks) == 0 {
		return res, nil
	}
	locs, err := p.locations(ctx, sr, c, m, picks)
	if err != nil {
		return res, err
	}
	res.Hits = p.hits(picks, locs)
	return res, nil
}

// plan is one search: the request, what it searches, and how each of its
// runs (exact, with typos, any word) is built.
type plan struct {
	s         *snapshot
	q         Query
	prefer    []string
	from, per int
	langs     []string        // searched
	wanted    map[string]bool // langs
	grouped   bool            // one version per article (more than one language)
	tags      query.Query     // the tag filter, or nil
	// apart counts the languages not searched with countOnly queries
	// instead of searching them; others holds those queries by mode.all
	// (the other languages are never fuzzy, so exact and typo runs share
	// them).
	apart  bool
	others map[bool][]*countOnly
	// bleveLocations has Bleve find the locations of matches for
	// snippets instead of locate.
	bleveLocations bool
	// held are the snapshots the runs searched, kept open (a reference
	// each) until release: locate reads them after Bleve has closed its
	// reader, and a merge may unmap a segment no one holds.
	held []*scorch.IndexSnapshot
}

// hold keeps is open until release.
func (p *plan) hold(is *scorch.IndexSnapshot) {
	is.AddRef()
	p.held = append(p.held, is)
}

// release lets go of the snapshots hold kept.
func (p *plan) release() {
	for _, is := range p.held {
		_ = is.DecRef() // a failure to remove a merged segment's files is Scorch's to retry
	}
	p.held = nil
}

// pick is a version to show, its score, and its document number in the
// snapshot searched.
type pick struct {
	id    string
	score float64
	num   uint64
}

// newPlan returns the plan of q for r over s; apart says whether the
// languages not asked for are counted apart (countOnly) rather than
// searched with the rest.
func newPlan(s *snapshot, q Query, r Request, apart bool) *plan {
	p := &plan{s: s, q: q, prefer: r.Prefer, grouped: len(r.Langs) != 1, apart: apart, others: map[bool][]*countOnly{}}
	page, per := max(r.Page, 1), r.PerPage
	if per <= 0 {
		per = DefaultPerPage
	}
	per = min(per, MaxPerPage)
	p.from = (page - 1) * per
	if p.from+per > MaxDepth {
		per = max(0, MaxDepth-p.from)
	}
	p.per = per

	p.langs = s.langs
	if len(r.Langs) > 0 {
		p.langs = nil
		for _, l := range r.Langs {
			if _, ok := s.specs[l]; ok && !slices.Contains(p.langs, l) {
				p.langs = append(p.langs, l)
			}
		}
	}
	p.wanted = make(map[string]bool, len(p.langs))
	for _, l := range p.langs {
		p.wanted[l] = true
	}
	if len(r.Tags) > 0 {
		var tq []query.Query
		for _, t := range r.Tags {
			q := query.NewTermQuery(t)
			q.SetField(fieldTags)
			tq = append(tq, q)
		}
		p.tags = query.NewConjunctionQuery(tq)
	}
	return p
}

// query returns the query of one run: every language, in the order of
// s.langs. The languages not asked for are only counted, for
// facets.lang, and without typo tolerance (their typos would cost more
// than the rest of the search); with apart, by countOnly queries.
func (p *plan) query(m mode, apart bool) (query.Query, []*countOnly) {
	var per []query.Query
	var counted []*countOnly
	for _, l := range p.s.langs {
		if !p.wanted[l] && apart {
			if co := p.countOnly(l, m.all); co != nil {
				per, counted = append(per, co), append(counted, co)
			}
			continue
		}
		lm := m
		lm.fuzzy = m.fuzzy && p.wanted[l]
		if lq := p.s.langQuery(p.s.specs[l], p.q, lm); lq != nil {
			per = append(per, lq)
		}
	}
	b := query.NewBooleanQuery([]query.Query{anyOf(per)}, nil, nil)
	if p.tags != nil {
		b.AddFilter(p.tags)
	}
	return b, counted
}

// countOnly returns the count-only query of language l when every word
// and phrase must match (all) or any may, or nil when l has nothing to
// search for.
func (p *plan) countOnly(l string, all bool) *countOnly {
	for _, co := range p.others[all] {
		if co.lang == l {
			return co
		}
	}
	lq := p.s.langQuery(p.s.specs[l], p.q, mode{all: all})
	if lq == nil {
		return nil
	}
	co := &countOnly{q: lq, lang: l, filter: p.tags, facets: p.s.facets}
	p.others[all] = append(p.others[all], co)
	return co
}

// run searches in mode m, counting every match: hits (with grouping, none:
// the counter groups them itself), totals, tags and languages.
func (p *plan) run(ctx context.Context, m mode) (*bleve.SearchResult, *facetCounter, error) {
	sr, c, ok, err := p.runWith(ctx, m, p.apart)
	if err == nil && !ok {
		// A countOnly query's language was matched by another
		// language's query: count everything in the one query.
		sr, c, _, err = p.runWith(ctx, m, false)
	}
	return sr, c, err
}

// runWith is run, counting the languages not asked for apart or not; it
// reports false when the counts apart cannot be added to the others.
func (p *plan) runWith(ctx context.Context, m mode, apart bool) (*bleve.SearchResult, *facetCounter, bool, error) {
	bq, counted := p.query(m, apart)
	req := bleve.NewSearchRequestOptions(bq, p.per, p.from, false)
	if p.grouped {
		// The counter groups every match itself and passes none on.
		req.From, req.Size = 0, 0
	}
	req.Fields = nil
	// Fuzzy searches find few versions, and rebuilding their queries for
	// a second search costs more than reading locations for all of them
	// now.
	req.IncludeLocations = m.fuzzy && !p.grouped
	c := &facetCounter{tables: p.s.facets, wanted: p.wanted, group: p.grouped, prefer: p.prefer, hold: p.hold}
	sr, err := p.s.bi.SearchInContext(c.context(ctx), req)
	if err != nil {
		return nil, nil, false, fmt.Errorf("search: %w", err)
	}
	if c.failed {
		return nil, nil, false, errors.New("search: the index cannot be counted by document number")
	}
	return sr, c, c.addApart(counted), nil
}

// widen runs the search in ever looser modes while it finds fewer than
// minHits: exact matches of every word first; typos only when those find
// too little (fuzzy queries are the expensive part of a search); any word
// last. It returns the run that found most, and its mode.
func (p *plan) widen(ctx context.Context) (*bleve.SearchResult, *facetCounter, mode, error) {
	m := mode{all: true}
	sr, c, err := p.run(ctx, m)
	if err != nil {
		return nil, nil, m, err
	}
	for _, next := range []mode{{all: true, fuzzy: true}, {all: false, fuzzy: true}} {
		if c.total >= minHits {
			break
		}
		if next.fuzzy && !p.q.fuzzable() || !next.all && len(p.q.Words)+len(p.q.Phrases) < 2 {
			continue
		}
		if next.all && next.fuzzy && !p.hasTypoWords() {
			continue // the same query as the run before
		}
		sr2, c2, err := p.run(ctx, next)
		if err != nil {
			return nil, nil, m, err
		}
		if c2.total > c.total {
			sr, c, m = sr2, c2, next
		}
	}
	return sr, c, m, nil
}

// picks returns the total and the versions of the requested page.
func (p *plan) picks(sr *bleve.SearchResult, c *facetCounter) (int, []pick) {
	var picks []pick
	if p.grouped {
		ranked := c.ranked()
		for _, g := range ranked[min(p.from, len(ranked)):min(len(ranked), p.from+p.per)] {
			picks = append(picks, pick{c.docID(g), g.top, g.num})
		}
		return len(ranked), picks
	}
	for _, h := range sr.Hits {
		picks = append(picks, pick{h.ID, h.Score, h.IndexInternalID.Value()})
	}
	return c.total, picks
}

// locations returns where the words matched in each of picks: from the
// fuzzy search that read them already, or read from the postings of the
// snapshot c searched (locate), or from a second, tiny search.
func (p *plan) locations(ctx context.Context, sr *bleve.SearchResult, c *facetCounter, m mode, picks []pick) (map[string]search.FieldTermLocationMap, error) {
	locs := make(map[string]search.FieldTermLocationMap, len(picks))
	if m.fuzzy && !p.grouped {
		for _, h := range sr.Hits {
			locs[h.ID] = h.Locations
		}
		return locs, nil
	}
	tq := p.s.textQuery(p.q, p.langs, mode{fuzzy: m.fuzzy})
	if c.is != nil && !p.bleveLocations {
		nums := make([]uint64, len(picks))
		for i, pk := range picks {
			nums[i] = pk.num
		}
		if found, ok := locate(c.is, tq, nums); ok {
			for i, pk := range picks {
				if found[i] != nil {
					locs[pk.id] = found[i]
				}
			}
			return locs, nil
		}
	}
	ids := make([]string, len(picks))
	for i, pk := range picks {
		ids[i] = pk.id
	}
	lq := query.NewConjunctionQuery([]query.Query{query.NewDocIDQuery(ids), tq})
	lreq := bleve.NewSearchRequestOptions(lq, len(ids), 0, false)
	lreq.IncludeLocations = true
	lr, err := p.s.bi.SearchInContext(ctx, lreq)
	if err != nil {
		return nil, fmt.Errorf("locate matches: %w", err)
	}
	for _, h := range lr.Hits {
		locs[h.ID] = h.Locations
	}
	return locs, nil
}

// hits returns the hits of picks, titles and snippets marked where locs
// says the words matched.
func (p *plan) hits(picks []pick, locs map[string]search.FieldTermLocationMap) []Hit {
	var out []Hit
	for _, pk := range picks {
		v := p.s.docs.get(pk.id)
		if v == nil {
			continue
		}
		sp := p.s.specs[v.Lang]
		title, summary, text := matchSpans(locs[pk.id], sp, v.Title, v.Summary, v.Text)
		h := Hit{ID: v.ID, Lang: v.Lang, Score: pk.score, TitleHTML: markAll(v.Title, title)}
		if len(text) > 0 || len(summary) == 0 && v.Text != "" && utf8.RuneCountInString(v.Summary) < snippetRunes/2 {
			h.SnippetHTML = snippet(v.Text, text)
		} else {
			h.SnippetHTML = snippet(v.Summary, summary)
		}
		out = append(out, h)
	}
	return out
}

// withMemo returns a copy of s that remembers analyses, for one search.
func (s *snapshot) withMemo() *snapshot {
	c := *s
	c.memo = make(map[memoKey][]tok)
	return &c
}

func sortCounts(cs []Count) {
	slices.SortStableFunc(cs, func(a, b Count) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Key, b.Key)) })
}

// mode says how a query matches: with all, every word and phrase must
// match, otherwise any may; with fuzzy, words may match with typos.
type mode struct {
	all, fuzzy bool
}

// fuzzable reports whether some word of q tolerates typos.
func (q Query) fuzzable() bool {
	for _, w := range q.Words {
		if fuzziness(w) > 0 {
			return true
		}
	}
	return false
}

// textQuery returns the query for q over the fields of langs, matching as
// m says.
func (s *snapshot) textQuery(q Query, langs []string, m mode) query.Query {
	var per []query.Query
	for _, l := range langs {
		if lq := s.langQuery(s.specs[l], q, m); lq != nil {
			per = append(per, lq)
		}
	}
	return anyOf(per)
}

// anyOf returns the disjunction of qs; none matches nothing.
func anyOf(qs []query.Query) query.Query {
	switch len(qs) {
	case 0:
		return query.NewMatchNoneQuery()
	case 1:
		return qs[0]
	}
	return query.NewDisjunctionQuery(qs)
}

// analyzes reports whether text leaves any token after analyzer an (it
// does not when it is all stop words or punctuation).
func (s *snapshot) analyzes(an, text string) bool { return len(s.tokens(an, text)) > 0 }

// memoKey names one analysis of a search's memo.
type memoKey struct{ an, text string }

// tok is one token of an analyzed query word, as much of Bleve's
// analysis.Token as queries use.
type tok struct {
	term       string
	start, end int
	double     bool // a bigram (analysis.Double)
}

// tokens returns the tokens analyzer an makes of text, analyzing each
// word once per search (a search builds its query for every language and
// up to four times: exact, typos, any word, locations), and once for many
// searches while s.analyses remembers it: analyzing was the largest part
// of building a query. Callers must not modify the tokens.
func (s *snapshot) tokens(an, text string) []tok {
	k := memoKey{an, text}
	if ts, ok := s.memo[k]; ok {
		return ts
	}
	ts, ok := s.analyses.get(k)
	if !ok {
		a := s.mapping.AnalyzerNamed(an)
		if a == nil {
			return nil
		}
		for _, t := range a.Analyze([]byte(text)) {
			ts = append(ts, tok{term: string(t.Term), start: t.Start, end: t.End, double: t.Type == analysis.Double})
		}
		s.analyses.put(k, ts)
	}
	if s.memo != nil {
		s.memo[k] = ts
	}
	return ts
}

// maxAnalyses bounds an analysisCache: 4,096 analyses of query words
// (each word is analyzed for every language's fields, up to eight times),
// 2–3 MB with Go's map overhead; a flood of junk queries grows the heap
// by no more (TestJunkCannotGrowMemory in httpapi).
const maxAnalyses = 1 << 12

// analysisCache remembers the analyses of query words for the searches of
// one Bleve index (whose mapping names the analyzers), in two
// generations: when the current one is full it becomes the old one, and
// what is found in the old one moves to the current one, so words in use
// stay. nil remembers nothing.
type analysisCache struct {
	mu       sync.Mutex
	cur, old map[memoKey][]tok
}

func (c *analysisCache) get(k memoKey) ([]tok, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if ts, ok := c.cur[k]; ok {
		return ts, true
	}
	ts, ok := c.old[k]
	if ok {
		c.putLocked(k, ts)
	}
	return ts, ok
}

func (c *analysisCache) put(k memoKey, ts []tok) {
	if c == nil || len(k.text) > maxWordLen*4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(k, ts)
}

func (c *analysisCache) putLocked(k memoKey, ts []tok) {
	if c.cur == nil || len(c.cur) >= maxAnalyses/2 {
		c.old, c.cur = c.cur, make(map[memoKey][]tok, maxAnalyses/2)
	}
	c.cur[k] = ts
}

// matchAll returns the query for versions holding every term analyzer an
// makes of w in field: Bleve's match query with the AND operator, built
// from the memo instead of analyzing again.
func (s *snapshot) matchAll(w, field, an string, boost float64) query.Query {
	ts := s.tokens(an, w)
	if len(ts) == 0 {
		return query.NewMatchNoneQuery()
	}
	terms := make([]string, len(ts))
	for i, t := range ts {
		terms[i] = t.term
	}
	qs := make([]query.Query, len(terms))
	for i, t := range terms {
		tq := query.NewTermQuery(t)
		tq.SetField(field)
		tq.SetBoost(boost)
		qs[i] = tq
	}
	c := query.NewConjunctionQuery(qs)
	c.SetBoost(boost)
	return c
}

// hanTerms returns the terms a Chinese word must match: its bigrams, and
// its unigrams only where no bigram covers them (a one-character word).
// A version holding every bigram holds every unigram too, so requiring
// them as well only costs time: frequent characters have long posting
// lists.
func (s *snapshot) hanTerms(an, w string) []string {
	ts := s.tokens(an, w)
	var out []string
	for _, t := range ts {
		if t.double {
			out = append(out, t.term)
		}
	}
	for _, t := range ts {
		if t.double {
			continue
		}
		covered := slices.ContainsFunc(ts, func(b tok) bool {
			return b.double && b.start <= t.start && t.end <= b.end
		})
		if !covered {
			out = append(out, t.term)
		}
	}
	return out
}

// hanWordTerms returns the terms a run of Han characters typed without
// spaces must match: the terms of each dictionary word in it
// (analyzers.Segment), so that 德佩尔学校交流 requires 德佩尔, 学校 and
// 交流 but not the bigrams across their boundaries (尔学, 校交), which a
// text need not hold.
//
// w is in Simplified characters already: Taiwan and Hong Kong phrasing is
// converted as whole phrases first (列印 → 打印, toSimplified), which the
// analyzer's character-by-character conversion cannot do.
func (s *snapshot) hanWordTerms(an, w string) []string {
	words := segmentHan(w)
	if len(words) <= 1 {
		return s.hanTerms(an, w)
	}
	var out []string
	for _, word := range words {
		for _, t := range s.hanTerms(an, word) {
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	return out
}

// allTerms returns the query for versions holding every one of terms in
// field, scored as a match query with the AND operator.
func allTerms(terms []string, field string, boost float64) query.Query {
	qs := make([]query.Query, len(terms))
	for i, t := range terms {
		tq := query.NewTermQuery(t)
		tq.SetField(field)
		tq.SetBoost(boost)
		qs[i] = tq
	}
	if len(qs) == 1 {
		return qs[0]
	}
	c := query.NewConjunctionQuery(qs)
	c.SetBoost(boost)
	return c
}

func phrase(text, field, an string, boost float64) query.Query {
	m := query.NewMatchPhraseQuery(text)
	m.SetField(field)
	m.Analyzer = an
	m.SetBoost(boost)
	return m
}

// fuzzy returns the query for the terms of field within k edits of term,
// or nil when there are none.
func (s *snapshot) fuzzy(term, field string, k int, boost float64) query.Query {
	terms, dists := s.vocab[field].fuzzy(term, k)
	if len(terms) == 0 {
		return nil
	}
	return &termsQuery{field: field, terms: terms, dists: dists, boost: boost}
}

// fuzzySurface returns the query for the stems (by analyzer an, in field)
// of the words of the surface vocabulary within k edits of term, or nil
// when there are none: a typo is nearer the word as written (delgation,
// delegation) than its stem (deleg).
func (s *snapshot) fuzzySurface(term, surface, field, an string, k int, boost float64) query.Query {
	words, dists := s.vocab[surface].fuzzy(term, k)
	var terms []string
	var ds []uint8
	for i, w := range words {
		st := s.singleTerm(an, w)
		if st == "" {
			continue
		}
		if j := slices.Index(terms, st); j >= 0 {
			ds[j] = min(ds[j], dists[i])
			continue
		}
		terms, ds = append(terms, st), append(ds, dists[i])
	}
	if len(terms) == 0 {
		return nil
	}
	return &termsQuery{field: field, terms: terms, dists: ds, boost: boost}
}

// prefix returns the query for the most frequent terms of field starting
// with p, or nil when there are none.
func (s *snapshot) prefix(p, field string, boost float64) query.Query {
	terms := s.vocab[field].expand(p, maxExpansions)
	if len(terms) == 0 {
		return nil
	}
	return &termsQuery{field: field, terms: terms, boost: boost}
}

// known reports whether some version holds term in field.
func (s *snapshot) known(field, term string) bool { return s.vocab[field].has(term) }

// wordsHave reports whether some version's field (one searched in plain
// words) holds every plain term of w.
func (s *snapshot) wordsHave(field, w string) bool {
	t := s.vocab[field]
	if t.empty() {
		return false
	}
	ts := s.tokens(anPlain, w)
	for _, tk := range ts {
		if !t.has(tk.term) {
			return false
		}
	}
	return len(ts) > 0
}

// plainTerm returns w as the plain analyzer indexes it (lower case, folded,
// unstemmed), or "" when that is not a single term.
func (s *snapshot) plainTerm(w string) string { return s.singleTerm(anPlain, w) }

// singleTerm returns the term analyzer an makes of w, or "" when it makes
// none or several.
func (s *snapshot) singleTerm(an, w string) string {
	ts := s.tokens(an, w)
	if len(ts) != 1 {
		return ""
	}
	return ts[0].term
}

// langQuery returns the query for q over the fields of one language, or
// nil when q has nothing that language can search for: every word (or,
// unless m.all, any word) and every phrase, without the excluded words.
//
// A word matches its analyzed form in the title or body; in Swedish also
// folded (å → a); from 5 letters, with typos in its unstemmed form; as the
// last word being typed, as a prefix of an unstemmed word; in Chinese, in
// the pinyin of the title. Each way scores lower than the one before.
func (s *snapshot) langQuery(sp langSpec, q Query, m mode) query.Query {
	var parts []query.Query
	for i, w := range q.Words {
		last := i == len(q.Words)-1 && q.Prefix
		if wq := s.wordQuery(sp, w, last, m); wq != nil {
			parts = append(parts, wq)
		}
	}
	for _, p := range q.Phrases {
		if pq := s.phraseQuery(sp, p); pq != nil {
			parts = append(parts, pq)
		}
	}
	if len(parts) == 0 {
		return nil
	}
	var req query.Query
	switch {
	case len(parts) == 1:
		req = parts[0]
	case m.all:
		req = query.NewConjunctionQuery(parts)
	default:
		req = query.NewDisjunctionQuery(parts)
	}
	not := s.excludedQuery(sp, q.Excluded)
	if not == nil {
		return req
	}
	return query.NewBooleanQuery([]query.Query{req}, nil, []query.Query{not})
}

// wordQuery returns the query for word w in the fields of sp, or nil when
// that language has nothing to search for in it; last says w is the last
// word and still being typed.
func (s *snapshot) wordQuery(sp langSpec, w string, last bool, m mode) query.Query {
	han := hasHan(w)
	exact := s.analyzes(sp.textQ, w)
	cl := s.exactClauses(sp, w, han, exact)
	// A field searched in plain words (an author's name), where some
	// version's has the word: searching it for every word would change
	// every score (coordination).
	for _, f := range sp.words {
		if s.wordsHave(f.name, w) {
			cl = append(cl, s.matchAll(w, f.name, anPlain, f.f.Weight))
		}
	}
	// A word typed with å/ä/ö needs no folded match; one typed without
	// may stand for a word with them.
	if sp.fold != "" && foldSwedish(w) == w && s.analyzes(sp.foldQ, w) {
		cl = append(cl,
			s.matchAll(w, sp.titleFld, sp.foldQ, boostFoldTitle),
			s.matchAll(w, sp.bodyFld, sp.foldQ, boostFoldBody))
	}
	if sp.titlePl != "" && !han {
		cl = s.looseClauses(cl, sp, w, exact, last && utf8.RuneCountInString(w) >= minPrefixRunes, m)
	}
	if sp.pinyin != "" && !han && s.analyzes(anPinyin, w) {
		cl = append(cl, s.matchAll(w, sp.pinyin, anPinyin, boostPinyin))
	}
	switch len(cl) {
	case 0:
		return nil
	case 1:
		return cl[0]
	}
	return query.NewDisjunctionQuery(cl)
}

// exactClauses returns the queries for w as the title and body analyze
// it, when they make anything of it (exact): in Chinese, the terms of its
// dictionary words, in its Simplified forms.
func (s *snapshot) exactClauses(sp langSpec, w string, han, exact bool) []query.Query {
	switch {
	case exact && sp.han && han:
		ts := s.hanWordTerms(sp.textQ, toSimplified(w))
		cl := []query.Query{allTerms(ts, sp.title, boostTitle), allTerms(ts, sp.body, boostBody)}
		// A Taiwan word that is also ordinary Simplified (智慧 for 智能)
		// or that OpenCC does not know (公車): both words.
		if alt := altSimplified(w); alt != "" {
			ts := s.hanWordTerms(sp.textQ, alt)
			cl = append(cl, allTerms(ts, sp.title, boostTitle), allTerms(ts, sp.body, boostBody))
		}
		return cl
	case exact:
		return []query.Query{
			s.matchAll(w, sp.title, sp.textQ, boostTitle),
			s.matchAll(w, sp.body, sp.textQ, boostBody)}
	}
	return nil
}

// looseClauses appends to cl the queries for w with typos (in mode
// m.fuzzy, from 5 letters, and only for a word the index does not know)
// and, when it is the last word being typed (prefix), as a prefix.
func (s *snapshot) looseClauses(cl []query.Query, sp langSpec, w string, exact, prefix bool, m mode) []query.Query {
	f := fuzziness(w)
	if f == 0 && !prefix {
		return cl
	}
	p := s.plainTerm(w)
	if p == "" {
		return cl
	}
	// Bodies have no unstemmed field: fuzz both the typed word and its
	// stem against stemmed terms.
	bf, _ := sp.looseBody()
	an := sp.textQ
	if sp.fold != "" {
		an = sp.foldQ
	}
	st := s.singleTerm(an, w)
	add := func(q query.Query) {
		if q != nil {
			cl = append(cl, q)
		}
	}
	if m.fuzzy && s.typoWord(sp, w, p, st, exact) {
		add(s.fuzzy(p, sp.titlePl, f, boostFuzzyTitle))
		add(s.fuzzy(p, bf, f, boostFuzzyBody))
		if st != "" && st != p {
			add(s.fuzzy(st, bf, f, boostFuzzyBody))
		}
		// The words of bodies as written, found by the typo, matched
		// through their stems.
		add(s.fuzzySurface(p, sp.surface(), bf, an, f, boostFuzzyBody))
	}
	if prefix {
		add(s.prefix(p, sp.titlePl, boostPrefixTitle))
		// In bodies only for longer prefixes, which stand for fewer words.
		if utf8.RuneCountInString(w) >= minBodyPrefixRunes {
			add(s.prefix(p, bf, boostPrefixBody))
		}
	}
	return cl
}

// typoWord reports whether w, a word of language sp with a plain term p
// and stem st (either may be ""), is matched with typos in a run that
// allows them: a word of 5 letters or more that its title and body
// analyze (exact) and that the index does not know (a word the index
// knows is matched exactly and never fuzzed).
func (s *snapshot) typoWord(sp langSpec, w, p, st string, exact bool) bool {
	if fuzziness(w) == 0 || !exact || p == "" || sp.titlePl == "" || hasHan(w) {
		return false
	}
	bf, _ := sp.looseBody()
	return !(s.known(sp.titlePl, p) || st != "" && s.known(bf, st) || s.known(sp.surface(), p))
}

// hasTypoWords reports whether a run with typos would fuzz some word of
// p's query in a searched language: when none, that run's query is the
// exact run's, and so is what it finds.
func (p *plan) hasTypoWords() bool {
	for _, l := range p.langs {
		sp := p.s.specs[l]
		an := sp.textQ
		if sp.fold != "" {
			an = sp.foldQ
		}
		for _, w := range p.q.Words {
			if fuzziness(w) == 0 || sp.titlePl == "" || hasHan(w) {
				continue
			}
			if p.s.typoWord(sp, w, p.s.plainTerm(w), p.s.singleTerm(an, w), p.s.analyzes(sp.textQ, w)) {
				return true
			}
		}
	}
	return false
}

// phraseQuery returns the query for phrase p in the fields of sp, or nil
// when that language makes nothing of it.
func (s *snapshot) phraseQuery(sp langSpec, p string) query.Query {
	if !s.analyzes(sp.textQ, p) {
		return nil
	}
	cl := []query.Query{
		phrase(p, sp.title, sp.textQ, boostTitle*boostPhrase),
		phrase(p, sp.body, sp.textQ, boostBody*boostPhrase),
	}
	if sp.fold != "" {
		cl = append(cl,
			phrase(p, sp.titleFld, sp.foldQ, boostFoldTitle*boostPhrase),
			phrase(p, sp.bodyFld, sp.foldQ, boostFoldBody*boostPhrase))
	}
	return query.NewDisjunctionQuery(cl)
}

// excludedQuery returns the query for versions holding any of words in the
// fields of sp, or nil when there is none to exclude.
func (s *snapshot) excludedQuery(sp langSpec, words []string) query.Query {
	var not []query.Query
	for _, w := range words {
		if s.analyzes(sp.textQ, w) {
			not = append(not, s.matchAll(w, sp.title, sp.textQ, 1), s.matchAll(w, sp.body, sp.textQ, 1))
		}
		if sp.fold != "" && s.analyzes(sp.foldQ, w) {
			not = append(not, s.matchAll(w, sp.titleFld, sp.foldQ, 1), s.matchAll(w, sp.bodyFld, sp.foldQ, 1))
		}
	}
	if len(not) == 0 {
		return nil
	}
	return query.NewDisjunctionQuery(not)
}
