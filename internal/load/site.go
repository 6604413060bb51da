package load

import (
	"bytes"
	"net/url"
	"strings"

	"github.com/amal-kommun/tolk/internal/article"
	"go.yaml.in/yaml/v3"
)

// SitePath is the path of the site configuration in a content tree.
const SitePath = "site.yaml"

var siteKeys = []string{"default_language", "languages", "derived", "fallback", "site_url", "site_name", "publisher", "tags"}

// ParseSite parses site.yaml and returns the Site with every problem found.
// The Site is nil when it is unusable: invalid YAML, or no valid
// default_language among valid languages. Otherwise broken entries (a bad
// tag key, a fallback to an unknown language) are reported and left out,
// so that the articles can still be checked against the rest.
func ParseSite(path string, data []byte) (*article.Site, []article.Problem) {
	rep := &reporter{path: path}
	data = bytes.TrimPrefix(data, bom)
	if len(bytes.TrimSpace(data)) == 0 {
		rep.at(1, "empty file: site.yaml needs at least default_language and languages")
		return nil, rep.problems
	}
	top := rep.parseYAML(data)
	if top == nil {
		if len(rep.problems) == 0 { // only comments
			rep.at(1, "empty file: site.yaml needs at least default_language and languages")
		}
		return nil, rep.problems
	}
	fields, _ := rep.mapping(top, "site.yaml", siteKeys)
	if fields == nil {
		return nil, rep.problems
	}
	s := &article.Site{}

	// languages
	if f, ok := fields["languages"]; !ok || isNull(f.value) {
		rep.at(1, "missing required key %q (a list like `- tag: sv`)", "languages")
	} else if f.value.Kind != yaml.SequenceNode {
		rep.node(f.value, "languages must be a list of entries like `- tag: sv`, not %s", kindName(f.value))
	} else {
		for _, item := range f.value.Content {
			e := rep.entry(resolve(item), "languages", "tag")
			tag, ok := e["tag"]
			if !ok {
				continue
			}
			if s.Stored(tag) {
				rep.node(item, "language %q is listed twice", tag)
				continue
			}
			s.Languages = append(s.Languages, tag)
		}
		if len(s.Languages) == 0 && len(f.value.Content) == 0 {
			rep.node(f.key, "languages must list at least one language")
		}
	}

	// default_language
	if f, ok := fields["default_language"]; !ok || isNull(f.value) {
		rep.at(1, "missing required key %q", "default_language")
	} else if tag, ok := rep.lang(f.value, "default_language"); ok {
		if !s.Stored(tag) {
			rep.node(f.key, "default_language %q is not one of languages %v", tag, s.Languages)
		} else {
			s.DefaultLanguage = tag
		}
	}

	// derived
	if f, ok := fields["derived"]; ok && !isNull(f.value) {
		if f.value.Kind != yaml.SequenceNode {
			rep.node(f.value, "derived must be a list of entries like `- {tag: zh-Hant, from: zh-Hans}`, not %s", kindName(f.value))
		} else {
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
	}
	served := func(lang string) bool { return s.Stored(lang) || s.DerivedFrom(lang) != "" }

	// fallback
	if f, ok := fields["fallback"]; ok && !isNull(f.value) {
		m, order := rep.mapping(f.value, "fallback", nil)
		for _, lang := range order {
			e := m[lang]
			if msg := checkLang(lang); msg != "" {
				rep.node(e.key, "fallback: %s", msg)
				continue
			}
			if !served(lang) {
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

	// site_url
	if f, ok := fields["site_url"]; ok {
		if u, ok := rep.text(f, "site_url"); ok && u != "" {
			if msg := checkSiteURL(u); msg != "" {
				rep.node(f.key, "site_url %q %s", u, msg)
			} else {
				s.SiteURL = u
			}
		}
	}

	// site_name
	if f, ok := fields["site_name"]; ok && !isNull(f.value) {
		s.SiteName = rep.labels(f.value, "site_name", served)
	}

	// publisher
	if f, ok := fields["publisher"]; ok {
		if p, ok := rep.text(f, "publisher"); ok {
			s.Publisher = strings.TrimSpace(p)
		}
	}

	// tags
	s.Tags = make(map[string]map[string]string)
	if f, ok := fields["tags"]; ok && !isNull(f.value) {
		m, order := rep.mapping(f.value, "tags", nil)
		for _, key := range order {
			e := m[key]
			if !article.ValidSlug(key) {
				rep.node(e.key, "tag key %s", slugRule(key))
				continue
			}
			labels := map[string]string{}
			if !isNull(e.value) {
				labels = rep.labels(e.value, "labels of tag "+key, served)
			}
			s.Tags[key] = labels
			s.TagKeys = append(s.TagKeys, key)
		}
	}

	if s.DefaultLanguage == "" || len(s.Languages) == 0 {
		return nil, rep.problems
	}
	return s, rep.problems
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
