package article

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"sort"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// Problem is one thing wrong with a content tree, located in a file.
type Problem struct {
	Path    string `json:"path"`
	Line    int    `json:"line"`
	Message string `json:"message"`
	// Key is the front-matter key the problem is about ("body" for the
	// Markdown, "" for the file as a whole), so that the write API can
	// point at the offending field.
	Key string `json:"-"`
}

// String formats p as path:line: message, the form editors' tools jump to.
func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.Path, p.Line, p.Message)
	}
	return fmt.Sprintf("%s: %s", p.Path, p.Message)
}

// Article is all stored versions of one article.
type Article struct {
	ID string
	// Original is the language of the version with no translated_from.
	Original string
	// Versions holds every stored version by language, drafts included.
	Versions map[string]*Version
}

// Public returns the version in lang, or nil when there is none or it is a
// draft.
func (a *Article) Public(lang string) *Version {
	v := a.Versions[lang]
	if v == nil || v.Draft {
		return nil
	}
	return v
}

// Order is a sort order for lists of versions.
type Order int

// The orders of GET /v1/articles.
const (
	NewestFirst Order = iota // -published
	OldestFirst              // published
	ByTitle                  // title, collated in each version's language
)

// ParseOrder parses the sort parameter of the list endpoint.
func ParseOrder(s string) (Order, bool) {
	switch s {
	case "-published":
		return NewestFirst, true
	case "published":
		return OldestFirst, true
	case "title":
		return ByTitle, true
	}
	return 0, false
}

// Library is an immutable collection of articles. Build makes one; its
// methods are safe for concurrent use and never modify it.
type Library struct {
	site      *Site
	articles  map[string]*Article
	ids       []string              // sorted
	slugs     map[string][]*Version // slug or alias → public versions
	titleKey  map[*Version]keySpan  // collation keys for ByTitle, in titleKeys
	titleKeys []byte
	langRank  map[string]int // display order of languages
	versions  []*Version     // every stored version, by id then language order
}

// Build checks the rules that span versions (one original per article, a
// translation's source exists, slugs and aliases unique, tags and languages
// known), computes which translations are outdated, and returns the Library
// of the versions that passed together with every problem found. A version
// that breaks a rule is left out; the rest are served.
func Build(site *Site, versions []*Version) (*Library, []Problem) {
	lib := &Library{
		site:     site,
		articles: make(map[string]*Article),
		slugs:    make(map[string][]*Version),
		titleKey: make(map[*Version]keySpan),
		langRank: make(map[string]int),
	}
	for i, l := range site.Served() {
		lib.langRank[l] = i
	}
	var problems []Problem
	report := func(v *Version, key, format string, args ...any) {
		problems = append(problems, Problem{Path: v.Path, Line: v.Line(key), Message: fmt.Sprintf(format, args...), Key: key})
	}

	sorted := slices.Clone(versions)
	slices.SortFunc(sorted, func(a, b *Version) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(lib.rank(a.Lang), lib.rank(b.Lang)), cmp.Compare(a.Lang, b.Lang))
	})

	// Per-version rules that need the site.
	var ok []*Version
	bad := make(map[*Version]bool)
	for _, v := range sorted {
		good := true
		if !site.Stored(v.Lang) {
			if site.DerivedFrom(v.Lang) != "" {
				report(v, "", "language %q is derived from %s and never stored", v.Lang, site.DerivedFrom(v.Lang))
			} else {
				report(v, "", "language %q is not one of the site's languages %v", v.Lang, site.Languages)
			}
			good = false
		}
		for _, t := range v.Tags {
			if _, known := site.Tags[t]; !known {
				report(v, "tags", "unknown tag %q (add it to site.yaml)", t)
				bad[v] = true // checked further, so every problem is reported, then left out
			}
		}
		if good {
			ok = append(ok, v)
		}
	}

	// Group by article; exactly one original each.
	groups := make(map[string][]*Version)
	for _, v := range ok {
		groups[v.ID] = append(groups[v.ID], v)
	}
	var kept []*Version
	for _, id := range sortedKeys(groups) {
		vs := groups[id]
		a := &Article{ID: id, Versions: make(map[string]*Version)}
		for _, v := range vs {
			if v.IsOriginal() {
				if a.Original != "" {
					report(v, "", "second original of article %q (%s is the original; add translated_from)", id, a.Versions[a.Original].Path)
					continue
				}
				a.Original = v.Lang
			}
			a.Versions[v.Lang] = v
		}
		if a.Original == "" {
			for _, v := range vs {
				report(v, "translated_from", "article %q has no original (one version must have no translated_from)", id)
			}
			continue
		}
		// A translation needs its source; drop translations whose chain
		// does not reach the original.
		for changed := true; changed; {
			changed = false
			for _, v := range vs {
				if v.IsOriginal() || a.Versions[v.Lang] != v {
					continue
				}
				if v.TranslatedFrom == v.Lang {
					report(v, "translated_from", "translated_from names the version's own language %q", v.Lang)
				} else if a.Versions[v.TranslatedFrom] == nil {
					report(v, "translated_from", "translated_from %q: article %q has no %s version", v.TranslatedFrom, id, v.TranslatedFrom)
				} else if !reachesOriginal(a, v) {
					report(v, "translated_from", "translated_from %q forms a cycle that never reaches the original", v.TranslatedFrom)
				} else {
					continue
				}
				delete(a.Versions, v.Lang)
				changed = true
			}
		}
		for _, v := range vs {
			if a.Versions[v.Lang] == v {
				kept = append(kept, v)
			}
		}
		lib.articles[id] = a
	}

	// Slugs and aliases: unique per language; one slug may serve two
	// languages only within one article.
	perLang := make(map[string]map[string]*Version) // lang → slug → version
	anyLang := make(map[string]*Version)            // slug → first version using it
	var final []*Version
	for _, v := range kept {
		if perLang[v.Lang] == nil {
			perLang[v.Lang] = make(map[string]*Version)
		}
		clash := false
		names := append([]string{v.Slug}, v.Aliases...)
		for i, s := range names {
			key := "slug"
			if i > 0 {
				key = "aliases"
			}
			if other := perLang[v.Lang][s]; other != nil && other != v {
				report(v, key, "slug %q is already used by %s", s, other.Path)
				clash = true
			} else if other := anyLang[s]; other != nil && other.ID != v.ID {
				report(v, key, "slug %q is already used by article %q (%s)", s, other.ID, other.Path)
				clash = true
			} else if i > 0 && s == v.Slug {
				report(v, key, "alias %q repeats the slug", s)
				clash = true
			}
		}
		if clash {
			// A clashing original takes its article's translations with
			// it only in the index; the translations stay valid.
			if a := lib.articles[v.ID]; a != nil && a.Versions[v.Lang] == v && !v.IsOriginal() {
				delete(a.Versions, v.Lang)
			}
			if v.IsOriginal() {
				final = append(final, v) // keep the article whole; the problem is reported
			}
			continue
		}
		for _, s := range names {
			perLang[v.Lang][s] = v
			if anyLang[s] == nil {
				anyLang[s] = v
			}
		}
		final = append(final, v)
	}
	// Leave out the versions found bad along the way; an article whose
	// original is bad goes whole, as its translations have no source.
	for v := range bad {
		if a := lib.articles[v.ID]; a != nil && v.IsOriginal() && a.Versions[v.Lang] == v {
			delete(lib.articles, v.ID)
		}
	}
	final = slices.DeleteFunc(final, func(v *Version) bool {
		a := lib.articles[v.ID]
		if a == nil {
			return true
		}
		if bad[v] {
			delete(a.Versions, v.Lang)
			return true
		}
		return false
	})
	lib.versions = final

	for _, id := range sortedKeys(lib.articles) {
		lib.ids = append(lib.ids, id)
	}
	for _, v := range final {
		v.Outdated = outdated(lib.articles[v.ID], v, 0)
		if v.Draft {
			continue
		}
		seen := make(map[string]bool)
		for _, s := range append([]string{v.Slug}, v.Aliases...) {
			if !seen[s] {
				seen[s] = true
				lib.slugs[s] = append(lib.slugs[s], v)
			}
		}
	}
	collators := make(map[string]*collate.Collator)
	var buf collate.Buffer
	for _, v := range final {
		c := collators[v.Lang]
		if c == nil {
			c = collate.New(language.Make(v.Lang), collate.IgnoreCase)
			collators[v.Lang] = c
		}
		k := c.KeyFromString(&buf, v.Title)
		lib.titleKey[v] = keySpan{uint32(len(lib.titleKeys)), uint32(len(k))}
		lib.titleKeys = append(lib.titleKeys, k...)
		buf.Reset()
	}
	return lib, problems
}

// keySpan locates one collation key in Library.titleKeys: all keys share
// one array, so thousands of versions cost the collector one object.
type keySpan struct{ off, n uint32 }

// key returns the collation key of v's title.
func (l *Library) key(v *Version) []byte {
	k := l.titleKey[v]
	return l.titleKeys[k.off : k.off+k.n]
}

func reachesOriginal(a *Article, v *Version) bool {
	for range len(a.Versions) + 1 {
		if v == nil {
			return false
		}
		if v.IsOriginal() {
			return true
		}
		v = a.Versions[v.TranslatedFrom]
	}
	return false
}

func outdated(a *Article, v *Version, depth int) bool {
	if a == nil || v.IsOriginal() || depth > len(a.Versions) {
		return false
	}
	src := a.Versions[v.TranslatedFrom]
	if src == nil {
		return false
	}
	if src.Updated.Time.After(v.SourceUpdated.Time) {
		return true
	}
	return outdated(a, src, depth+1)
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (l *Library) rank(lang string) int {
	if r, ok := l.langRank[lang]; ok {
		return r
	}
	return len(l.langRank)
}

// Site returns the site configuration the Library was built with.
func (l *Library) Site() *Site { return l.site }

// Len returns the number of articles.
func (l *Library) Len() int { return len(l.ids) }

// IDs returns the ids of all articles in ascending order. The caller must
// not modify the slice.
func (l *Library) IDs() []string { return l.ids }

// Article returns the article with id, or nil.
func (l *Library) Article(id string) *Article { return l.articles[id] }

// Version returns the stored version of article id in lang, drafts
// included, or nil.
func (l *Library) Version(id, lang string) *Version {
	if a := l.articles[id]; a != nil {
		return a.Versions[lang]
	}
	return nil
}

// Public returns the public (non-draft) stored version of article id in
// lang, or nil.
func (l *Library) Public(id, lang string) *Version {
	if a := l.articles[id]; a != nil {
		return a.Public(lang)
	}
	return nil
}

// All returns every stored version, drafts included, ordered by article id
// and then by the site's language order. The caller must not modify it.
func (l *Library) All() []*Version { return l.versions }

// PublicVersions returns the public versions in lang (every language when
// lang is empty), ordered by article id.
func (l *Library) PublicVersions(lang string) []*Version {
	var out []*Version
	for _, v := range l.versions {
		if !v.Draft && (lang == "" || v.Lang == lang) {
			out = append(out, v)
		}
	}
	return out
}

// BySlug returns the public versions whose slug or one of whose aliases is
// slug, ordered by article id and language.
func (l *Library) BySlug(slug string) []*Version { return l.slugs[slug] }

// Translations returns the public stored versions of article id other than
// lang, in the site's language order.
func (l *Library) Translations(id, lang string) []*Version {
	a := l.articles[id]
	if a == nil {
		return nil
	}
	var out []*Version
	for _, lg := range l.site.Languages {
		if v := a.Public(lg); v != nil && lg != lang {
			out = append(out, v)
		}
	}
	return out
}

// HasTags reports whether v carries every tag in tags.
func HasTags(v *Version, tags []string) bool {
	for _, t := range tags {
		if !slices.Contains(v.Tags, t) {
			return false
		}
	}
	return true
}

// Sort sorts vs in order; ties break by article id and then language.
// Titles are compared by collation keys of each version's own language, so
// Swedish titles put å, ä and ö after z.
func (l *Library) Sort(vs []*Version, order Order) {
	slices.SortStableFunc(vs, func(a, b *Version) int { return l.Compare(a, b, order) })
}

// Compare compares two versions of the Library in order, as Sort does.
func (l *Library) Compare(a, b *Version, order Order) int {
	var c int
	switch order {
	case NewestFirst:
		c = b.Published.Time.Compare(a.Published.Time)
	case OldestFirst:
		c = a.Published.Time.Compare(b.Published.Time)
	case ByTitle:
		c = bytes.Compare(l.key(a), l.key(b))
	}
	return cmp.Or(c, cmp.Compare(a.ID, b.ID), cmp.Compare(l.rank(a.Lang), l.rank(b.Lang)))
}
