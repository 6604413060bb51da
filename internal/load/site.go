package load

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/amal-kommun/tolk/internal/article"
	"go.yaml.in/yaml/v4"
	"golang.org/x/text/language"
)

// SitePath is the path of the site configuration in a content tree.
const SitePath = "site.yaml"

var siteKeys = []string{"default_language", "languages", "derived", "fallback", "site_url", "site_name", "publisher", "tags"}

// ParseSite parses site.yaml and returns the Site with every problem found.
// The Site is nil when it is unusable: invalid YAML, or no valid
// default_language among valid languages. Otherwise broken entries (a bad
// tag key, a fallback to an unknown language) are reported and left out,
// so that the articles can still be checked against the rest.
//
// Any well-formed BCP 47 tag may be a language. Each languages entry may
// name its search analyzer (one of article.AnalyzerNames) and its dir
// (ltr or rtl); the Site's Analyzers and Dirs hold one for every served
// language, the entry's or the default (article.DefaultAnalyzer,
// article.DefaultDir), a derived language taking its source's analyzer.
func ParseSite(path string, data []byte) (*article.Site, []article.Problem) {
	rep := &reporter{path: path}
	fields := siteFields(rep, data)
	if fields == nil {
		return nil, rep.problems
	}
	p := &siteParser{rep: rep, s: &article.Site{}}
	p.languages(fields["languages"])
	p.defaultLanguage(fields["default_language"])
	p.derived(fields["derived"])
	p.fallback(fields["fallback"])
	p.siteURL(fields["site_url"])
	p.siteName(fields["site_name"])
	p.publisher(fields["publisher"])
	p.tags(fields["tags"])
	p.resolveLanguages()
	if p.s.DefaultLanguage == "" || len(p.s.Languages) == 0 {
		return nil, rep.problems
	}
	return p.s, rep.problems
}

// siteFields reads the top-level keys of site.yaml, or returns nil when
// it is empty, not YAML or not a mapping.
func siteFields(rep *reporter, data []byte) map[string]field {
	data = bytes.TrimPrefix(data, bom)
	if len(bytes.TrimSpace(data)) == 0 {
		rep.at(1, "empty file: site.yaml needs at least default_language and languages")
		return nil
	}
	top := rep.parseYAML(data)
	if top == nil {
		if len(rep.problems) == 0 { // only comments
			rep.at(1, "empty file: site.yaml needs at least default_language and languages")
		}
		return nil
	}
	fields, _ := rep.mapping(top, "site.yaml", siteKeys)
	return fields
}

// siteParser reads site.yaml's keys into s, one phase per key, in an order
// where each phase finds in s what it checks against (languages first).
// A field's value is nil when the key is absent.
type siteParser struct {
	rep *reporter
	s   *article.Site
}

// present reports whether a key was given a value other than null.
func present(f field) bool { return f.key != nil && !isNull(f.value) }

// served reports whether lang is a stored or derived language.
func (p *siteParser) served(lang string) bool {
	return p.s.Stored(lang) || p.s.DerivedFrom(lang) != ""
}

// languageKeys are the keys of a languages entry.
var languageKeys = []string{"tag", "analyzer", "dir"}

// languages reads the stored languages, with the analyzer and dir an
// entry names.
func (p *siteParser) languages(f field) {
	rep, s := p.rep, p.s
	switch {
	case !present(f):
		rep.at(1, "missing required key %q (a list like `- tag: sv`)", "languages")
		return
	case f.value.Kind != yaml.SequenceNode:
		rep.node(f.value, "languages must be a list of entries like `- tag: sv`, not %s", kindName(f.value))
		return
	}
	for _, item := range f.value.Content {
		item = resolve(item)
		m, _ := rep.mapping(item, "languages entry", languageKeys)
		if m == nil {
			continue
		}
		tf, ok := m["tag"]
		if !ok {
			rep.node(item, "languages entry is missing its %q", "tag")
			continue
		}
		tag, ok := rep.lang(tf.value, "languages tag")
		if !ok {
			continue
		}
		if s.Stored(tag) {
			rep.node(item, "language %q is listed twice", tag)
			continue
		}
		s.Languages = append(s.Languages, tag)
		if a, ok := m["analyzer"]; ok {
			p.analyzer(tag, a)
		}
		if d, ok := m["dir"]; ok {
			p.dir(tag, d)
		}
	}
	if len(s.Languages) == 0 && len(f.value.Content) == 0 {
		rep.node(f.key, "languages must list at least one language")
	}
}

// analyzer records the analyzer a languages entry names for tag.
func (p *siteParser) analyzer(tag string, f field) {
	name, ok := p.rep.text(f, "analyzer of "+tag)
	if !ok {
		return
	}
	known := article.AnalyzerNames()
	switch {
	case name == "":
		return // as if absent: the default
	case slices.Contains(known, name):
		if p.s.Analyzers == nil {
			p.s.Analyzers = make(map[string]string)
		}
		p.s.Analyzers[tag] = name
	default:
		p.rep.node(f.value, "unknown analyzer %q for %s (%s)", name, tag, analyzerHint(name, known))
	}
}

// analyzerHint suggests the analyzer a name that is not one probably means:
// a misspelt name, or a language tag's ("fi-FI", "nb") default.
func analyzerHint(name string, known []string) string {
	if s := suggest(name, known); s != "" {
		return fmt.Sprintf("did you mean %q?", s)
	}
	if _, err := language.Parse(name); err == nil {
		if a := article.DefaultAnalyzer(name); a != article.AnalyzerUnicode {
			return fmt.Sprintf("did you mean %q?", a)
		}
	}
	return "known analyzers: " + strings.Join(known, ", ") + "; leave it out for the language's default"
}

// dir records the writing direction a languages entry gives tag.
func (p *siteParser) dir(tag string, f field) {
	d, ok := p.rep.text(f, "dir of "+tag)
	if !ok || d == "" {
		return
	}
	if d != article.DirLTR && d != article.DirRTL {
		p.rep.node(f.value, "dir of %s must be %s or %s, not %q", tag, article.DirLTR, article.DirRTL, d)
		return
	}
	if p.s.Dirs == nil {
		p.s.Dirs = make(map[string]string)
	}
	p.s.Dirs[tag] = d
}

// defaultLanguage reads default_language, one of the stored languages.
func (p *siteParser) defaultLanguage(f field) {
	if !present(f) {
		p.rep.at(1, "missing required key %q", "default_language")
		return
	}
	if tag, ok := p.rep.lang(f.value, "default_language"); ok {
		if !p.s.Stored(tag) {
			p.rep.node(f.key, "default_language %q is not one of languages %v", tag, p.s.Languages)
		} else {
			p.s.DefaultLanguage = tag
		}
	}
}

// derived reads the languages served by converting a stored one.
func (p *siteParser) derived(f field) {
	rep, s := p.rep, p.s
	if !present(f) {
		return
	}
	if f.value.Kind != yaml.SequenceNode {
		rep.node(f.value, "derived must be a list of entries like `- {tag: zh-Hant, from: zh-Hans}`, not %s", kindName(f.value))
		return
	}
	for _, item := range f.value.Content {
		item = resolve(item)
		e := rep.entry(item, "derived", "tag", "from")
		tag, ok1 := e["tag"]
		from, ok2 := e["from"]
		switch {
		case !ok1 || !ok2:
		case s.Stored(tag):
			rep.node(item, "derived language %q is also a stored language", tag)
		case s.DerivedFrom(tag) != "":
			rep.node(item, "derived language %q is listed twice", tag)
		case !s.Stored(from):
			rep.node(item, "derived language %q comes from %q, which is not one of languages %v", tag, from, s.Languages)
		default:
			s.Derived = append(s.Derived, article.Derived{Tag: tag, From: from})
		}
	}
}

// fallback reads the fallback chains of the served languages.
func (p *siteParser) fallback(f field) {
	rep, s := p.rep, p.s
	if !present(f) {
		return
	}
	m, order := rep.mapping(f.value, "fallback", nil)
	for _, lang := range order {
		e := m[lang]
		if msg := checkLang(lang); msg != "" {
			rep.node(e.key, "fallback: %s", msg)
			continue
		}
		if !p.served(lang) {
			rep.node(e.key, "fallback for %q, which is not one of the site's languages %v", lang, s.Served())
			continue
		}
		list, ok := rep.list(e, "fallback for "+lang)
		if !ok {
			continue
		}
		var chain []string
		for i, to := range list {
			item := resolve(e.value.Content[i])
			switch {
			case !s.Stored(to):
				rep.node(item, "fallback for %q names %q, which is not one of languages %v", lang, to, s.Languages)
			case to == lang:
				rep.node(item, "fallback for %q names itself", lang)
			case contains(chain, to):
				rep.node(item, "fallback for %q names %q twice", lang, to)
			default:
				chain = append(chain, to)
			}
		}
		if s.Fallback == nil {
			s.Fallback = make(map[string][]string)
		}
		s.Fallback[lang] = chain
	}
}

// siteURL reads the public URL pattern.
func (p *siteParser) siteURL(f field) {
	if f.key == nil {
		return
	}
	if u, ok := p.rep.text(f, "site_url"); ok && u != "" {
		if msg := checkSiteURL(u); msg != "" {
			p.rep.node(f.key, "site_url %q %s", u, msg)
		} else {
			p.s.SiteURL = u
		}
	}
}

// siteName reads the site's name per language.
func (p *siteParser) siteName(f field) {
	if present(f) {
		p.s.SiteName = p.rep.labels(f.value, "site_name", p.served)
	}
}

// publisher reads the feeds' author.
func (p *siteParser) publisher(f field) {
	if f.key == nil {
		return
	}
	if pub, ok := p.rep.text(f, "publisher"); ok {
		p.s.Publisher = strings.TrimSpace(pub)
	}
}

// tags reads the tag keys and their labels per language.
func (p *siteParser) tags(f field) {
	rep, s := p.rep, p.s
	s.Tags = make(map[string]map[string]string)
	if !present(f) {
		return
	}
	m, order := rep.mapping(f.value, "tags", nil)
	for _, key := range order {
		e := m[key]
		if !article.ValidSlug(key) {
			rep.node(e.key, "tag key %s", slugRule(key))
			continue
		}
		labels := map[string]string{}
		if !isNull(e.value) {
			labels = rep.labels(e.value, "labels of tag "+key, p.served)
		}
		s.Tags[key] = labels
		s.TagKeys = append(s.TagKeys, key)
	}
}

// resolveLanguages gives every served language its analyzer and dir: the
// languages entry's, or the default; a derived language its source's
// analyzer and the direction of its own script.
func (p *siteParser) resolveLanguages() {
	s := p.s
	analyzers := make(map[string]string, len(s.Languages)+len(s.Derived))
	dirs := make(map[string]string, len(s.Languages)+len(s.Derived))
	for _, lang := range s.Languages {
		analyzers[lang] = s.Analyzer(lang)
		dirs[lang] = s.Dir(lang)
	}
	for _, d := range s.Derived {
		analyzers[d.Tag] = analyzers[d.From]
		dirs[d.Tag] = article.DefaultDir(d.Tag)
	}
	s.Analyzers, s.Dirs = analyzers, dirs
}

// entry returns the values of a list entry that is a mapping with exactly
// the given keys, each a language tag.
func (r *reporter) entry(n *yaml.Node, what string, keys ...string) map[string]string {
	m, _ := r.mapping(n, what+" entry", keys)
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		f, ok := m[k]
		if !ok {
			r.node(n, "%s entry is missing its %q", what, k)
			continue
		}
		if tag, ok := r.lang(f.value, what+" "+k); ok {
			out[k] = tag
		}
	}
	return out
}

// lang returns the language tag n holds, checking it is well-formed.
func (r *reporter) lang(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		r.node(n, "%s must be a language tag, not %s", what, kindName(n))
		return "", false
	}
	if msg := checkLang(n.Value); msg != "" {
		r.node(n, "%s: %s", what, msg)
		return "", false
	}
	return n.Value, true
}

// labels returns a mapping from served languages to texts.
func (r *reporter) labels(n *yaml.Node, what string, served func(string) bool) map[string]string {
	m, order := r.mapping(n, what, nil)
	out := make(map[string]string, len(order))
	for _, lang := range order {
		e := m[lang]
		if !served(lang) {
			r.node(e.key, "%s: %q is not one of the site's languages", what, lang)
			continue
		}
		if t, ok := r.text(e, what+" in "+lang); ok {
			out[lang] = strings.TrimSpace(t)
		}
	}
	return out
}

// checkSiteURL returns what is wrong with a site_url pattern, or "".
func checkSiteURL(pattern string) string {
	if !strings.Contains(pattern, "{slug}") {
		return "has no {slug}"
	}
	u, err := url.Parse(strings.NewReplacer("{lang}", "sv", "{slug}", "x").Replace(pattern))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "is not an absolute http or https URL"
	}
	return ""
}
