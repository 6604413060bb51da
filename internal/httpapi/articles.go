package httpapi

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gin-gonic/gin"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/langs"
)

// repKey identifies a cached article representation within one content
// generation.
type repKey struct {
	id, lang  string
	variant   langs.Variant
	requested string
	fallback  bool
}

// negotiatedRoutes are the routes whose answers, errors included, depend
// on language negotiation: writeProblem adds Vary: Accept-Language to
// their problems. (A route table rather than a per-request flag: setting
// a value on a gin.Context allocates its map on every request.)
var negotiatedRoutes = map[string]bool{
	"/": true, "/v1/articles": true, "/v1/articles/:id": true,
	"/v1/search": true, "/v1/suggest": true, "/v1/feed.atom": true,
}

// negotiate reads lang and fallback and chooses the response language.
func negotiate(cur *snapshot, c *gin.Context, p params) (langs.Choice, bool, error) {
	noFallback := false
	if v, ok, err := p.one("fallback"); err != nil {
		return langs.Choice{}, false, err
	} else if ok {
		if v != "none" {
			return langs.Choice{}, false, badParam("fallback", "fallback must be none when given")
		}
		noFallback = true
	}
	lang, has, err := p.one("lang")
	if err != nil {
		return langs.Choice{}, false, unsupported(cur, err)
	}
	ch, err := cur.neg.Negotiate(lang, has, first(c.Request.Header, "Accept-Language"))
	if err != nil {
		return langs.Choice{}, false, unsupported(cur, err)
	}
	return ch, noFallback, nil
}

// unsupported turns a bad lang into the contract's 400, which lists the
// served languages.
func unsupported(cur *snapshot, err error) error {
	p := problem(http.StatusBadRequest, "unsupported_language", "lang must be one of the served languages: %s", strings.Join(cur.neg.Served(), ", "))
	if bp, ok := err.(*Problem); ok && bp.Param == "lang" {
		p.Detail = bp.Detail
	}
	p.Param = "lang"
	p.Languages = cur.neg.Served()
	return p
}

// resolve picks the version of a to serve for a client's choice; with
// preview, drafts count.
func resolve(cur *snapshot, a *article.Article, ch langs.Choice, noFallback bool, preview ...bool) (served, bool, bool) {
	pick := a.Public
	if len(preview) > 0 && preview[0] {
		pick = func(l string) *article.Version { return a.Versions[l] }
	}
	lang, variant, fallback, ok := cur.neg.Resolve(ch, func(l string) bool { return pick(l) != nil }, a.Original, noFallback)
	if !ok {
		return served{}, false, false
	}
	site := cur.lib.Site()
	src := lang
	if from := site.DerivedFrom(lang); from != "" {
		src = from
	}
	v := pick(src)
	if v == nil {
		return served{}, false, false
	}
	return served{v: v, lang: lang, variant: variant, from: site.DerivedFrom(lang)}, fallback, true
}

// getArticle answers GET /v1/articles/{id}.
func (s *Server) getArticle(c *gin.Context) error {
	cur, err := s.readContent(c)
	if err != nil {
		return err
	}
	p := parseParams(c.Request.URL.RawQuery)
	ch, noFallback, err := negotiate(cur, c, p)
	if err != nil {
		return err
	}
	preview, err := s.preview(c, p)
	if err != nil {
		return err
	}
	id := c.Param("id")
	a := cur.lib.Article(id)
	if a == nil || !preview && !hasPublic(a) {
		return notFound("no article %q", truncate(id, 120))
	}
	sv, fallback, ok := resolve(cur, a, ch, noFallback, preview)
	if !ok {
		return problem(http.StatusNotFound, "translation_unavailable", "article %q has no version in %s", id, ch.Lang)
	}
	if preview {
		r, err := s.articleRep(cur, sv, ch.Lang, fallback)
		if err != nil {
			return err
		}
		r.cache = "private, no-store"
		s.send(c, r, "Accept-Language")
		return nil
	}
	key := repKey{id: id, lang: sv.lang, variant: sv.variant, requested: ch.Lang, fallback: fallback}
	v, ok := cur.reps.Load(articleKey(id))
	if !ok {
		v, _ = cur.reps.LoadOrStore(articleKey(id), new(articleReps))
	}
	ar := v.(*articleReps)
	r := ar.get(key)
	if r == nil {
		built, err := s.articleRep(cur, sv, ch.Lang, fallback)
		if err != nil {
			return err
		}
		r = ar.add(key, built)
	}
	s.send(c, r, "Accept-Language")
	return nil
}

// articleKey is the key in snapshot.reps of an article's articleReps: a
// type of its own, so that no article id meets the other keys.
type articleKey string

// articleReps are the cached representations of one article in one
// generation, at most one per repKey. The list is replaced, never changed,
// so that lookups take no lock: looking up a struct key in a sync.Map
// hashes every field through reflection, a measurable share of a cached
// read.
type articleReps struct {
	mu   sync.Mutex // serializes add
	list atomic.Pointer[[]keyedRep]
}

type keyedRep struct {
	key repKey
	rep *rep
}

// get returns the representation cached under k, or nil.
func (a *articleReps) get(k repKey) *rep {
	if l := a.list.Load(); l != nil {
		for i := range *l {
			if (*l)[i].key == k {
				return (*l)[i].rep
			}
		}
	}
	return nil
}

// add caches r under k unless another request did first, and returns the
// cached one.
func (a *articleReps) add(k repKey, r *rep) *rep {
	a.mu.Lock()
	defer a.mu.Unlock()
	if old := a.get(k); old != nil {
		return old
	}
	var l []keyedRep
	if p := a.list.Load(); p != nil {
		l = slices.Clip(*p)
	}
	l = append(l, keyedRep{k, r})
	a.list.Store(&l)
	return r
}

// preview reads ?preview=true, which needs the admin token.
func (s *Server) preview(c *gin.Context, p params) (bool, error) {
	v, ok, err := p.one("preview")
	if err != nil || !ok {
		return false, err
	}
	switch v {
	case "false":
		return false, nil
	case "true":
	default:
		return false, badParam("preview", "preview must be true or false")
	}
	if err := s.checkToken(c, "preview=true"); err != nil {
		return false, err
	}
	return true, nil
}

func hasPublic(a *article.Article) bool {
	for _, v := range a.Versions {
		if !v.Draft {
			return true
		}
	}
	return false
}

// truncate shortens client text echoed in a message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// listJSON is the list envelope.
type listJSON struct {
	Lang    string        `json:"lang"`
	Items   []articleJSON `json:"items"`
	Total   int           `json:"total"`
	Page    int           `json:"page"`
	PerPage int           `json:"per_page"`
}

// listArticles answers GET /v1/articles.
func (s *Server) listArticles(c *gin.Context) error {
	cur, err := s.readContent(c)
	if err != nil {
		return err
	}
	p := parseParams(c.Request.URL.RawQuery)
	page, perPage, err := p.paging(20, 100)
	if err != nil {
		return err
	}
	tags, err := p.list("tag")
	if err != nil {
		return err
	}
	order := article.NewestFirst
	sortParam, hasSort, err := p.one("sort")
	if err != nil {
		return err
	} else if hasSort {
		var ok bool
		if order, ok = article.ParseOrder(sortParam); !ok {
			return badParam("sort", "sort must be -published, published or title")
		}
	}
	slug, bySlug, err := p.one("slug")
	if err != nil {
		return err
	}
	ch, noFallback, err := negotiate(cur, c, p)
	if err != nil {
		return err
	}
	preview, err := s.preview(c, p)
	if err != nil {
		return err
	}
	// The answer depends only on the choice and the known parameters:
	// cache it under them.
	var known [][2]string // the known parameters, normalized, for the key and the links
	if ch.Source == langs.Param {
		known = append(known, [2]string{"lang", ch.Lang})
	}
	if noFallback {
		known = append(known, [2]string{"fallback", "none"})
	}
	if bySlug {
		known = append(known, [2]string{"slug", slug})
	}
	if hasSort {
		known = append(known, [2]string{"sort", sortParam})
	}
	for _, t := range tags {
		known = append(known, [2]string{"tag", t})
	}
	if preview {
		known = append(known, [2]string{"preview", "true"})
	}
	key := cacheable(listKey(ch, known, page, perPage), cur.lib.Site(), tags)
	if r, ok := s.answers.get(cur.gen, key); ok && !preview {
		s.send(c, r, "Accept-Language")
		return nil
	}
	site := cur.lib.Site()
	var items []served
	var fallbacks map[*article.Version]bool
	if bySlug {
		// Versions in their own language (and the languages derived from
		// it), ignoring Accept-Language; lang narrows them.
		narrow := ch.Source == langs.Param
		for _, v := range cur.lib.BySlug(slug) {
			if !article.HasTags(v, tags) {
				continue
			}
			if !narrow || ch.Lang == v.Lang {
				items = append(items, servedAs(site, v, v.Lang, langs.None))
			}
			for _, d := range site.Derived {
				if d.From == v.Lang && (!narrow || ch.Lang == d.Tag) {
					variant := langs.Taiwan
					if narrow {
						variant = ch.Variant
					}
					items = append(items, servedAs(site, v, d.Tag, variant))
				}
			}
		}
	} else {
		fallbacks = make(map[*article.Version]bool)
		for _, id := range cur.lib.IDs() {
			a := cur.lib.Article(id)
			sv, fb, ok := resolve(cur, a, ch, noFallback, preview)
			if !ok || !article.HasTags(sv.v, tags) {
				continue
			}
			items = append(items, sv)
			fallbacks[sv.v] = fb
		}
	}
	slices.SortStableFunc(items, func(a, b served) int { return cur.lib.Compare(a.v, b.v, order) })
	out := listJSON{Lang: ch.Lang, Items: []articleJSON{}, Total: len(items), Page: page, PerPage: perPage}
	start := (page - 1) * perPage
	for i := start; i < len(items) && i < start+perPage; i++ {
		out.Items = append(out.Items, s.itemJSON(cur, items[i], ch.Lang, fallbacks[items[i].v]))
	}
	r, err := jsonRep(out)
	if err != nil {
		return err
	}
	r.lang = ch.Lang
	r.link = pageLinks(c.Request.URL.Path, known, page, perPage, len(items))
	if preview {
		// Drafts: for the token holder only, never cached anywhere.
		r.cache = "private, no-store"
		s.send(c, r, "Accept-Language")
		return nil
	}
	s.send(c, s.answers.put(cur.gen, key, r), "Accept-Language")
	return nil
}

// listKey identifies a list answer: the negotiated choice, the known
// parameters and the page.
func listKey(ch langs.Choice, known [][2]string, page, perPage int) string {
	var b strings.Builder
	b.WriteString("list\x00")
	b.WriteString(ch.Lang)
	b.WriteByte(byte('0' + ch.Variant))
	b.WriteByte(byte('0' + ch.PrefsVariant))
	for _, l := range ch.Prefs {
		b.WriteString("," + l)
	}
	b.WriteString("\x00")
	for _, l := range ch.Refused {
		b.WriteString("," + l)
	}
	b.WriteString("\x00" + strconv.Itoa(page) + "\x00" + strconv.Itoa(perPage))
	for _, kv := range known {
		b.WriteString("\x00" + kv[0] + "=" + kv[1])
	}
	return b.String()
}

// pageLinks returns the Link header of a paged list: relative references
// to the next and previous pages, carrying only the known parameters.
func pageLinks(path string, known [][2]string, page, perPage, total int) string {
	ref := func(n int) string {
		q := url.Values{}
		for _, kv := range known {
			q.Add(kv[0], kv[1])
		}
		q.Set("page", strconv.Itoa(n))
		q.Set("per_page", strconv.Itoa(perPage))
		return "<" + path + "?" + q.Encode() + ">"
	}
	var links []string
	if page*perPage < total {
		links = append(links, ref(page+1)+`; rel="next"`)
	}
	if page > 1 {
		prev := min(page-1, max(1, (total+perPage-1)/perPage))
		links = append(links, ref(prev)+`; rel="prev"`)
	}
	return strings.Join(links, ", ")
}
