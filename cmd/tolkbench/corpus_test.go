package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"

	"github.com/amal-kommun/tolk/internal/load"
)

// TestCorpusLoads writes a small corpus and checks that Tolk's own loader
// accepts every file of it, with distinct titles and the outdated
// translations the generator plants.
func TestCorpusLoads(t *testing.T) {
	const n = 50
	dir := t.TempDir()
	if err := writeCorpus(context.Background(), dir, n); err != nil {
		t.Fatal(err)
	}
	lib, problems, err := load.Load(context.Background(), os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("problem: %s", p)
	}
	if lib.Len() != n {
		t.Fatalf("Load found %d articles, want %d", lib.Len(), n)
	}
	titles := make(map[string]string) // lang+title → id
	perLang := make(map[string]int)
	outdated := 0
	for _, v := range lib.All() {
		perLang[v.Lang]++
		key := v.Lang + "\x00" + v.Title
		if other, dup := titles[key]; dup {
			t.Errorf("%s title %q used by %s and %s", v.Lang, v.Title, other, v.ID)
		}
		titles[key] = v.ID
		if v.Outdated {
			outdated++
		}
	}
	if diff := cmp.Diff(map[string]int{"sv": n, "en": n, "zh-Hans": n}, perLang); diff != "" {
		t.Errorf("versions per language (-want +got):\n%s", diff)
	}
	t.Logf("%d of %d translations outdated", outdated, 2*n)
}

// TestCorpusWords checks that the benchmark's search queries and suggest
// prefixes are words that the generated corpus really uses.
func TestCorpusWords(t *testing.T) {
	g := newGenerator()
	text := make(map[string]*strings.Builder)
	titleWords := make(map[string][]string)
	for i := range 500 { // fewer than the smallest useful corpus, --quick's 1,000

		a := g.article(i)
		for _, v := range a.versions {
			if text[v.lang] == nil {
				text[v.lang] = &strings.Builder{}
			}
			text[v.lang].WriteString(strings.ToLower(v.title + "\n" + v.body + "\n"))
			titleWords[v.lang] = append(titleWords[v.lang], strings.FieldsFunc(strings.ToLower(v.title), func(r rune) bool {
				return !unicode.IsLetter(r) && !unicode.IsDigit(r)
			})...)
		}
	}
	for _, q := range searchQueries {
		t.Run("search "+q.lang+" "+q.q, func(t *testing.T) {
			for _, w := range strings.Fields(strings.ToLower(q.q)) {
				if !strings.Contains(text[q.lang].String(), w) {
					t.Errorf("%q does not occur in the %s corpus", w, q.lang)
				}
			}
		})
	}
	for _, p := range suggestPrefixes {
		t.Run("suggest "+p.lang+" "+p.q, func(t *testing.T) {
			for _, w := range titleWords[p.lang] {
				// Chinese titles have no spaces: any position may start a word.
				if strings.HasPrefix(w, p.q) || (p.lang == "zh-Hans" && strings.Contains(w, p.q)) {
					return
				}
			}
			t.Errorf("no %s title word starts with %q", p.lang, p.q)
		})
	}
}

// TestGeneratorDeterministic checks that a corpus depends only on its
// size, which is what makes the cache valid.
func TestGeneratorDeterministic(t *testing.T) {
	g1, g2 := newGenerator(), newGenerator()
	for i := range 30 {
		a, b := g1.article(i), g2.article(i)
		if diff := cmp.Diff(a, b, cmp.AllowUnexported(genArticle{}, genVersion{})); diff != "" {
			t.Fatalf("article %d differs between runs (-first +second):\n%s", i, diff)
		}
	}
}

// TestGeneratorBeyondCombinations checks that titles stay distinct after
// every topic, title, subject, place and year combination has been used.
func TestGeneratorBeyondCombinations(t *testing.T) {
	g := newGenerator()
	for _, tp := range topics {
		if len(tp.titles) != len(topics[0].titles) || len(tp.subjects) != len(topics[0].subjects) {
			t.Fatalf("every topic needs %d titles and %d subjects", len(topics[0].titles), len(topics[0].subjects))
		}
	}
	first, again := g.article(0), g.article(g.combos)
	tests := []struct {
		lang int
		want string
	}{
		{sv, first.versions[sv].title + " (del 2)"},
		{en, first.versions[en].title + " (part 2)"},
		{zh, first.versions[zh].title + "（第2部分）"},
	}
	for _, tt := range tests {
		t.Run(langTags[tt.lang], func(t *testing.T) {
			if got := again.versions[tt.lang].title; got != tt.want {
				t.Errorf("title of article %d = %q, want %q", g.combos, got, tt.want)
			}
			if again.versions[tt.lang].slug == first.versions[tt.lang].slug {
				t.Errorf("slug %q reused", first.versions[tt.lang].slug)
			}
		})
	}
}

func TestSlugify(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Sortera rätt: återvinningscentralen i Örnäs 2024", "sortera-ratt-atervinningscentralen-i-ornas-2024"},
		{"Language café at the town library in Tösse in 2019", "language-cafe-at-the-town-library-in-tosse-in-2019"},
		{"Vägarbete på gång- och cykelvägen i Åmål centrum 2020 (del 2)", "vagarbete-pa-gang-och-cykelvagen-i-amal-centrum-2020-del-2"},
		{strings.Repeat("lång ", 40), strings.TrimSuffix(strings.Repeat("lang-", 20), "-")},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := slugify(tt.in); got != tt.want {
				t.Errorf("slugify(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestCachedCorpus checks that a complete cached tree is reused and an
// incomplete one generated anew.
func TestCachedCorpus(t *testing.T) {
	ctx := context.Background()
	cache, scratch := t.TempDir(), t.TempDir()
	dir, cached, err := cachedCorpus(ctx, cache, scratch, 3)
	if err != nil || cached {
		t.Fatalf("first cachedCorpus = %q, %v, %v; want a new tree", dir, cached, err)
	}
	if dir != filepath.Join(cache, "3") {
		t.Errorf("corpus in %s, want it in the cache", dir)
	}
	if _, cached, err := cachedCorpus(ctx, cache, scratch, 3); err != nil || !cached {
		t.Errorf("second cachedCorpus: cached %v, err %v; want the cached tree", cached, err)
	}
	if err := os.Remove(filepath.Join(dir, stampFile)); err != nil {
		t.Fatal(err)
	}
	if _, cached, err := cachedCorpus(ctx, cache, scratch, 3); err != nil || cached {
		t.Errorf("cachedCorpus without stamp: cached %v, err %v; want a new tree", cached, err)
	}
}
