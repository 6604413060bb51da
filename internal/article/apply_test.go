package article

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// snapshot is what every exported method of a Library answers, over the
// ids, languages and names a test uses.
type snapshot struct {
	Site     *Site
	Len      int
	IDs      []string
	All      []*Version
	Articles map[string]*Article
	Versions map[string]*Version // id/lang → Version
	Public   map[string]*Version // id/lang → Public
	Lists    map[string][]*Version
	BySlug   map[string][]*Version
	Orders   map[Order][]string // All sorted by Compare
}

func observe(lib *Library, ids, langs, names []string) snapshot {
	s := snapshot{
		Site: lib.Site(), Len: lib.Len(), IDs: slices.Clone(lib.IDs()), All: slices.Clone(lib.All()),
		Articles: map[string]*Article{}, Versions: map[string]*Version{}, Public: map[string]*Version{},
		Lists: map[string][]*Version{}, BySlug: map[string][]*Version{}, Orders: map[Order][]string{},
	}
	if lib.IDs() == nil {
		s.IDs = nil
	}
	if lib.All() == nil {
		s.All = nil
	}
	for _, id := range ids {
		s.Articles[id] = lib.Article(id)
		for _, lang := range langs {
			s.Versions[id+"/"+lang] = lib.Version(id, lang)
			s.Public[id+"/"+lang] = lib.Public(id, lang)
		}
	}
	for _, lang := range append([]string{""}, langs...) {
		s.Lists[lang] = lib.PublicVersions(lang)
	}
	for _, n := range names {
		s.BySlug[n] = lib.BySlug(n)
	}
	for _, o := range []Order{NewestFirst, OldestFirst, ByTitle} {
		vs := slices.Clone(lib.All())
		sortVersions(lib, vs, o)
		for _, v := range vs {
			s.Orders[o] = append(s.Orders[o], v.ID+"/"+v.Lang)
		}
	}
	return s
}

// corpus makes random versions over small sets of ids, languages and
// names, so that clashes, second originals, broken chains, unknown tags
// and languages are common.
type corpus struct {
	rng               *rand.Rand
	ids, langs, names []string
	n                 int
}

func (c *corpus) pick(xs ...string) string { return xs[c.rng.IntN(len(xs))] }

func (c *corpus) version(t *testing.T) *Version {
	c.n++
	v := ver(t, c.pick(c.ids...), c.pick(c.langs...), c.pick("Åmål", "Zoo", "甲", "apotek", "Öppettider"),
		c.pick(c.names[:6]...), c.pick("2020-01-01", "2020-02-01"), updated(c.pick("2020-01-01", "2020-03-01")))
	v.Path = fmt.Sprintf("%s/%s#%d", v.ID, v.Lang, c.n)
	if o := c.pick("", "", "sv", "en", "zh-Hans"); o != "" {
		from(o, c.pick("2020-01-01", "2020-03-01"))(v)
	}
	v.Draft = c.rng.IntN(5) == 0
	for range c.rng.IntN(3) {
		v.Aliases = append(v.Aliases, c.pick(c.names...))
	}
	if c.rng.IntN(8) == 0 {
		v.Tags = []string{c.pick("nope", "t")}
	}
	if c.rng.IntN(10) == 0 {
		v.Outdated = true // Build and Apply must not trust it
	}
	return v
}

// TestApplyIsBuild applies random sequences of puts and removals to
// Libraries of random trees and checks that each result answers every
// exported method, and reports every problem, exactly as Build over the
// resulting versions does; that the Library applied to is unchanged; and
// that the versions given are never modified.
func TestApplyIsBuild(t *testing.T) {
	s := site()
	for seed := range uint64(100) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			c := &corpus{rng: rand.New(rand.NewPCG(seed, 3)),
				ids:   []string{"a", "b", "c", "d", "e", "f"},
				langs: []string{"sv", "en", "zh-Hans", "zh-Hant", "fi"},
				names: []string{"s1", "s2", "s3", "s4", "s5", "s6", "x1", "x2", "x3"},
			}
			set := map[VersionKey]*Version{}
			for range c.rng.IntN(25) {
				v := c.version(t)
				set[v.Key()] = v
			}
			given := map[*Version]Version{} // every version given, as given
			for _, v := range set {
				given[v] = *v
			}
			lib, _ := Build(s, slices.Collect(maps.Values(set)))
			for step := range 20 {
				var put []*Version
				var removed []VersionKey
				for range c.rng.IntN(4) {
					v := c.version(t)
					put = append(put, v)
					given[v] = *v
				}
				for range c.rng.IntN(3) {
					if keys := slices.Collect(maps.Keys(set)); len(keys) > 0 && c.rng.IntN(4) > 0 {
						removed = append(removed, keys[c.rng.IntN(len(keys))])
					} else {
						removed = append(removed, VersionKey{c.pick(c.ids...), c.pick(c.langs...)})
					}
				}
				if c.rng.IntN(2) == 0 {
					lib.titles() // Apply carries made keys over
				}
				for _, k := range removed {
					delete(set, k)
				}
				for _, v := range put {
					set[v.Key()] = v
				}
				before := observe(lib, c.ids, c.langs, c.names)
				got, gotProblems := lib.Apply(put, removed)
				want, wantProblems := Build(s, slices.Collect(maps.Values(set)))
				if diff := cmp.Diff(wantProblems, gotProblems); diff != "" {
					t.Fatalf("step %d: problems (-Build +Apply):\n%s", step, diff)
				}
				if diff := cmp.Diff(observe(want, c.ids, c.langs, c.names), observe(got, c.ids, c.langs, c.names)); diff != "" {
					t.Fatalf("step %d: put %v removed %v: (-Build +Apply):\n%s", step, keys(put), removed, diff)
				}
				if diff := cmp.Diff(before, observe(lib, c.ids, c.langs, c.names)); diff != "" {
					t.Fatalf("step %d: Apply changed the Library it was applied to (-before +after):\n%s", step, diff)
				}
				lib = got
			}
			for v, was := range given {
				if diff := cmp.Diff(was, *v); diff != "" {
					t.Fatalf("a version given was modified (-given +now):\n%s", diff)
				}
			}
		})
	}
}

func keys(vs []*Version) []VersionKey {
	var out []VersionKey
	for _, v := range vs {
		out = append(out, v.Key())
	}
	return out
}

// TestApplyGenerated applies edits like the write API's to a Library of a
// realistic generated tree: retitled, retagged and renamed versions (some
// taking another article's slug), new articles, and removals.
func TestApplyGenerated(t *testing.T) {
	s := benchSite()
	vs := benchVersions(100)
	set := map[VersionKey]*Version{}
	for _, v := range vs {
		set[v.Key()] = v
	}
	lib, problems := Build(s, vs)
	if len(problems) > 0 {
		t.Fatalf("generated tree: %v", problems)
	}
	rng := rand.New(rand.NewPCG(4, 5))
	var ids, names []string
	for _, v := range vs {
		ids = append(ids, v.ID)
		names = append(names, v.Slug)
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	for step := range 24 {
		all := lib.All()
		var put []*Version
		var removed []VersionKey
		switch step % 4 {
		case 0: // edit a version
			c := *all[rng.IntN(len(all))]
			c.Title = strings.ToUpper(c.Title)
			c.Updated = c.Published
			c.Draft = rng.IntN(3) == 0
			put = append(put, &c)
		case 1: // take another's slug, or an alias
			c := *all[rng.IntN(len(all))]
			if rng.IntN(2) == 0 {
				c.Slug = names[rng.IntN(len(names))]
			} else {
				c.Aliases = append(slices.Clip(c.Aliases), names[rng.IntN(len(names))])
			}
			put = append(put, &c)
		case 2: // a new article in two languages
			id := fmt.Sprintf("new-%d", step)
			sv := &Version{ID: id, Lang: "sv", Path: id + "/sv", Title: "Ny", Slug: id, Published: all[0].Published, Updated: all[0].Published}
			en := &Version{ID: id, Lang: "en", Path: id + "/en", Title: "New", Slug: "en-" + id, Published: sv.Published, Updated: sv.Published,
				TranslatedFrom: "sv", SourceUpdated: sv.Published}
			put = append(put, sv, en)
			ids = append(ids, id)
		case 3: // remove a version, an original now and then
			v := all[rng.IntN(len(all))]
			removed = append(removed, v.Key())
		}
		for _, k := range removed {
			delete(set, k)
		}
		for _, v := range put {
			set[v.Key()] = v
		}
		got, gotProblems := lib.Apply(put, removed)
		want, wantProblems := Build(s, slices.Collect(maps.Values(set)))
		if diff := cmp.Diff(wantProblems, gotProblems); diff != "" {
			t.Fatalf("step %d: problems (-Build +Apply):\n%s", step, diff)
		}
		langs := []string{"sv", "en", "zh-Hans", "zh-Hant"}
		if diff := cmp.Diff(observe(want, ids, langs, names), observe(got, ids, langs, names)); diff != "" {
			t.Fatalf("step %d: (-Build +Apply):\n%s", step, diff)
		}
		lib = got
	}
}
