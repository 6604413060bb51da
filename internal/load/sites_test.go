package load

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
)

// TestLanguageTrees loads the trees under testdata/sites, which add a
// language through site.yaml and articles alone: fi (Finnish, whose
// stemmer makes talo find talossa) and ar (Arabic, right to left, whose
// light stemmer makes مكتبة find المكتبة). Other packages serve and search
// them by these paths: never move them.
func TestLanguageTrees(t *testing.T) {
	tests := []struct {
		dir       string
		languages []string
		analyzers map[string]string
		dirs      map[string]string
		articles  int
		// word is in exactly one public version, in lang; absent, no
		// version has it as a whole word, so that a search for absent
		// finds word's version only by stemming.
		lang, word, absent string
	}{
		{"fi", []string{"fi", "en"}, map[string]string{"fi": "fi", "en": "en"}, map[string]string{"fi": "ltr", "en": "ltr"}, 3,
			"fi", "talossa", "talo"},
		{"ar", []string{"ar", "en"}, map[string]string{"ar": "ar", "en": "en"}, map[string]string{"ar": "rtl", "en": "ltr"}, 3,
			"ar", "المكتبة", "مكتبة"},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			lib, problems, err := Load(context.Background(), os.DirFS("testdata/sites/"+tt.dir))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				t.Errorf("problem: %s", p)
			}
			site := lib.Site()
			if diff := cmp.Diff(tt.languages, site.Languages); diff != "" {
				t.Errorf("languages (-want +got):\n%s", diff)
			}
			if site.DefaultLanguage != tt.languages[0] {
				t.Errorf("default language %q, want %q", site.DefaultLanguage, tt.languages[0])
			}
			if diff := cmp.Diff(tt.analyzers, site.Analyzers); diff != "" {
				t.Errorf("analyzers (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.dirs, site.Dirs); diff != "" {
				t.Errorf("dirs (-want +got):\n%s", diff)
			}
			if lib.Len() != tt.articles {
				t.Errorf("%d articles, want %d", lib.Len(), tt.articles)
			}
			var with []string
			authors := 0
			for _, v := range lib.All() {
				if v.Author != "" {
					authors++
				}
				words := strings.FieldsFunc(v.Title+" "+v.Summary+" "+v.Text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsMark(r) })
				if slices.Contains(words, tt.word) {
					with = append(with, v.Path)
				}
				if slices.Contains(words, tt.absent) {
					t.Errorf("%s has the word %q: a search for it would not need the stemmer", v.Path, tt.absent)
				}
			}
			if len(with) != 1 || !strings.HasSuffix(with[0], "/"+tt.lang+".md") {
				t.Errorf("versions with %q: %v, want one in %s", tt.word, with, tt.lang)
			}
			if authors == 0 {
				t.Error("no version has an author")
			}
		})
	}
}
