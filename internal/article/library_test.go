package article

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func site() *Site {
	return &Site{
		DefaultLanguage: "sv", Languages: []string{"sv", "en", "zh-Hans"},
		Derived:  []Derived{{Tag: "zh-Hant", From: "zh-Hans"}},
		Fallback: map[string][]string{"en": {"sv"}},
		SiteURL:  "https://x.example/{lang}/{slug}",
		Tags:     map[string]map[string]string{"t": {"sv": "Tagg", "en": "Tag", "zh-Hans": "标签"}},
	}
}

func ver(t *testing.T, id, lang, title, slug, published string, opts ...func(*Version)) *Version {
	t.Helper()
	d, err := ParseDate(published)
	if err != nil {
		t.Fatal(err)
	}
	v := &Version{ID: id, Lang: lang, Path: "articles/" + id + "/" + lang + ".md", Title: title, Slug: slug, Published: d, Updated: d}
	for _, o := range opts {
		o(v)
	}
	return v
}

func from(lang, sourceUpdated string) func(*Version) {
	return func(v *Version) {
		v.TranslatedFrom = lang
		v.SourceUpdated, _ = ParseDate(sourceUpdated)
	}
}

func updated(s string) func(*Version) { return func(v *Version) { v.Updated, _ = ParseDate(s) } }

// sortVersions sorts vs of lib in order, as the list endpoint does.
func sortVersions(lib *Library, vs []*Version, order Order) {
	slices.SortStableFunc(vs, func(a, b *Version) int { return lib.Compare(a, b, order) })
}

func TestOutdated(t *testing.T) {
	vs := []*Version{
		ver(t, "a", "sv", "A", "a", "2020-01-01", updated("2020-03-01")),
		ver(t, "a", "en", "A", "a-en", "2020-01-01", from("sv", "2020-01-01")),
		ver(t, "a", "zh-Hans", "甲", "a-zh", "2020-01-01", from("en", "2020-01-01")), // current with en, but en is outdated
		ver(t, "b", "sv", "B", "b", "2020-01-01"),
		ver(t, "b", "en", "B", "b-en", "2020-01-01", from("sv", "2020-01-01")),
	}
	lib, problems := Build(site(), vs)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	for _, tt := range []struct {
		id, lang string
		want     bool
	}{{"a", "sv", false}, {"a", "en", true}, {"a", "zh-Hans", true}, {"b", "en", false}} {
		if got := lib.Version(tt.id, tt.lang).Outdated; got != tt.want {
			t.Errorf("%s/%s outdated = %v, want %v", tt.id, tt.lang, got, tt.want)
		}
		if got := lib.Article(tt.id).Versions[tt.lang].Outdated; got != tt.want {
			t.Errorf("%s/%s outdated in its Article = %v, want %v", tt.id, tt.lang, got, tt.want)
		}
		if got := lib.BySlug(lib.Version(tt.id, tt.lang).Slug); len(got) != 1 || got[0].Outdated != tt.want {
			t.Errorf("%s/%s by slug = %v, want one version with outdated %v", tt.id, tt.lang, got, tt.want)
		}
	}
	// The versions given are never changed: another Library may serve them.
	for _, v := range vs {
		if v.Outdated {
			t.Errorf("Build set Outdated on the %s/%s it was given", v.ID, v.Lang)
		}
	}
	// Building again from the Library's own versions gives the same flags.
	again, _ := Build(site(), lib.All())
	for _, v := range lib.All() {
		if got := again.Version(v.ID, v.Lang).Outdated; got != v.Outdated {
			t.Errorf("rebuilt %s/%s outdated = %v, want %v", v.ID, v.Lang, got, v.Outdated)
		}
	}
}

func TestSortTitleSwedish(t *testing.T) {
	vs := []*Version{
		ver(t, "o", "sv", "Öppettider", "o", "2020-01-01"),
		ver(t, "z", "sv", "Zoo", "z", "2020-01-03"),
		ver(t, "a", "sv", "Åmål", "a", "2020-01-02"),
		ver(t, "b", "sv", "Bibliotek", "b", "2020-01-02"),
		ver(t, "e", "sv", "Äldreomsorg", "e", "2020-01-02"),
	}
	lib, _ := Build(site(), vs)
	ids := func(order Order) []string {
		got := lib.PublicVersions("sv")
		sortVersions(lib, got, order)
		var out []string
		for _, v := range got {
			out = append(out, v.ID)
		}
		return out
	}
	if diff := cmp.Diff([]string{"b", "z", "a", "e", "o"}, ids(ByTitle)); diff != "" {
		t.Errorf("title order (-want +got):\n%s", diff)
	}
	// Ties on the date break by id.
	if diff := cmp.Diff([]string{"z", "a", "b", "e", "o"}, ids(NewestFirst)); diff != "" {
		t.Errorf("newest first (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"o", "a", "b", "e", "z"}, ids(OldestFirst)); diff != "" {
		t.Errorf("oldest first (-want +got):\n%s", diff)
	}
}

func TestBuildProblems(t *testing.T) {
	tests := []struct {
		name string
		vs   func(t *testing.T) []*Version
		want []string // substrings, one per problem
	}{
		{"second original", func(t *testing.T) []*Version {
			return []*Version{ver(t, "a", "sv", "A", "a", "2020-01-01"), ver(t, "a", "en", "A", "a-en", "2020-01-01")}
		}, []string{"second original"}},
		{"missing source", func(t *testing.T) []*Version {
			return []*Version{ver(t, "a", "sv", "A", "a", "2020-01-01"), ver(t, "a", "en", "A", "a-en", "2020-01-01", from("zh-Hans", "2020-01-01"))}
		}, []string{`has no zh-Hans version`}},
		{"slug twice in a language", func(t *testing.T) []*Version {
			return []*Version{ver(t, "a", "sv", "A", "same", "2020-01-01"), ver(t, "b", "sv", "B", "same", "2020-01-01")}
		}, []string{`slug "same" is already used`}},
		{"slug shared across articles", func(t *testing.T) []*Version {
			return []*Version{ver(t, "a", "sv", "A", "same", "2020-01-01"), ver(t, "b", "sv", "B", "b", "2020-01-01"), ver(t, "b", "en", "B", "same", "2020-01-01", from("sv", "2020-01-01"))}
		}, []string{`already used by article "a"`}},
		{"unknown tag", func(t *testing.T) []*Version {
			return []*Version{ver(t, "a", "sv", "A", "a", "2020-01-01", func(v *Version) { v.Tags = []string{"nope"} })}
		}, []string{`unknown tag "nope"`}},
		{"derived language stored", func(t *testing.T) []*Version {
			return []*Version{ver(t, "a", "zh-Hant", "甲", "a", "2020-01-01")}
		}, []string{"derived from zh-Hans"}},
		{"no original", func(t *testing.T) []*Version {
			return []*Version{ver(t, "a", "en", "A", "a", "2020-01-01", from("sv", "2020-01-01"))}
		}, []string{"has no original"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, problems := Build(site(), tt.vs(t))
			if len(problems) != len(tt.want) {
				t.Fatalf("problems %v, want %d", problems, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(problems[i].Message, w) || problems[i].Path == "" {
					t.Errorf("problem %v, want one about %q", problems[i], w)
				}
			}
		})
	}
}

func TestLookups(t *testing.T) {
	vs := []*Version{
		ver(t, "a", "sv", "A", "a-sv", "2020-01-01", func(v *Version) { v.Aliases = []string{"old-a"}; v.Tags = []string{"t"} }),
		ver(t, "a", "en", "A", "a-en", "2020-01-01", from("sv", "2020-01-01")),
		ver(t, "a", "zh-Hans", "甲", "a-zh", "2020-01-01", from("sv", "2020-01-01"), func(v *Version) { v.Draft = true }),
	}
	lib, _ := Build(site(), vs)
	if got := lib.BySlug("old-a"); len(got) != 1 || got[0].Lang != "sv" {
		t.Errorf("alias lookup: %v", got)
	}
	if lib.Public("a", "zh-Hans") != nil || lib.Version("a", "zh-Hans") == nil {
		t.Error("draft visible publicly or missing from Version")
	}
	if got := site().URL("zh-Hant", "a-zh"); got != "https://x.example/zh-Hant/a-zh" {
		t.Errorf("URL = %q", got)
	}
	if got := site().TagLabel("t", "zh-Hant"); got != "标签" {
		t.Errorf("derived label = %q", got)
	}
}

func TestBySlug(t *testing.T) {
	vs := []*Version{
		ver(t, "a", "sv", "A", "delad", "2020-01-01", func(v *Version) { v.Aliases = []string{"gammal", "gammal"} }),
		ver(t, "a", "en", "A", "delad", "2020-01-01", from("sv", "2020-01-01"), func(v *Version) { v.Aliases = []string{"old"} }),
		ver(t, "a", "zh-Hans", "甲", "a-zh", "2020-01-01", from("sv", "2020-01-01"), func(v *Version) { v.Draft = true }),
		ver(t, "b", "sv", "B", "b", "2020-01-01"),
		ver(t, "b", "en", "B", "old", "2020-01-01", from("sv", "2020-01-01")), // taken by a/en: left out
	}
	lib, problems := Build(site(), vs)
	if len(problems) != 1 {
		t.Fatalf("problems %v, want the one clash", problems)
	}
	for _, tt := range []struct {
		name, slug string
		want       []string // id/lang
	}{
		{"slug of two languages", "delad", []string{"a/sv", "a/en"}},
		{"alias given twice", "gammal", []string{"a/sv"}},
		{"alias", "old", []string{"a/en"}},
		{"draft", "a-zh", nil},
		{"unknown", "nothing", nil},
		{"other article", "b", []string{"b/sv"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := lib.BySlug(tt.slug)
			var ids []string
			for _, v := range got {
				ids = append(ids, v.ID+"/"+v.Lang)
			}
			if diff := cmp.Diff(tt.want, ids); diff != "" {
				t.Errorf("BySlug(%q) (-want +got):\n%s", tt.slug, diff)
			}
			// A caller appending to the result must not change the
			// Library.
			_ = append(got, nil)
			if diff := cmp.Diff(got, lib.BySlug(tt.slug)); diff != "" {
				t.Errorf("BySlug(%q) changed by an append (-before +after):\n%s", tt.slug, diff)
			}
		})
	}
}

func TestBuildEmpty(t *testing.T) {
	for _, tt := range []struct {
		name string
		vs   []*Version
	}{
		{"no versions", nil},
		{"only bad versions", []*Version{ver(t, "a", "fi", "A", "a", "2020-01-01")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lib, _ := Build(site(), tt.vs)
			if lib.Len() != 0 || lib.IDs() != nil || lib.All() != nil || lib.BySlug("a") != nil {
				t.Errorf("Len %d, IDs %v, All %v, BySlug %v; want an empty Library", lib.Len(), lib.IDs(), lib.All(), lib.BySlug("a"))
			}
			sortVersions(lib, lib.All(), ByTitle)
		})
	}
}

// TestSortTitleConcurrent sorts a fresh Library by title from many
// goroutines at once, as requests do after the content changes: the keys
// are made once, and every sort sees them whole (run with -race).
func TestSortTitleConcurrent(t *testing.T) {
	var vs []*Version
	titles := []string{"Öppettider", "Zoo", "Åmål", "Bibliotek", "Äldreomsorg", "apotek"}
	for i, title := range titles {
		vs = append(vs, ver(t, string(rune('a'+i)), "sv", title, string(rune('a'+i)), "2020-01-01"))
	}
	want := []string{"apotek", "Bibliotek", "Zoo", "Åmål", "Äldreomsorg", "Öppettider"}
	lib, _ := Build(site(), vs)
	got := make([][]string, 8)
	var wg sync.WaitGroup
	for g := range got {
		wg.Go(func() {
			list := lib.PublicVersions("sv")
			sortVersions(lib, list, ByTitle)
			for _, v := range list {
				got[g] = append(got[g], v.Title)
			}
		})
	}
	wg.Wait()
	for g := range got {
		if diff := cmp.Diff(want, got[g]); diff != "" {
			t.Errorf("goroutine %d (-want +got):\n%s", g, diff)
		}
	}
}

// TestBuildInvariants builds Libraries of random small trees, full of
// clashes and broken chains, and checks what every Library must hold.
func TestBuildInvariants(t *testing.T) {
	s := site()
	rank := func(lang string) int { return slices.Index(s.Served(), lang) }
	for seed := range uint64(500) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 1))
			pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
			var vs []*Version
			for i := range 1 + rng.IntN(30) {
				v := ver(t, pick("a", "b", "c", "d", "e"), pick("sv", "en", "zh-Hans", "zh-Hant", "fi"), pick("Åmål", "Zoo", "甲"),
					pick("s1", "s2", "s3", "s4", "s5", "s6"), pick("2020-01-01", "2020-02-01"), updated(pick("2020-01-01", "2020-03-01")))
				v.Path = fmt.Sprint(i)
				if o := pick("", "", "sv", "en", "zh-Hans"); o != "" {
					from(o, pick("2020-01-01", "2020-03-01"))(v)
				}
				v.Draft = rng.IntN(5) == 0
				for range rng.IntN(3) {
					v.Aliases = append(v.Aliases, pick("s1", "x1", "x2", "x3"))
				}
				if rng.IntN(8) == 0 {
					v.Tags = []string{"nope"}
				}
				if !slices.ContainsFunc(vs, func(w *Version) bool { return w.ID == v.ID && w.Lang == v.Lang }) {
					vs = append(vs, v)
				}
			}
			lib, _ := Build(s, vs)

			if !slices.IsSorted(lib.IDs()) || lib.Len() != len(lib.IDs()) {
				t.Errorf("IDs %v not sorted or not Len %d", lib.IDs(), lib.Len())
			}
			inArticles := map[*Version]bool{}
			for _, id := range lib.IDs() {
				a := lib.Article(id)
				if a == nil || a.Versions[a.Original] == nil || !a.Versions[a.Original].IsOriginal() {
					t.Fatalf("article %q: %+v, want one with its original", id, a)
				}
				for _, v := range a.Versions {
					inArticles[v] = true
				}
			}
			all := lib.All()
			if !slices.IsSortedFunc(all, func(a, b *Version) int {
				if c := strings.Compare(a.ID, b.ID); c != 0 {
					return c
				}
				return rank(a.Lang) - rank(b.Lang)
			}) {
				t.Errorf("All not by id and language")
			}
			if len(all) != len(inArticles) {
				t.Errorf("All has %d versions, the articles %d", len(all), len(inArticles))
			}
			for _, v := range all {
				if !inArticles[v] || lib.Version(v.ID, v.Lang) != v {
					t.Errorf("%s/%s in All but not in its article", v.ID, v.Lang)
				}
				if v.Draft {
					continue
				}
				for _, name := range append([]string{v.Slug}, v.Aliases...) {
					got := lib.BySlug(name)
					if !slices.Contains(got, v) {
						t.Errorf("BySlug(%q) = %v misses %s/%s", name, got, v.ID, v.Lang)
					}
					if slices.ContainsFunc(got, func(w *Version) bool { return w.Draft || !inArticles[w] }) ||
						len(slices.Compact(slices.Clone(got))) != len(got) {
						t.Errorf("BySlug(%q) = %v holds drafts, strangers or repeats", name, got)
					}
				}
			}
		})
	}
}
