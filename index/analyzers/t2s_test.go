package analyzers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amal-kommun/tolk/internal/langs"
)

// TestToSimplifiedCorrections checks that the query conversion reverses
// every row of Tolk's phrase corrections (internal/langs).
func TestToSimplifiedCorrections(t *testing.T) {
	cs, err := langs.Corrections()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		for _, trad := range []string{c.Taiwan, c.HongKong} {
			if got := ToSimplified(trad); got != c.Simplified {
				t.Errorf("line %d: ToSimplified(%q) = %q, want %q", c.Line, trad, got, c.Simplified)
			}
		}
	}
}

// TestToSimplifiedRoundTrip converts the text of every zh-Hans article of
// the embedded corpus to zh-TW and zh-HK as readers get it, and back with
// ToSimplified, and counts the words of the original (Segment) that come
// back: every word of a zh-Hant page should find that page. It also prints
// the share with the conversion one character at a time, as before.
func TestToSimplifiedRoundTrip(t *testing.T) {
	files, err := filepath.Glob("../../content/articles/*/zh-Hans.md")
	if err != nil || len(files) == 0 {
		t.Fatalf("no zh-Hans articles: %v", err)
	}
	t2s, err := loadT2S()
	if err != nil {
		t.Fatal(err)
	}
	perChar := func(s string) string {
		return strings.Map(func(r rune) rune {
			if c, ok := t2s[r]; ok {
				return c
			}
			return r
		}, s)
	}
	conv := langs.NewConverter()
	for _, v := range []langs.Variant{langs.Taiwan, langs.HongKong} {
		var words, kept, keptPerChar int
		var lost []string
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			text := string(b)
			trad := conv.Text(v, text)
			want := Segment(text)
			words += len(want)
			n, missing := sharedWords(want, Segment(ToSimplified(trad)))
			kept += n
			lost = append(lost, missing...)
			n, _ = sharedWords(want, Segment(perChar(trad)))
			keptPerChar += n
		}
		share, before := float64(kept)/float64(words), float64(keptPerChar)/float64(words)
		t.Logf("%s: %d of %d words come back (%.4f); one character at a time %d (%.4f); lost: %q",
			v, kept, words, share, keptPerChar, before, lost)
		if share < 0.995 {
			t.Errorf("%s: only %.4f of the words come back, want 0.995", v, share)
		}
	}
}

// sharedWords returns how many of want's words got holds (as multisets),
// and the ones it lacks.
func sharedWords(want, got []string) (int, []string) {
	have := make(map[string]int, len(got))
	for _, w := range got {
		have[w]++
	}
	n := 0
	var missing []string
	for _, w := range want {
		if have[w] > 0 {
			have[w]--
			n++
		} else {
			missing = append(missing, w)
		}
	}
	return n, missing
}

// TestAlternativeSimplified requires a second Simplified form exactly for
// Traditional queries whose Taiwan words may mean another Simplified word.
func TestAlternativeSimplified(t *testing.T) {
	tests := []struct{ in, want string }{
		// OpenCC's s2twp makes 智慧 of 智慧 and of 智能.
		{"智慧藥盒", "智能药盒"},
		// Taiwan vocabulary OpenCC does not produce (zh_tw_vocabulary.txt).
		{"幼稚園名額", "幼儿园名额"},
		{"公車時刻表", "公交车时刻表"},
		// A Simplified reader typing 智慧 means 智慧.
		{"智慧", ""},
		{"智慧药盒", ""},
		// Nothing ambiguous: ToSimplified's form is the only one.
		{"圖書館", ""},
		// Phrases ToSimplified converts whole are also searched as
		// written, character by character.
		{"透過軟體交流", "透过软体交流"},
		{"", ""},
		{"Åmål", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := AlternativeSimplified(tt.in); got != tt.want {
				t.Errorf("AlternativeSimplified(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
