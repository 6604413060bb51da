package httpapi

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/amal-kommun/tolk/index"
	"github.com/amal-kommun/tolk/internal/langs"
	"github.com/amal-kommun/tolk/internal/widget"
)

// widgetJS answers GET /widget.js.
func (s *Server) widgetJS(c *gin.Context) error {
	c.Writer.Header()["X-Content-Type-Options"] = nosniff
	s.send(c, s.widget, "")
	return nil
}

// demoPage answers GET /: the demo of the search box, which without
// JavaScript searches on the server (GET /?q=).
func (s *Server) demoPage(c *gin.Context) error {
	cur, err := s.content()
	if err != nil {
		return err
	}
	p := parseParams(c.Request.URL.RawQuery)
	site := cur.lib.Site()
	page := widget.Page{Lang: site.DefaultLanguage}
	for _, tag := range site.Served() {
		name, _ := langs.Names(tag)
		page.Langs = append(page.Langs, widget.Language{Tag: tag, Name: name, Dir: site.Dir(tag)})
	}
	// A lang the site does not serve is the contract's 400, as for every
	// content endpoint, before any search: the page would otherwise search
	// the default language for a client that asked for another.
	if v, ok, err := p.one("lang"); err != nil {
		return unsupported(cur, err)
	} else if ok {
		lang, _, err := cur.neg.ParseParam(v)
		if err != nil {
			return unsupported(cur, err)
		}
		page.Lang = lang
	} else {
		ch, _ := cur.neg.Negotiate("", false, first(c.Request.Header, "Accept-Language"))
		page.Lang = ch.Lang
	}
	h := c.Writer.Header()
	h["Content-Security-Policy"] = s.csp
	h["X-Content-Type-Options"] = nosniff
	render := func(ctx context.Context) (*rep, error) {
		if page.Query != "" {
			if err := s.demoSearch(ctx, cur, &page); err != nil {
				var p *Problem
				if errors.As(err, &p) && p.Status == http.StatusServiceUnavailable || errors.Is(err, context.DeadlineExceeded) {
					return nil, err // busy: the client should retry, and nothing is cached
				}
				page.Error = asProblem(ctx, s.log, err).Detail
			}
		}
		var buf bytes.Buffer
		if err := widget.Render(&buf, page); err != nil {
			return nil, err
		}
		r := newRep("text/html; charset=utf-8", buf.Bytes())
		r.lang = page.Lang
		return r, nil
	}
	q, _, _ := p.one("q")
	page.Query = strings.TrimSpace(q)
	if page.Query == "" {
		// The page without a search depends only on its language.
		r, err := whole(cur, "page\x00"+page.Lang, func() (*rep, error) { return render(c.Request.Context()) })
		if err != nil {
			return err
		}
		s.send(c, r, "Accept-Language")
		return nil
	}
	// A server-side search passes the same gate as the search API. A
	// refusal (429, 503) is still a page, for the reader without
	// JavaScript, with the problem's status and Retry-After.
	err = s.gated(c, cur, "page\x00"+page.Lang+"\x00"+page.Query, "Accept-Language", render)
	var refused *Problem
	if err == nil || !errors.As(err, &refused) || refused.Status != http.StatusTooManyRequests && refused.Status != http.StatusServiceUnavailable {
		return err
	}
	page.Error = refused.Detail
	var buf bytes.Buffer
	if err := widget.Render(&buf, page); err != nil {
		return err
	}
	h["Content-Type"] = []string{"text/html; charset=utf-8"}
	h["Cache-Control"] = []string{"no-store"}
	h["Content-Language"] = []string{page.Lang}
	h.Add("Vary", "Accept-Language")
	if refused.retryAfter != "" {
		h.Set("Retry-After", refused.retryAfter)
	}
	c.Writer.WriteHeader(refused.Status)
	if c.Request.Method != http.MethodHead {
		c.Writer.Write(buf.Bytes())
	}
	return nil
}

// demoSearch fills the server-rendered results of the demo page.
func (s *Server) demoSearch(ctx context.Context, cur *snapshot, page *widget.Page) error {
	if len([]rune(page.Query)) > maxQuery {
		return badParam("q", "q must be at most %d characters", maxQuery)
	}
	stored := page.Lang
	if from := cur.lib.Site().DerivedFrom(page.Lang); from != "" {
		stored = from
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.SearchTimeout)
	defer cancel()
	res, err := cur.ix.Search(ctx, index.Request{Query: page.Query, Langs: []string{stored}, Page: 1, PerPage: 10})
	if err != nil {
		return err
	}
	page.Total = res.Total
	site := cur.lib.Site()
	for _, h := range res.Hits {
		v := cur.lib.Public(h.ID, h.Lang)
		if v == nil {
			continue
		}
		sv := servedAs(site, v, page.Lang, langs.Taiwan)
		snippet := h.SnippetHTML
		if sv.from != "" {
			snippet = s.conv.HTML(sv.variant, snippet)
		}
		page.Hits = append(page.Hits, widget.Hit{Title: s.title(sv), URL: cur.urls.url(page.Lang, v.Slug), Lang: page.Lang, SnippetHTML: snippet})
	}
	return nil
}

var nosniff = []string{"nosniff"}

// demoCSP is the demo page's Content-Security-Policy: nothing but its own
// script, its two stylesheets (by hash), requests to this origin and forms
// sent here; frameAncestors are the sources allowed to frame it ("" means
// 'self').
func demoCSP(frameAncestors string) string {
	if strings.TrimSpace(frameAncestors) == "" {
		frameAncestors = "'self'"
	}
	return "default-src 'none'; script-src 'self'; style-src 'self' " + strings.Join(widget.StyleHashes(), " ") +
		"; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors " + frameAncestors
}
