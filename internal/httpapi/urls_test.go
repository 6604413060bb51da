package httpapi

import (
	"testing"

	"github.com/amal-kommun/tolk/internal/article"
)

// urlCases are patterns, languages and slugs whose URLs urlPattern must
// make exactly as article.Site.URL does.
var urlCases = []struct{ pattern, lang, slug string }{
	{"", "sv", "x"},
	{"https://www.amal.se/{lang}/{slug}", "sv", "internationellt-arbete"},
	{"https://www.amal.se/{lang}/{slug}", "zh-Hant", "国际合作"},
	{"https://example.org/{slug}?l={lang}", "en", "a b/c?d"},
	{"https://example.org/{slug}{slug}/{lang}{lang}", "en", "x"},
	{"https://example.org/{{lang}}/{slu{slug}g}", "sv", "y"},
	{"{lang}", "sv", "z"},
	{"{slug}", "sv", "%7Bslug%7D"},
	{"https://example.org/no-placeholders", "sv", "z"},
	{"https://example.org/{lan", "sv", "z"},
	{"https://example.org/{lang", "sv", "z"},
	{"{lang}{slug}", "{slug}", "{lang}"},
}

func TestURLPattern(t *testing.T) {
	for _, tt := range urlCases {
		site := &article.Site{SiteURL: tt.pattern}
		p := compileURLPattern(tt.pattern)
		if got, want := p.url(tt.lang, tt.slug), site.URL(tt.lang, tt.slug); got != want {
			t.Errorf("%q with lang %q, slug %q: %q, Site.URL makes %q", tt.pattern, tt.lang, tt.slug, got, want)
		}
	}
}

// FuzzURLPattern: for any pattern, language and slug, the compiled pattern
// makes the URL article.Site.URL makes.
func FuzzURLPattern(f *testing.F) {
	for _, tt := range urlCases {
		f.Add(tt.pattern, tt.lang, tt.slug)
	}
	f.Fuzz(func(t *testing.T, pattern, lang, slug string) {
		site := &article.Site{SiteURL: pattern}
		p := compileURLPattern(pattern)
		if got, want := p.url(lang, slug), site.URL(lang, slug); got != want {
			t.Fatalf("%q with lang %q, slug %q: %q, Site.URL makes %q", pattern, lang, slug, got, want)
		}
	})
}
