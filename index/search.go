package index

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
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
	boostAuthor        = 0.5 // a name in the byline matters less than the text
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
	s := ix.cur
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
	s = s.withMemo()
	page, per := max(r.Page, 1), r.PerPage
	if per <= 0 {
		per = DefaultPerPage
	}
	per = min(per, MaxPerPage)
	from := (page - 1) * per
	if from+per > MaxDepth {
		per = max(0, MaxDepth-from)
	}

	langs := s.langs
	if len(r.Langs) > 0 {
		langs = nil
		for _, l := range r.Langs {
			if _, ok := s.specs[l]; ok && !slices.Contains(langs, l) {
				langs = append(langs, l)
			}
		}
	}
	grouped := len(r.Langs) != 1

	var tagFilter query.Query
	if len(r.Tags) > 0 {
		var tq []query.Query
		for _, t := range r.Tags {
			q := query.NewTermQuery(t)
			q.SetField(fieldTags)
			tq = append(tq, q)
		}
		tagFilter = query.NewConjunctionQuery(tq)
	}
	wanted := make(map[string]bool, len(langs))
	for _, l := range langs {
		wanted[l] = true
	}
	// One query over every language: the languages not asked for are
	// only counted, for facets.lang, by the collector's handler, and
	// without typo tolerance (their typos would cost more than the rest
	// of the search).
	build := func(m mode) query.Query {
		var per []query.Query
		for _, l := range s.langs {
			lm := m
			lm.fuzzy = m.fuzzy && wanted[l]
			if lq := s.langQuery(s.specs[l], q, lm); lq != nil {
				per = append(per, lq)
			}
		}
		b := query.NewBooleanQuery([]query.Query{anyOf(per)}, nil, nil)
		if tagFilter != nil {
			b.AddFilter(tagFilter)
		}
		return b
	}
	run := func(m mode) (*bleve.SearchResult, *facetCounter, error) {
		req := bleve.NewSearchRequestOptions(build(m), per, from, false)
		if grouped {
			// The counter groups every match itself and passes none on.
			req.From, req.Size = 0, 0
		}
		req.Fields = nil
		// Fuzzy searches find few versions, and rebuilding their
		// queries for a second search costs more than reading locations
		// for all of them now.
		req.IncludeLocations = m.fuzzy && !grouped
		c := &facetCounter{tables: s.facets, wanted: wanted, group: grouped, prefer: r.Prefer}
		sr, err := s.bi.SearchInContext(c.context(ctx), req)
		if err != nil {
			return nil, nil, fmt.Errorf("search: %w", err)
		}
		if c.failed {
			return nil, nil, errors.New("search: the index cannot be counted by document number")
		}
		return sr, c, nil
	}

	// Exact matches of every word first; typos only when those find too
	// little (fuzzy queries are the expensive part of a search); any word
	// last.
	m := mode{all: true}
	sr, c, err := run(m)
	if err != nil {
		return res, err
	}
	for _, next := range []mode{{all: true, fuzzy: true}, {all: false, fuzzy: true}} {
		if c.total >= minHits {
			break
		}
		if next.fuzzy && !q.fuzzable() || !next.all && len(q.Words)+len(q.Phrases) < 2 {
			continue
		}
		sr2, c2, err := run(next)
		if err != nil {
			return res, err
		}
		if c2.total > c.total {
			sr, c, m = sr2, c2, next
		}
	}
	res.Tags = c.counts(c.tags)
	res.Langs = c.counts(c.langs)

	type pick struct {
		id    string
		score float64
	}
	var picks []pick
	if grouped {
		ranked := c.ranked()
		res.Total = len(ranked)
		for _, p := range ranked[min(from, len(ranked)):min(len(ranked), from+per)] {
			picks = append(picks, pick{c.docID(p), p.top})
		}
	} else {
		res.Total = c.total
		for _, h := range sr.Hits {
			picks = append(picks, pick{h.ID, h.Score})
		}
	}
	if len(picks) == 0 {
		return res, nil
	}

	// Locations only for the hits shown: a second, tiny search, unless
	// the fuzzy search read them already.
	locs := make(map[string]search.FieldTermLocationMap, len(picks))
	if m.fuzzy && !grouped {
		for _, h := range sr.Hits {
			locs[h.ID] = h.Locations
		}
	} else {
		ids := make([]string, len(picks))
		for i, p := range picks {
			ids[i] = p.id
		}
		lq := query.NewConjunctionQuery([]query.Query{query.NewDocIDQuery(ids), s.textQuery(q, langs, mode{fuzzy: m.fuzzy})})
		lreq := bleve.NewSearchRequestOptions(lq, len(ids), 0, false)
		lreq.IncludeLocations = true
		lr, err := s.bi.SearchInContext(ctx, lreq)
		if err != nil {
			return res, fmt.Errorf("locate matches: %w", err)
		}
		for _, h := range lr.Hits {
			locs[h.ID] = h.Locations
		}
	}
	for _, p := range picks {
		v := s.docs[p.id]
		if v == nil {
			continue
		}
		sp := s.specs[v.Lang]
		title, summary, text := matchSpans(locs[p.id], sp, v.Title, v.Summary, v.Text)
		h := Hit{ID: v.ID, Lang: v.Lang, Score: p.score, TitleHTML: markAll(v.Title, title)}
		if len(text) > 0 || len(summary) == 0 && v.Text != "" && utf8.RuneCountInString(v.Summary) < snippetRunes/2 {
			h.SnippetHTML = snippet(v.Text, text)
		} else {
			h.SnippetHTML = snippet(v.Summary, summary)
		}
		res.Hits = append(res.Hits, h)
	}
	return res, nil
}

// withMemo returns a copy of s that remembers analyses, for one search.
func (s *snapshot) withMemo() *snapshot {
	c := *s
	c.memo = make(map[memoKey]analysis.TokenStream)
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

// tokens returns the tokens analyzer an makes of text, analyzing each
// word once per search: a search builds its query for every language and
// up to four times (exact, typos, any word, locations), and analyzing was
// the largest part of building it.
func (s *snapshot) tokens(an, text string) analysis.TokenStream {
	if ts, ok := s.memo[memoKey{an, text}]; ok {
		return ts
	}
	a := s.mapping.AnalyzerNamed(an)
	if a == nil {
		return nil
	}
	ts := a.Analyze([]byte(text))
	if s.memo != nil {
		s.memo[memoKey{an, text}] = ts
	}
	return ts
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
		terms[i] = string(t.Term)
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
		if t.Type == analysis.Double {
			out = append(out, string(t.Term))
		}
	}
	for _, t := range ts {
		if t.Type == analysis.Double {
			continue
		}
		covered := slices.ContainsFunc(ts, func(b *analysis.Token) bool {
			return b.Type == analysis.Double && b.Start <= t.Start && t.End <= b.End
		})
		if !covered {
			out = append(out, string(t.Term))
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

// authorsHave reports whether some version's author in field holds
// every plain term of w.
func (s *snapshot) authorsHave(field, w string) bool {
	t := s.vocab[field]
	if t == nil || t.len() == 0 {
		return false
	}
	ts := s.tokens(anPlain, w)
	for _, tok := range ts {
		if !t.has(string(tok.Term)) {
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
	return string(ts[0].Term)
}

// langQuery returns the query for q over the fields of one language, or
// nil when q has nothing that language can search for.
//
// A word matches its analyzed form in the title or body; in Swedish also
// folded (å → a); from 5 letters, with typos in its unstemmed form; as the
// last word being typed, as a prefix of an unstemmed word; in Chinese, in
// the pinyin of the title. Each way scores lower than the one before.
func (s *snapshot) langQuery(sp langSpec, q Query, m mode) query.Query {
	var parts []query.Query
	for i, w := range q.Words {
		han := hasHan(w)
		var cl []query.Query
		exact := s.analyzes(sp.textQ, w)
		switch {
		case exact && sp.han && han:
			ts := s.hanWordTerms(sp.textQ, toSimplified(w))
			cl = append(cl, allTerms(ts, sp.title, boostTitle), allTerms(ts, sp.body, boostBody))
			// A Taiwan word that is also ordinary Simplified (智慧 for
			// 智能) or that OpenCC does not know (公車): both words.
			if alt := altSimplified(w); alt != "" {
				ts := s.hanWordTerms(sp.textQ, alt)
				cl = append(cl, allTerms(ts, sp.title, boostTitle), allTerms(ts, sp.body, boostBody))
			}
		case exact:
			cl = append(cl,
				s.matchAll(w, sp.title, sp.textQ, boostTitle),
				s.matchAll(w, sp.body, sp.textQ, boostBody))
		}
		// An author's name, where some author has the word: searching the
		// field for every word would change every score (coordination).
		if sp.author != "" && s.authorsHave(sp.author, w) {
			cl = append(cl, s.matchAll(w, sp.author, anPlain, boostAuthor))
		}
		// A word typed with å/ä/ö needs no folded match; one typed without
		// may stand for a word with them.
		if sp.fold != "" && foldSwedish(w) == w && s.analyzes(sp.foldQ, w) {
			cl = append(cl,
				s.matchAll(w, sp.titleFld, sp.foldQ, boostFoldTitle),
				s.matchAll(w, sp.bodyFld, sp.foldQ, boostFoldBody))
		}
		if sp.titlePl != "" && !han {
			last := i == len(q.Words)-1 && q.Prefix && utf8.RuneCountInString(w) >= minPrefixRunes
			if f := fuzziness(w); f > 0 || last {
				if p := s.plainTerm(w); p != "" {
					// Bodies have no unstemmed field: fuzz both the
					// typed word and its stem against stemmed terms.
					bf, _ := sp.looseBody()
					an := sp.textQ
					if sp.fold != "" {
						an = sp.foldQ
					}
					st := s.singleTerm(an, w)
					// A word the index knows is matched exactly and
					// never fuzzed.
					knownWord := s.known(sp.titlePl, p) || st != "" && s.known(bf, st)
					add := func(q query.Query) {
						if q != nil {
							cl = append(cl, q)
						}
					}
					knownWord = knownWord || s.known(sp.surface(), p)
					if f > 0 && exact && m.fuzzy && !knownWord {
						add(s.fuzzy(p, sp.titlePl, f, boostFuzzyTitle))
						add(s.fuzzy(p, bf, f, boostFuzzyBody))
						if st != "" && st != p {
							add(s.fuzzy(st, bf, f, boostFuzzyBody))
						}
						// The words of bodies as written, found by the
						// typo, matched through their stems.
						add(s.fuzzySurface(p, sp.surface(), bf, an, f, boostFuzzyBody))
					}
					if last {
						add(s.prefix(p, sp.titlePl, boostPrefixTitle))
						// In bodies only for longer prefixes, which stand
						// for fewer words.
						if utf8.RuneCountInString(w) >= minBodyPrefixRunes {
							add(s.prefix(p, bf, boostPrefixBody))
						}
					}
				}
			}
		}
		if sp.pinyin != "" && !han && s.analyzes(anPinyin, w) {
			cl = append(cl, s.matchAll(w, sp.pinyin, anPinyin, boostPinyin))
		}
		switch len(cl) {
		case 0:
			continue
		case 1:
			parts = append(parts, cl[0])
		default:
			parts = append(parts, query.NewDisjunctionQuery(cl))
		}
	}
	for _, p := range q.Phrases {
		if !s.analyzes(sp.textQ, p) {
			continue
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
		parts = append(parts, query.NewDisjunctionQuery(cl))
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
	var not []query.Query
	for _, w := range q.Excluded {
		if s.analyzes(sp.textQ, w) {
			not = append(not, s.matchAll(w, sp.title, sp.textQ, 1), s.matchAll(w, sp.body, sp.textQ, 1))
		}
		if sp.fold != "" && s.analyzes(sp.foldQ, w) {
			not = append(not, s.matchAll(w, sp.titleFld, sp.foldQ, 1), s.matchAll(w, sp.bodyFld, sp.foldQ, 1))
		}
	}
	if len(not) == 0 {
		return req
	}
	return query.NewBooleanQuery([]query.Query{req}, nil, []query.Query{query.NewDisjunctionQuery(not)})
}
