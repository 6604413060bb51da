package httpapi

import (
	"net/url"
	"strings"
)

// urlPattern is a site's public URL pattern (site.yaml's site_url, with
// {lang} and {slug}) split once per generation, so that a URL costs one
// allocation: article.Site.URL builds a strings.Replacer on every call,
// which was a twelfth of the HTTP side of a search (ten hits, each with
// its URL). It makes exactly the URLs Site.URL makes (FuzzURLPattern).
type urlPattern struct {
	parts []string // literals, and the placeholders {lang} and {slug}, in order; nil for no pattern
	fixed int      // bytes of the literals
}

// placeholders of the URL pattern.
const (
	langHole = "{lang}"
	slugHole = "{slug}"
)

// compileURLPattern splits pattern at its placeholders, scanning it left
// to right as strings.Replacer does.
func compileURLPattern(pattern string) urlPattern {
	var p urlPattern
	if pattern == "" {
		return p
	}
	start := 0
	for i := 0; i < len(pattern); {
		rest := pattern[i:]
		if strings.HasPrefix(rest, langHole) || strings.HasPrefix(rest, slugHole) {
			if start < i {
				p.parts = append(p.parts, pattern[start:i])
				p.fixed += i - start
			}
			p.parts = append(p.parts, rest[:len(langHole)])
			i += len(langHole)
			start = i
			continue
		}
		i++
	}
	if start < len(pattern) {
		p.parts = append(p.parts, pattern[start:])
		p.fixed += len(pattern) - start
	}
	return p
}

// url returns the public URL of the version with slug in lang; "" when
// the site has no pattern.
func (p *urlPattern) url(lang, slug string) string {
	if p.parts == nil {
		return ""
	}
	lang, slug = url.PathEscape(lang), url.PathEscape(slug)
	n := p.fixed
	for _, part := range p.parts {
		switch part {
		case langHole:
			n += len(lang)
		case slugHole:
			n += len(slug)
		}
	}
	var b strings.Builder
	b.Grow(n)
	for _, part := range p.parts {
		switch part {
		case langHole:
			b.WriteString(lang)
		case slugHole:
			b.WriteString(slug)
		default:
			b.WriteString(part)
		}
	}
	return b.String()
}
