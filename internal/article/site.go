package article

import (
	"net/url"
	"strings"
)

// Site is the configuration of a content tree, read from site.yaml.
type Site struct {
	// DefaultLanguage is served when negotiation finds nothing better.
	DefaultLanguage string
	// Languages are the stored languages in display order.
	Languages []string
	// Derived are the languages produced by conversion, never stored.
	Derived []Derived
	// Fallback maps a language to the languages tried, in order, when an
	// article has no public version in it.
	Fallback map[string][]string
	// SiteURL is the public URL pattern with {lang} and {slug}; empty when
	// the site has none.
	SiteURL string
	// SiteName is the site's name per language, for feed titles.
	SiteName map[string]string
	// Publisher names the feed author.
	Publisher string
	// Tags holds the label of each tag key per language.
	Tags map[string]map[string]string
	// TagKeys lists the tag keys in the order site.yaml gives them.
	TagKeys []string
}

// Derived is a language served by converting another one.
type Derived struct {
	Tag  string
	From string
}

// Stored reports whether lang is one of the site's stored languages.
func (s *Site) Stored(lang string) bool {
	for _, l := range s.Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// DerivedFrom returns the stored language lang is derived from, or "" when
// lang is not a derived language.
func (s *Site) DerivedFrom(lang string) string {
	for _, d := range s.Derived {
		if d.Tag == lang {
			return d.From
		}
	}
	return ""
}

// Served returns every language the site serves: the stored languages in
// display order followed by the derived ones.
func (s *Site) Served() []string {
	out := make([]string, 0, len(s.Languages)+len(s.Derived))
	out = append(out, s.Languages...)
	for _, d := range s.Derived {
		out = append(out, d.Tag)
	}
	return out
}

// URL returns the public URL of the version in lang with slug, or "" when
// the site has no URL pattern.
func (s *Site) URL(lang, slug string) string {
	if s.SiteURL == "" {
		return ""
	}
	r := strings.NewReplacer("{lang}", url.PathEscape(lang), "{slug}", url.PathEscape(slug))
	return r.Replace(s.SiteURL)
}

// TagLabel returns the label of tag key in lang, falling back to the label
// of a language lang is derived from, the default language, and finally the
// key itself.
func (s *Site) TagLabel(key, lang string) string {
	labels := s.Tags[key]
	if l, ok := labels[lang]; ok {
		return l
	}
	if from := s.DerivedFrom(lang); from != "" {
		if l, ok := labels[from]; ok {
			return l
		}
	}
	if l, ok := labels[s.DefaultLanguage]; ok {
		return l
	}
	return key
}
