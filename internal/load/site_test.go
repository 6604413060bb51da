package load

import (
	"slices"
	"testing"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/contenttest"
	"github.com/google/go-cmp/cmp"
)

func TestParseSite(t *testing.T) {
	site, problems := ParseSite("site.yaml", []byte("\uFEFF"+contenttest.Site))
	if len(problems) > 0 {
		t.Fatalf("problems: %q", problems)
	}
	want := &article.Site{
		DefaultLanguage: "sv",
		Languages:       []string{"sv", "en", "zh-Hans"},
		Derived:         []article.Derived{{Tag: "zh-Hant", From: "zh-Hans"}},
		Fallback: map[string][]string{
			"zh-Hant": {"zh-Hans", "en", "sv"}, "zh-Hans": {"en", "sv"}, "en": {"sv"}, "sv": {"en"},
		},
		SiteURL:   "https://www.example.se/{lang}/{slug}",
		SiteName:  map[string]string{"sv": "Åmåls kommun", "en": "Åmål Municipality", "zh-Hans": "奥莫尔市"},
		Publisher: "Åmåls kommun",
		Tags: map[string]map[string]string{
			"international": {"sv": "Internationellt", "en": "International", "zh-Hans": "国际合作"},
			"culture":       {"sv": "Kultur"},
		},
		TagKeys:   []string{"international", "culture"},
		Analyzers: map[string]string{"sv": "sv", "en": "en", "zh-Hans": "zh", "zh-Hant": "zh"},
		Dirs:      map[string]string{"sv": "ltr", "en": "ltr", "zh-Hans": "ltr", "zh-Hant": "ltr"},
	}
	if diff := cmp.Diff(want, site); diff != "" {
		t.Errorf("ParseSite (-want +got):\n%s", diff)
	}
}

func TestParseSiteProblems(t *testing.T) {
	const langs = "languages:\n  - tag: sv\n  - tag: en\n"
	tests := []struct {
		name     string
		in       string
		want     []want
		wantSite bool // whether a Site is still returned
	}{
		{"empty", "", []want{{1, "empty file"}}, false},
		{"only comments", "# languages: []\n", []want{{1, "empty file"}}, false},
		{"invalid YAML", "default_language: sv\nlanguages: [sv\n", []want{{2, "invalid YAML"}}, false},
		{"not a mapping", "- sv\n", []want{{1, "site.yaml must be a mapping"}}, false},
		{"missing default_language", langs, []want{{1, `missing required key "default_language"`}}, false},
		{"missing languages", "default_language: sv\n", []want{{1, `missing required key "languages"`}, {1, `default_language "sv" is not one of languages []`}}, false},
		{"default not among languages", "default_language: de\n" + langs, []want{{1, `default_language "de" is not one of languages [sv en]`}}, false},
		{"languages not a list", "default_language: sv\nlanguages: sv\n", []want{{2, "languages must be a list"}, {1, "not one of languages"}}, false},
		{"language entry a string", "default_language: sv\nlanguages:\n  - sv\n", []want{{3, "languages entry must be a mapping"}, {1, "not one of languages"}}, false},
		{"bad language tag", "default_language: sv\nlanguages:\n  - tag: sv\n  - tag: english\n", []want{{4, `"english" is not a BCP 47 language tag`}}, true},
		{"language listed twice", "default_language: sv\nlanguages:\n  - tag: sv\n  - tag: sv\n", []want{{4, `language "sv" is listed twice`}}, true},
		{"unknown key in language entry", "default_language: sv\nlanguages:\n  - tag: sv\n    name: Svenska\n", []want{{4, `unknown key "name" in languages entry`}}, true},
		{"unknown analyzer", "default_language: sv\nlanguages:\n  - tag: sv\n  - tag: fi\n    analyzer: finnish\n", []want{{5, `unknown analyzer "finnish" for fi (known analyzers: ar, cjk,`}}, true},
		{"misspelt analyzer", "default_language: sv\nlanguages:\n  - tag: sv\n    analyzer: unicod\n", []want{{4, `unknown analyzer "unicod" for sv (did you mean "unicode"?)`}}, true},
		{"analyzer given as a tag", "default_language: sv\nlanguages:\n  - tag: sv\n  - tag: nb\n    analyzer: nb-NO\n", []want{{5, `unknown analyzer "nb-NO" for nb (did you mean "no"?)`}}, true},
		{"analyzer a list", "default_language: sv\nlanguages:\n  - tag: sv\n    analyzer: [sv]\n", []want{{4, "analyzer of sv must be text"}}, true},
		{"bad dir", "default_language: sv\nlanguages:\n  - tag: sv\n  - tag: ar\n    dir: right\n", []want{{5, `dir of ar must be ltr or rtl, not "right"`}}, true},
		{"misspelt key in language entry", "default_language: sv\nlanguages:\n  - tag: sv\n    analyser: sv\n", []want{{4, `unknown key "analyser" in languages entry (did you mean "analyzer"?)`}}, true},
		{"language entry without tag", "default_language: sv\nlanguages:\n  - tag: sv\n  - dir: rtl\n", []want{{4, `languages entry is missing its "tag"`}}, true},
		{"unknown key", "default_language: sv\n" + langs + "fallbacks: {en: [sv]}\n", []want{{5, `unknown key "fallbacks" in site.yaml (did you mean "fallback"?)`}}, true},
		{"duplicate key", "default_language: sv\n" + langs + "default_language: en\n", []want{{5, `duplicate key "default_language" (first on line 1)`}}, true},
		{"derived from unknown language", "default_language: sv\n" + langs + "derived:\n  - {tag: zh-Hant, from: zh-Hans}\n", []want{{6, `comes from "zh-Hans", which is not one of languages`}}, true},
		{"derived also stored", "default_language: sv\n" + langs + "derived:\n  - {tag: en, from: sv}\n", []want{{6, `derived language "en" is also a stored language`}}, true},
		{"derived entry without from", "default_language: sv\n" + langs + "derived:\n  - tag: sv-x-old\n", []want{{6, `derived entry is missing its "from"`}}, true},
		{"fallback for unknown language", "default_language: sv\n" + langs + "fallback:\n  de: [sv]\n", []want{{6, `fallback for "de", which is not one of the site's languages`}}, true},
		{"fallback to unknown language", "default_language: sv\n" + langs + "fallback:\n  en: [de, sv]\n", []want{{6, `fallback for "en" names "de", which is not one of languages`}}, true},
		{"fallback to itself", "default_language: sv\n" + langs + "fallback:\n  en: [en]\n", []want{{6, `fallback for "en" names itself`}}, true},
		{"fallback not a list", "default_language: sv\n" + langs + "fallback:\n  en: sv\n", []want{{6, "fallback for en must be a list"}}, true},
		{"bad tag key", "default_language: sv\n" + langs + "tags:\n  Internationellt: {sv: Internationellt}\n", []want{{6, `tag key "Internationellt" is not valid`}}, true},
		{"tag label for unknown language", "default_language: sv\n" + langs + "tags:\n  culture: {sv: Kultur, de: Kultur}\n", []want{{6, `labels of tag culture: "de" is not one of the site's languages`}}, true},
		{"duplicate tag", "default_language: sv\n" + langs + "tags:\n  culture: {sv: Kultur}\n  culture: {en: Culture}\n", []want{{7, `duplicate key "culture"`}}, true},
		{"site_url without slug", "default_language: sv\n" + langs + "site_url: https://example.se/{lang}/\n", []want{{5, "has no {slug}"}}, true},
		{"site_url not absolute", "default_language: sv\n" + langs + "site_url: /{lang}/{slug}\n", []want{{5, "is not an absolute http or https URL"}}, true},
		{"site_name for unknown language", "default_language: sv\n" + langs + "site_name: {fi: Åmålin kunta}\n", []want{{5, `site_name: "fi" is not one of the site's languages`}}, true},
		{"site_name a string", "default_language: sv\n" + langs + "site_name: Åmål\n", []want{{5, "site_name must be a mapping"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site, problems := ParseSite("site.yaml", []byte(tt.in))
			checkProblems(t, "site.yaml", problems, tt.want)
			if (site != nil) != tt.wantSite {
				t.Errorf("ParseSite returned Site %+v, want a Site: %v", site, tt.wantSite)
			}
		})
	}
}

// TestParseSiteLanguagesAsData checks that any BCP 47 tag is a language,
// with the analyzer and dir its entry gives or the default for its tag.
func TestParseSiteLanguagesAsData(t *testing.T) {
	const in = `default_language: fi
languages:
  - tag: fi
  - tag: ar
  - tag: he
  - tag: ja
  - tag: nb
  - tag: zh-Hant
  - tag: yue
  - tag: sr-Latn
  - tag: fa-AF
    analyzer: fa
  - tag: ug-Latn
  - tag: ckb
  - tag: cjk
  - tag: se
    analyzer: fi
    dir: ltr
  - tag: ks-Arab
    dir: rtl
  - tag: en-x-rtl
    dir: rtl
    analyzer: en
derived:
  - tag: zh-Hans
    from: zh-Hant
  - tag: sr-Cyrl
    from: sr-Latn
  - tag: se-x-old
    from: se
`
	site, problems := ParseSite("site.yaml", []byte(in))
	if len(problems) > 0 {
		t.Fatalf("problems: %q", problems)
	}
	want := map[string][2]string{ // analyzer, dir
		"fi": {"fi", "ltr"}, "ar": {"ar", "rtl"}, "he": {"unicode", "rtl"}, "ja": {"cjk", "ltr"},
		"nb": {"no", "ltr"}, "zh-Hant": {"zh", "ltr"}, "yue": {"unicode", "ltr"}, "sr-Latn": {"unicode", "ltr"},
		"fa-AF": {"fa", "rtl"}, "ug-Latn": {"unicode", "ltr"}, "ckb": {"ckb", "rtl"}, "cjk": {"unicode", "ltr"},
		"se": {"fi", "ltr"}, "ks-Arab": {"unicode", "rtl"}, "en-x-rtl": {"en", "rtl"},
		"zh-Hans": {"zh", "ltr"}, "sr-Cyrl": {"unicode", "ltr"}, "se-x-old": {"fi", "ltr"},
	}
	if got := site.Served(); len(got) != len(want) {
		t.Errorf("served %v, want %d languages", got, len(want))
	}
	for _, lang := range site.Served() {
		got := [2]string{site.Analyzers[lang], site.Dirs[lang]}
		if got != want[lang] {
			t.Errorf("%s: analyzer, dir = %q, want %q", lang, got, want[lang])
		}
		if m := [2]string{site.Analyzer(lang), site.Dir(lang)}; m != got {
			t.Errorf("%s: Analyzer, Dir = %q, want the maps' %q", lang, m, got)
		}
		if !slices.Contains(article.AnalyzerNames(), got[0]) {
			t.Errorf("%s: analyzer %q is not one of AnalyzerNames", lang, got[0])
		}
	}
}
