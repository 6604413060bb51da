package article

import (
	"strings"
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
		lib.Sort(got, order)
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
	if got := lib.Translations("a", "sv"); len(got) != 1 || got[0].Lang != "en" {
		t.Errorf("translations of sv: %v", got)
	}
	if got := site().URL("zh-Hant", "a-zh"); got != "https://x.example/zh-Hant/a-zh" {
		t.Errorf("URL = %q", got)
	}
	if got := site().TagLabel("t", "zh-Hant"); got != "标签" {
		t.Errorf("derived label = %q", got)
	}
}
