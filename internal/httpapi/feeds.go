package httpapi

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/langs"
)

// feedSize is how many versions the Atom feed carries.
const feedSize = 20

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  *atomPerson `xml:"author,omitempty"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel      string `xml:"rel,attr,omitempty"`
	Href     string `xml:"href,attr"`
	Type     string `xml:"type,attr,omitempty"`
	HrefLang string `xml:"hreflang,attr,omitempty"`
}

type atomText struct {
	Type string `xml:"type,attr,omitempty"`
	Body string `xml:",chardata"`
}

type atomEntry struct {
	Lang      string      `xml:"xml:lang,attr,omitempty"`
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Updated   string      `xml:"updated"`
	Published string      `xml:"published"`
	Links     []atomLink  `xml:"link"`
	Summary   *atomText   `xml:"summary,omitempty"`
	Content   atomText    `xml:"content"`
	Category  []atomCat   `xml:"category"`
	Author    *atomPerson `xml:"author,omitempty"`
}

type atomCat struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// feed answers GET /v1/feed.atom: the newest public versions in the
// negotiated language.
func (s *Server) feed(c *gin.Context) error {
	cur, err := s.readContent(c)
	if err != nil {
		return err
	}
	p := parseParams(c.Request.URL.RawQuery)
	tags, err := p.list("tag")
	if err != nil {
		return err
	}
	ch, _, err := negotiate(cur, c, p)
	if err != nil {
		return err
	}
	variant := string(rune('0' + ch.Variant))
	key := cacheable("feed\x00"+ch.Lang+"\x00"+variant+"\x00"+strings.Join(tags, "\x00"), cur.lib.Site(), tags)
	if key == "" {
		// A tag the site does not define: the feed is empty, and is made
		// from the language's empty feed without rendering or caching it
		// (a scanner sends a new tag with every request).
		return s.gated(c, cur, "", "Accept-Language", func(context.Context) (*rep, error) {
			return s.unknownTagsFeed(cur, ch, variant, tags)
		})
	}
	return s.gated(c, cur, key, "Accept-Language", func(context.Context) (*rep, error) {
		return s.feedRep(cur, ch, tags)
	})
}

// emptyFeed is the feed of a language for tags the site does not define,
// cut where the tags go: such a feed has no entries and differs from
// another only in its id and its self link's query.
type emptyFeed struct {
	beforeID, beforeSelf, rest []byte
	lastModified               string
}

// unknownTagsFeed returns the feed of ch's language narrowed to tags, at
// least one of which the site does not define: the bytes feedRep renders,
// made from the language's emptyFeed (cut once per generation) by
// inserting the tags, which need no XML escapes once query-escaped.
func (s *Server) unknownTagsFeed(cur *snapshot, ch langs.Choice, variant string, tags []string) (*rep, error) {
	e, err := whole(cur, "feed-empty\x00"+ch.Lang+"\x00"+variant, func() (*emptyFeed, error) {
		r, err := s.renderFeed(cur, ch, nil, nil)
		if err != nil {
			return nil, err
		}
		id := []byte("<id>urn:tolk:feed:" + ch.Lang + ":</id>")
		self := []byte(` href="/v1/feed.atom?lang=` + url.QueryEscape(variantParam(cur.neg, ch)) + `"`)
		i, j := bytes.Index(r.body, id), bytes.Index(r.body, self)
		if i < 0 || j < i || bytes.Count(r.body, id) != 1 || bytes.Count(r.body, self) != 1 {
			return nil, nil // not the shape cut below
		}
		i += len(id) - len("</id>")
		j += len(self) - len(`"`)
		return &emptyFeed{beforeID: r.body[:i], beforeSelf: r.body[i:j], rest: r.body[j:], lastModified: r.lastModified}, nil
	})
	if err != nil {
		return nil, err
	}
	if e == nil {
		return s.feedRep(cur, ch, tags)
	}
	n := len(e.beforeID) + len(e.beforeSelf) + len(e.rest)
	esc := make([]string, len(tags))
	for i, t := range tags {
		esc[i] = url.QueryEscape(t)
		n += 2*len(esc[i]) + len("+&amp;tag=")
	}
	body := make([]byte, 0, n)
	body = append(body, e.beforeID...)
	for i, t := range esc {
		if i > 0 {
			body = append(body, '+')
		}
		body = append(body, strings.ReplaceAll(t, "+", "%20")...)
	}
	body = append(body, e.beforeSelf...)
	for _, t := range esc {
		body = append(body, "&amp;tag="...)
		body = append(body, t...)
	}
	body = append(body, e.rest...)
	r := newRep("application/atom+xml; charset=utf-8", body)
	r.lang = ch.Lang
	r.lastModified = e.lastModified
	return r, nil
}

// feedRep renders the Atom feed of ch's language narrowed to tags.
func (s *Server) feedRep(cur *snapshot, ch langs.Choice, tags []string) (*rep, error) {
	site := cur.lib.Site()
	src := ch.Lang
	if from := site.DerivedFrom(ch.Lang); from != "" {
		src = from
	}
	var vs []*article.Version
	for _, v := range cur.lib.PublicVersions(src) {
		if article.HasTags(v, tags) {
			vs = append(vs, v)
		}
	}
	slices.SortStableFunc(vs, func(a, b *article.Version) int {
		if c := b.Updated.Time.Compare(a.Updated.Time); c != 0 {
			return c
		}
		return cur.lib.Compare(a, b, article.NewestFirst)
	})
	if len(vs) > feedSize {
		vs = vs[:feedSize]
	}
	return s.renderFeed(cur, ch, tags, vs)
}

// renderFeed renders vs, newest first, as the Atom feed of ch's language
// narrowed to tags.
func (s *Server) renderFeed(cur *snapshot, ch langs.Choice, tags []string, vs []*article.Version) (*rep, error) {
	site := cur.lib.Site()
	src := ch.Lang
	if from := site.DerivedFrom(ch.Lang); from != "" {
		src = from
	}
	name := site.SiteName[ch.Lang]
	if name == "" {
		name = site.SiteName[src]
		if name != "" && src != ch.Lang {
			name = s.conv.Text(ch.Variant, name)
		}
	}
	if name == "" {
		name = "Tolk"
	}
	// The self link must fetch this same feed: its lang names the variant
	// (zh-Hant-HK, not zh-Hant, for Hong Kong wording) and its tags are
	// escaped, as the id's are (tags of the site need no escapes, so their
	// ids never change).
	q := url.Values{"lang": {variantParam(cur.neg, ch)}, "tag": tags}
	ids := make([]string, len(tags))
	for i, t := range tags {
		ids[i] = strings.ReplaceAll(url.QueryEscape(t), "+", "%20")
	}
	f := atomFeed{
		Lang:  ch.Lang,
		ID:    "urn:tolk:feed:" + ch.Lang + ":" + strings.Join(ids, "+"),
		Title: name,
		Links: []atomLink{{Rel: "self", Href: "/v1/feed.atom?" + q.Encode(), Type: "application/atom+xml"}},
	}
	publisher := site.Publisher
	if publisher == "" {
		publisher = name
	}
	f.Author = &atomPerson{Name: publisher}
	var newest time.Time
	for _, v := range vs {
		sv := servedAs(site, v, ch.Lang, ch.Variant)
		item := s.itemJSON(cur, sv, ch.Lang, false)
		body := v.HTML
		if sv.from != "" {
			body = s.conv.HTML(sv.variant, body)
		}
		e := atomEntry{
			ID:        "urn:tolk:article:" + v.ID + ":" + ch.Lang,
			Title:     item.Title,
			Updated:   rfc3339(v.Updated.Time),
			Published: rfc3339(v.Published.Time),
			Content:   atomText{Type: "html", Body: body},
		}
		if item.Author != nil {
			// An entry without one has the feed's (RFC 4287 §4.2.1).
			e.Author = &atomPerson{Name: *item.Author}
		}
		if item.Summary != "" {
			e.Summary = &atomText{Type: "text", Body: item.Summary}
		}
		if item.URL != nil {
			e.Links = append(e.Links, atomLink{Rel: "alternate", Href: *item.URL, Type: "text/html", HrefLang: ch.Lang})
		}
		for _, t := range item.Tags {
			e.Category = append(e.Category, atomCat{Term: t.Key, Label: t.Label})
		}
		if v.Updated.Time.After(newest) {
			newest = v.Updated.Time
		}
		f.Entries = append(f.Entries, e)
	}
	if newest.IsZero() {
		newest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	f.Updated = rfc3339(newest)
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(f); err != nil {
		return nil, err
	}
	r := newRep("application/atom+xml; charset=utf-8", buf.Bytes())
	r.lang = ch.Lang
	r.lastModified = newest.UTC().Format(http.TimeFormat)
	return r, nil
}

// variantParam returns a lang parameter that negotiates ch again: ch.Lang,
// or ch.Lang with the variant's region when ch.Lang alone would choose
// another variant.
func variantParam(neg *langs.Negotiator, ch langs.Choice) string {
	if _, v, err := neg.ParseParam(ch.Lang); err == nil && v == ch.Variant {
		return ch.Lang
	}
	return ch.Lang + "-" + ch.Variant.String()
}

type urlSet struct {
	XMLName xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	XHTML   string       `xml:"xmlns:xhtml,attr"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapURL struct {
	Loc     string      `xml:"loc"`
	LastMod string      `xml:"lastmod"`
	Links   []xhtmlLink `xml:"xhtml:link"`
}

type xhtmlLink struct {
	Rel      string `xml:"rel,attr"`
	HrefLang string `xml:"hreflang,attr"`
	Href     string `xml:"href,attr"`
}

// sitemap answers GET /v1/sitemap.xml: every public version, stored and
// derived, with its alternates.
func (s *Server) sitemap(c *gin.Context) error {
	cur, err := s.readContent(c)
	if err != nil {
		return err
	}
	site := cur.lib.Site()
	if site.SiteURL == "" {
		return notFound("no sitemap: site.yaml sets no site_url")
	}
	r, err := whole(cur, "sitemap", func() (*rep, error) { return sitemapRep(cur) })
	if err != nil {
		return err
	}
	s.send(c, r, "")
	return nil
}

// sitemapRep renders the sitemap of cur.
func sitemapRep(cur *snapshot) (*rep, error) {
	set := urlSet{XHTML: "http://www.w3.org/1999/xhtml"}
	for _, id := range cur.lib.IDs() {
		alts := alternates(cur, id)
		if len(alts) == 0 {
			continue
		}
		a := cur.lib.Article(id)
		var links []xhtmlLink
		for _, alt := range alts {
			links = append(links, xhtmlLink{Rel: "alternate", HrefLang: alt.lang, Href: cur.urls.url(alt.lang, alt.v.Slug)})
		}
		if orig := a.Public(a.Original); orig != nil {
			links = append(links, xhtmlLink{Rel: "alternate", HrefLang: "x-default", Href: cur.urls.url(a.Original, orig.Slug)})
		}
		for _, alt := range alts {
			set.URLs = append(set.URLs, sitemapURL{Loc: cur.urls.url(alt.lang, alt.v.Slug), LastMod: rfc3339(alt.v.Updated.Time), Links: links})
		}
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(set); err != nil {
		return nil, err
	}
	return newRep("application/xml; charset=utf-8", buf.Bytes()), nil
}
