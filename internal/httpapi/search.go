package httpapi

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/amal-kommun/tolk/index"
	"github.com/amal-kommun/tolk/internal/langs"
)

// maxQuery is the longest search text, in characters after trimming.
const maxQuery = 200

// hitJSON is one search hit.
type hitJSON struct {
	ID          string    `json:"id"`
	Lang        string    `json:"lang"`
	Slug        string    `json:"slug"`
	Title       string    `json:"title"`
	Summary     string    `json:"summary"`
	SnippetHTML string    `json:"snippet_html"`
	Score       float64   `json:"score"`
	Published   string    `json:"published"`
	Updated     string    `json:"updated"`
	Tags        []tagJSON `json:"tags"`
	URL         *string   `json:"url"`
	DerivedFrom *string   `json:"derived_from"`
	Outdated    bool      `json:"outdated"`
	Author      *string   `json:"author"`
}

type facetsJSON struct {
	Tags []tagCountJSON  `json:"tags"`
	Lang []langCountJSON `json:"lang"`
}

type tagCountJSON struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

type langCountJSON struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

type searchJSON struct {
	Query   string     `json:"query"`
	Lang    string     `json:"lang"`
	Total   int        `json:"total"`
	Page    int        `json:"page"`
	PerPage int        `json:"per_page"`
	TookMS  float64    `json:"took_ms"`
	Hits    []hitJSON  `json:"hits"`
	Facets  facetsJSON `json:"facets"`
}

// searchScope is what a search or suggestion runs over: one served
// language (and the stored one it reads), or all.
type searchScope struct {
	all     bool
	lang    string        // served tag; "all" for all
	stored  string        // stored language searched; "" for all
	variant langs.Variant // conversion of results for a derived language
	prefer  []string      // the client's languages in order, for lang=all
	reader  langs.Choice  // the negotiated language, for lang=all: facet labels are in it
}

// scope reads q and lang for search and suggest.
func scope(cur *snapshot, c *gin.Context, p params) (string, searchScope, error) {
	q, ok, err := p.one("q")
	if err != nil {
		return "", searchScope{}, err
	}
	q = strings.TrimSpace(q)
	if !ok || q == "" {
		return "", searchScope{}, badParam("q", "q is required: the text to search for")
	}
	if utf8.RuneCountInString(q) > maxQuery {
		return "", searchScope{}, badParam("q", "q must be at most %d characters", maxQuery)
	}
	if v, ok, _ := p.one("lang"); ok && v == "all" {
		ch, _ := cur.neg.Negotiate("", false, first(c.Request.Header, "Accept-Language"))
		prefer := append([]string{ch.Lang}, ch.Prefs...)
		for i, l := range prefer {
			if from := cur.lib.Site().DerivedFrom(l); from != "" {
				prefer[i] = from
			}
		}
		return q, searchScope{all: true, lang: "all", prefer: prefer, reader: ch}, nil
	}
	ch, _, err := negotiate(cur, c, p)
	if err != nil {
		return "", searchScope{}, err
	}
	sc := searchScope{lang: ch.Lang, stored: ch.Lang, variant: ch.Variant}
	if from := cur.lib.Site().DerivedFrom(ch.Lang); from != "" {
		sc.stored = from
	}
	return q, sc, nil
}

// maxTarpit is the longest a refused client is kept waiting.
const maxTarpit = time.Second

// limit applies the per-client rate limit of search and suggest. A refused
// request is answered only after the wait it is told to observe (at most a
// second): a client that ignores Retry-After and floods in a closed loop
// then waits instead of taking the CPU that other readers need, and the
// wait costs the server a timer, not work.
func (s *Server) limit(c *gin.Context) error {
	if ok, wait := s.limiter.allow(c.Request); !ok {
		s.metrics.limited.Inc()
		t := time.NewTimer(min(wait, maxTarpit))
		select {
		case <-t.C:
		case <-c.Request.Context().Done():
			t.Stop()
		}
		p := problem(http.StatusTooManyRequests, "rate_limited", "too many searches from this client; retry after %s seconds", retryAfterSeconds(wait))
		p.retryAfter = retryAfterSeconds(wait)
		return p
	}
	return nil
}

// searchKey identifies a search or suggest answer by the normalized
// parameters it depends on: the scope, the trimmed query and, for search,
// the tags and the page. Unknown parameters never make a key of their own.
func searchKey(kind string, sc searchScope, q string, tags []string, page, perPage int) string {
	var b strings.Builder
	b.WriteString(kind + "\x00" + sc.lang)
	b.WriteByte(byte('0' + sc.variant))
	for _, l := range sc.prefer {
		b.WriteString("," + l)
	}
	b.WriteString("\x00" + q + "\x00" + strconv.Itoa(page) + "\x00" + strconv.Itoa(perPage))
	for _, t := range tags {
		b.WriteString("\x00" + t)
	}
	return b.String()
}

// slotWait is how long a search waits for a free slot before a 503.
const slotWait = 250 * time.Millisecond

// admit applies the bound on concurrent searches; release must be called
// when admitted.
func (s *Server) admit(c *gin.Context) (release func(), err error) {
	select {
	case s.slots <- struct{}{}:
		return func() { <-s.slots }, nil
	default:
	}
	t := time.NewTimer(slotWait)
	defer t.Stop()
	select {
	case s.slots <- struct{}{}:
		return func() { <-s.slots }, nil
	case <-t.C:
		p := problem(http.StatusServiceUnavailable, "unavailable", "the search service is busy; try again shortly")
		p.retryAfter = "1"
		return nil, p
	case <-c.Request.Context().Done():
		return nil, c.Request.Context().Err()
	}
}

// search answers GET /v1/search.
func (s *Server) search(c *gin.Context) error {
	cur, err := s.readContent(c)
	if err != nil {
		return err
	}
	p := parseParams(c.Request.URL.RawQuery)
	q, sc, err := scope(cur, c, p)
	if err != nil {
		return err
	}
	tags, err := p.list("tag")
	if err != nil {
		return err
	}
	page, perPage, err := p.paging(10, 50)
	if err != nil {
		return err
	}
	return s.answer(c, cur, cacheable(searchKey("search", sc, q, tags, page, perPage), cur.lib.Site(), tags), sc, func(ctx context.Context) (any, error) {
		return s.searchJSON(ctx, cur, q, sc, tags, page, perPage)
	})
}

// searchJSON runs a search and renders its answer.
func (s *Server) searchJSON(ctx context.Context, cur *snapshot, q string, sc searchScope, tags []string, page, perPage int) (any, error) {
	req := index.Request{Query: q, Tags: tags, Page: page, PerPage: perPage, Prefer: sc.prefer}
	if !sc.all {
		req.Langs = []string{sc.stored}
	}
	start := time.Now()
	res, err := cur.ix.Search(ctx, req)
	s.metrics.searchTime.Observe(time.Since(start).Seconds())
	if err != nil {
		return nil, err
	}
	site := cur.lib.Site()
	out := searchJSON{
		Query: q, Lang: sc.lang, Total: res.Total, Page: page, PerPage: perPage,
		TookMS: math.Round(float64(res.Took.Microseconds())) / 1000,
		Hits:   []hitJSON{},
		Facets: facetsJSON{Tags: []tagCountJSON{}, Lang: []langCountJSON{}},
	}
	for _, h := range res.Hits {
		v := cur.lib.Public(h.ID, h.Lang)
		if v == nil {
			continue // removed since the index answered
		}
		lang, variant := h.Lang, langs.None
		if !sc.all && sc.lang != sc.stored {
			lang, variant = sc.lang, sc.variant
		}
		sv := servedAs(site, v, lang, variant)
		item := s.itemJSON(cur, sv, sc.lang, false)
		snippet := h.SnippetHTML
		if sv.from != "" {
			snippet = s.conv.HTML(variant, snippet)
		}
		out.Hits = append(out.Hits, hitJSON{
			ID: v.ID, Lang: lang, Slug: v.Slug, Title: item.Title, Summary: item.Summary,
			SnippetHTML: snippet, Score: roundScore(h.Score), Published: v.Published.Raw, Updated: v.Updated.Raw,
			Tags: item.Tags, URL: item.URL, DerivedFrom: item.DerivedFrom, Outdated: v.Outdated,
			Author: item.Author,
		})
	}
	labelLang, labelVariant := sc.lang, sc.variant
	if sc.all {
		labelLang, labelVariant = sc.reader.Lang, sc.reader.Variant
	}
	for _, t := range res.Tags {
		label := site.TagLabel(t.Key, labelLang)
		if site.DerivedFrom(labelLang) != "" {
			label = s.conv.Text(labelVariant, label)
		}
		out.Facets.Tags = append(out.Facets.Tags, tagCountJSON{Key: t.Key, Label: label, Count: t.Count})
	}
	for _, l := range res.Langs {
		out.Facets.Lang = append(out.Facets.Lang, langCountJSON{Key: l.Key, Count: l.Count})
		for _, d := range site.Derived {
			if d.From == l.Key {
				out.Facets.Lang = append(out.Facets.Lang, langCountJSON{Key: d.Tag, Count: l.Count})
			}
		}
	}
	return out, nil
}

// answer sends the JSON answer of a search or suggestion through the
// admission gate (see gated).
func (s *Server) answer(c *gin.Context, cur *snapshot, key string, sc searchScope, build func(context.Context) (any, error)) error {
	return s.gated(c, cur, key, "Accept-Language", func(ctx context.Context) (*rep, error) {
		out, err := build(ctx)
		if err != nil {
			return nil, err
		}
		r, err := jsonRep(out)
		if err != nil {
			return nil, err
		}
		if !sc.all {
			r.lang = sc.lang
		}
		return r, nil
	})
}

// gated is the one admission gate of every entry point that searches or
// renders search results (search, suggest, the demo page's server-side
// search, the Atom feed): the per-client rate limit on every request, then
// the answer cached under key for this generation, or, within the bound
// on concurrent searches and the search timeout, a fresh one that build
// renders and that is then cached.
func (s *Server) gated(c *gin.Context, cur *snapshot, key, vary string, build func(context.Context) (*rep, error)) error {
	if err := s.limit(c); err != nil {
		return err
	}
	if r, ok := s.answers.get(cur.gen, key); ok {
		s.send(c, r, vary)
		return nil
	}
	release, err := s.admit(c)
	if err != nil {
		return err
	}
	defer release()
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.opts.SearchTimeout)
	defer cancel()
	r, err := build(ctx)
	if err != nil {
		return err
	}
	s.send(c, s.answers.put(cur.gen, key, r), vary)
	return nil
}

func roundScore(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return math.Round(f*10000) / 10000
}

// suggestionJSON is one as-you-type suggestion.
type suggestionJSON struct {
	ID    string  `json:"id"`
	Lang  string  `json:"lang"`
	Slug  string  `json:"slug"`
	Title string  `json:"title"`
	URL   *string `json:"url"`
}

type suggestJSON struct {
	Query       string           `json:"query"`
	Lang        string           `json:"lang"`
	Suggestions []suggestionJSON `json:"suggestions"`
}

// maxSuggestions is how many titles /v1/suggest returns at most.
const maxSuggestions = 8

// suggest answers GET /v1/suggest.
func (s *Server) suggest(c *gin.Context) error {
	cur, err := s.readContent(c)
	if err != nil {
		return err
	}
	p := parseParams(c.Request.URL.RawQuery)
	q, sc, err := scope(cur, c, p)
	if err != nil {
		return err
	}
	return s.answer(c, cur, searchKey("suggest", sc, q, nil, 0, 0), sc, func(ctx context.Context) (any, error) {
		return s.suggestJSON(ctx, cur, q, sc)
	})
}

// suggestJSON finds and renders the suggestions for q.
func (s *Server) suggestJSON(ctx context.Context, cur *snapshot, q string, sc searchScope) (suggestJSON, error) {
	// Suggest reports no errors: ask the index whether it can answer, so a
	// broken index is a 503, not an empty list that gets cached.
	if err := cur.ix.Health(); err != nil {
		return suggestJSON{}, err
	}
	var ls []string
	if !sc.all {
		ls = []string{sc.stored}
	}
	start := time.Now()
	sugs := cur.ix.Suggest(ctx, q, ls, maxSuggestions)
	s.metrics.suggestTime.Observe(time.Since(start).Seconds())
	site := cur.lib.Site()
	out := suggestJSON{Query: q, Lang: sc.lang, Suggestions: []suggestionJSON{}}
	for _, sg := range sugs {
		v := cur.lib.Public(sg.ID, sg.Lang)
		if v == nil {
			continue
		}
		lang, variant := sg.Lang, langs.None
		if !sc.all && sc.lang != sc.stored {
			lang, variant = sc.lang, sc.variant
		}
		sv := servedAs(site, v, lang, variant)
		out.Suggestions = append(out.Suggestions, suggestionJSON{
			ID: v.ID, Lang: lang, Slug: v.Slug, Title: s.title(sv), URL: nullable(cur.urls.url(lang, v.Slug)),
		})
	}
	return out, nil
}
