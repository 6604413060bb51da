package article

import (
	"slices"
	"testing"
)

func TestDefaultAnalyzer(t *testing.T) {
	for _, tt := range []struct{ tag, want string }{
		{"sv", "sv"}, {"en", "en"}, {"en-GB", "en"}, {"fi", "fi"}, {"ar", "ar"}, {"ar-EG", "ar"},
		{"zh-Hans", "zh"}, {"zh-Hant", "zh"}, {"zh", "zh"}, {"ja", "cjk"}, {"ko-KR", "cjk"},
		{"nb", "no"}, {"no", "no"}, {"pt-BR", "pt"}, {"fa", "fa"}, {"ckb", "ckb"},
		{"he", "unicode"}, {"et", "unicode"}, {"und", "unicode"}, {"cjk", "unicode"},
		{"not a tag", "unicode"}, {"", "unicode"},
	} {
		if got := DefaultAnalyzer(tt.tag); got != tt.want {
			t.Errorf("DefaultAnalyzer(%q) = %q, want %q", tt.tag, got, tt.want)
		}
		if got := DefaultAnalyzer(tt.tag); !slices.Contains(AnalyzerNames(), got) {
			t.Errorf("DefaultAnalyzer(%q) = %q, not one of AnalyzerNames", tt.tag, got)
		}
	}
}

func TestAnalyzerNames(t *testing.T) {
	names := AnalyzerNames()
	want := []string{"ar", "cjk", "ckb", "da", "de", "en", "es", "fa", "fi", "fr", "hi", "hr", "hu", "it",
		"nl", "no", "pl", "pt", "ro", "ru", "sv", "tr", "unicode", "zh"}
	if !slices.Equal(names, want) {
		t.Errorf("AnalyzerNames() = %q, want %q", names, want)
	}
	names[0] = "changed"
	if AnalyzerNames()[0] != "ar" {
		t.Error("AnalyzerNames returns a slice its caller can change for everyone")
	}
}

// TestSiteLanguageDefaults checks Analyzer and Dir on a Site whose maps
// leave a language out, as a Site made in Go rather than by load may.
func TestSiteLanguageDefaults(t *testing.T) {
	s := &Site{
		DefaultLanguage: "sv", Languages: []string{"sv", "ar", "se"},
		Derived:   []Derived{{Tag: "se-x-old", From: "se"}, {Tag: "ar-Latn", From: "ar"}},
		Analyzers: map[string]string{"se": "fi"},
		Dirs:      map[string]string{"se": "rtl"},
	}
	for _, tt := range []struct{ lang, analyzer, dir string }{
		{"sv", "sv", "ltr"}, {"ar", "ar", "rtl"}, {"se", "fi", "rtl"},
		{"se-x-old", "fi", "ltr"}, {"ar-Latn", "ar", "ltr"}, {"he", "unicode", "rtl"},
	} {
		if got := s.Analyzer(tt.lang); got != tt.analyzer {
			t.Errorf("Analyzer(%q) = %q, want %q", tt.lang, got, tt.analyzer)
		}
		if got := s.Dir(tt.lang); got != tt.dir {
			t.Errorf("Dir(%q) = %q, want %q", tt.lang, got, tt.dir)
		}
	}
}
