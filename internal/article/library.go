package article

import (
	"bytes"
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

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
	site     *Site
	articles map[string]*Article
	ids      []string // sorted
	// slugs maps each slug and alias to the span of slugged that holds
	// its public versions.
	slugs     map[string]uint32 // → index in slugSpans
	slugSpans []span
	slugged   []*Version
	langRank  map[string]int // display order of languages
	versions  []*Version     // every stored version, by id then language order
	// The collation keys for ByTitle are made on first use: most
	// Libraries (one per change to the content) never sort by title.
	titleOnce sync.Once
	title     *titleKeys
}

// ranked is a version with its language's place in the site's order.
type ranked struct {
	v    *Version
	rank int
}

// Build checks the rules that span versions (one original per article, a
// translation's source exists, slugs and aliases unique, tags and languages
// known), computes which translations are outdated, and returns the Library
// of the versions that passed together with every problem found. A version
// that breaks a rule is left out; the rest are served.
//
// Build never modifies the versions it is given, so that they can be
// shared with other Libraries: one whose Outdated flag is not what Build
// computes is served as a copy with the right flag.
func Build(site *Site, versions []*Version) (*Library, []Problem) {
	served := site.Served()
	lib := &Library{
		site:     site,
		langRank: make(map[string]int, len(served)),
	}
	for i, l := range served {
		lib.langRank[l] = i
	}
	var problems []Problem
	report := func(v *Version, key, format string, args ...any) {
		problems = append(problems, Problem{Path: v.Path, Line: v.Line(key), Message: fmt.Sprintf(format, args...), Key: key})
	}

	ids, sorted, spans := lib.group(versions)

	// Per-version rules that need the site. A version in a language that
	// is not stored drops out of its group.
	bad := make(map[*Version]bool)
	for i, sp := range spans {
		n := uint32(0)
		for _, e := range sorted[sp.off : sp.off+sp.n] {
			v := e.v
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
				sorted[sp.off+n] = e
				n++
			}
		}
		spans[i].n = n
	}

	// Exactly one original per article.
	lib.articles = make(map[string]*Article, len(ids))
	articles := make([]Article, len(ids)) // one allocation for all
	kept := sorted[:0]                    // filled in place: never ahead of the group being read
	for i, id := range ids {
		group := sorted[spans[i].off : spans[i].off+spans[i].n]
		if len(group) == 0 {
			continue
		}
		a := &articles[i]
		*a = Article{ID: id, Versions: make(map[string]*Version, len(group))}
		for _, e := range group {
			v := e.v
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
			for _, e := range group {
				report(e.v, "translated_from", "article %q has no original (one version must have no translated_from)", id)
			}
			continue
		}
		// A translation needs its source; drop translations whose chain
		// does not reach the original.
		for changed := true; changed; {
			changed = false
			for _, e := range group {
				v := e.v
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
		for _, e := range group {
			if a.Versions[e.v.Lang] == e.v {
				kept = append(kept, e)
			}
		}
		lib.articles[id] = a
	}

	// Slugs and aliases: unique per language; one slug may serve two
	// languages only within one article. So the versions that take a slug
	// are of one article, one per language.
	total := 0
	for _, e := range kept {
		total += 1 + len(e.v.Aliases)
	}
	taken := make(map[string][]*Version, total) // slug → the versions that took it, first first
	takers := make([]*Version, 0, total)        // backs each slug's first taker
	final := make([]*Version, 0, len(kept))
	for _, e := range kept {
		v := e.v
		clash := false
		for i := range 1 + len(v.Aliases) {
			s, key := name(v, i)
			ts := taken[s]
			if other := inLang(ts, v.Lang); other != nil && other != v {
				report(v, key, "slug %q is already used by %s", s, other.Path)
				clash = true
			} else if len(ts) > 0 && ts[0].ID != v.ID {
				report(v, key, "slug %q is already used by article %q (%s)", s, ts[0].ID, ts[0].Path)
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
		for i := range 1 + len(v.Aliases) {
			s, _ := name(v, i)
			if ts, ok := taken[s]; ok {
				taken[s] = append(ts, v)
			} else {
				takers = append(takers, v)
				taken[s] = takers[len(takers)-1 : len(takers) : len(takers)]
			}
		}
		final = append(final, v)
	}
	if len(final) == 0 {
		final = nil // All returns nil, not an empty slice, when nothing passed
	}
	// Leave out the versions found bad along the way; an article whose
	// original is bad goes whole, as its translations have no source.
	// Without bad versions every version in final has its article.
	if len(bad) > 0 {
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
	}
	lib.versions = final

	if len(lib.articles) > 0 { // IDs stays nil for an empty Library
		lib.ids = make([]string, 0, len(lib.articles))
	}
	for _, id := range ids {
		if lib.articles[id] != nil {
			lib.ids = append(lib.ids, id)
		}
	}
	var a *Article // final is grouped by id: look each article up once
	for i, v := range final {
		if a == nil || a.ID != v.ID {
			a = lib.articles[v.ID]
		}
		if o := outdated(a, v, 0); o != v.Outdated {
			// A copy: the versions given may be served by another
			// Library. outdated reads no Outdated flag, so the rest of
			// the article may still see v.
			c := *v
			c.Outdated = o
			final[i] = &c
			if a.Versions[v.Lang] == v {
				a.Versions[v.Lang] = &c
			}
		}
	}
	lib.indexSlugs()
	return lib, problems
}

// group groups versions by article: it returns the ids in order and the
// versions in sorted, each article's in the span of the same index, in the
// site's language order. Sorting the ids of the articles is much cheaper
// than sorting every version.
func (l *Library) group(versions []*Version) (ids []string, sorted []ranked, spans []span) {
	hint := len(versions)
	if n := len(l.site.Languages); n > 1 {
		hint = hint/n + 1
	}
	index := make(map[string]int, hint) // id → group
	idOf := make([]string, 0, hint)     // group → its article's id
	size := make([]int, 0, hint)        // group → its number of versions
	of := make([]int, len(versions))    // index in versions → group
	for i, v := range versions {
		g, seen := index[v.ID]
		if !seen {
			g = len(idOf)
			index[v.ID] = g
			idOf = append(idOf, v.ID)
			size = append(size, 0)
		}
		of[i] = g
		size[g]++
	}
	byID := make([]int, len(idOf)) // the groups in id order
	for g := range byID {
		byID[g] = g
	}
	slices.SortFunc(byID, func(a, b int) int { return strings.Compare(idOf[a], idOf[b]) })
	ids = make([]string, len(byID))
	spans = make([]span, len(byID))
	fill := make([]int, len(byID)) // group → where its next version goes in sorted
	off := 0
	for i, g := range byID {
		ids[i] = idOf[g]
		spans[i] = span{uint32(off), uint32(size[g])}
		fill[g] = off
		off += size[g]
	}
	sorted = make([]ranked, len(versions))
	for i, v := range versions {
		sorted[fill[of[i]]] = ranked{v, l.rank(v.Lang)}
		fill[of[i]]++
	}
	for _, sp := range spans {
		if vs := sorted[sp.off : sp.off+sp.n]; len(vs) > 1 {
			slices.SortStableFunc(vs, func(a, b ranked) int {
				return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.v.Lang, b.v.Lang))
			})
		}
	}
	return ids, sorted, spans
}

// indexSlugs makes the index of the public versions by slug and alias:
// each slug's versions lie side by side in one array, found through a map
// of small values.
func (l *Library) indexSlugs() {
	total := 0
	for _, v := range l.versions {
		if !v.Draft {
			total += 1 + len(v.Aliases)
		}
	}
	type use struct {
		slug uint32 // index in slugSpans
		v    *Version
	}
	uses := make([]use, 0, total)
	l.slugs = make(map[string]uint32, total)
	l.slugSpans = make([]span, 0, total)
	for _, v := range l.versions {
		if v.Draft {
			continue
		}
	names:
		for i := range 1 + len(v.Aliases) {
			s, _ := name(v, i)
			for j := range i {
				if t, _ := name(v, j); t == s {
					continue names
				}
			}
			k, ok := l.slugs[s]
			if !ok {
				k = uint32(len(l.slugSpans))
				l.slugs[s] = k
				l.slugSpans = append(l.slugSpans, span{})
			}
			l.slugSpans[k].n++
			uses = append(uses, use{k, v})
		}
	}
	next := uint32(0)
	for k := range l.slugSpans {
		l.slugSpans[k].off = next
		next += l.slugSpans[k].n
		l.slugSpans[k].n = 0 // counts again as the span fills
	}
	l.slugged = make([]*Version, len(uses))
	for _, u := range uses {
		sp := &l.slugSpans[u.slug]
		l.slugged[sp.off+sp.n] = u.v
		sp.n++
	}
}

// name returns v's slug for i 0 and its alias i-1 otherwise, with the
// front-matter key that holds it.
func name(v *Version, i int) (string, string) {
	if i == 0 {
		return v.Slug, "slug"
	}
	return v.Aliases[i-1], "aliases"
}

// inLang returns the last of vs in lang, or nil.
func inLang(vs []*Version, lang string) *Version {
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i].Lang == lang {
			return vs[i]
		}
	}
	return nil
}

// titleKeys holds the collation keys of the Library's titles.
type titleKeys struct {
	span map[*Version]span // in keys
	keys []byte
}

// span locates a run of elements in an array that many runs share, so
// that thousands of them cost the collector one object.
type span struct{ off, n uint32 }

// titles returns the collation keys of the titles, making them on the
// first call.
func (l *Library) titles() *titleKeys {
	l.titleOnce.Do(func() { l.title = l.collateTitles() })
	return l.title
}

// collateTitles makes the collation key of every version's title in its
// own language. It splits the work over the processors, as the first sort
// by title waits for it.
func (l *Library) collateTitles() *titleKeys {
	vs := l.versions
	type part struct {
		keys  []byte
		spans []span // of the part's versions, in order
	}
	parts := make([]part, min(runtime.GOMAXPROCS(0), len(vs)/1000+1))
	bound := func(p int) int { return p * len(vs) / len(parts) }
	var wg sync.WaitGroup
	for p := range parts {
		wg.Go(func() { parts[p].keys, parts[p].spans = titleKeysOf(vs[bound(p):bound(p+1)]) })
	}
	wg.Wait()
	size := 0
	for _, p := range parts {
		size += len(p.keys)
	}
	t := &titleKeys{span: make(map[*Version]span, len(vs)), keys: make([]byte, 0, size)}
	for i, p := range parts {
		off := uint32(len(t.keys))
		t.keys = append(t.keys, p.keys...)
		for j, k := range p.spans {
			t.span[vs[bound(i)+j]] = span{off + k.off, k.n}
		}
	}
	return t
}

// titleKeysOf returns the collation keys of the titles of vs, one after
// the other, and where each one is.
func titleKeysOf(vs []*Version) ([]byte, []span) {
	size := 0
	for _, v := range vs {
		size += len(v.Title)
	}
	keys := make([]byte, 0, 5*size) // about what Swedish and Chinese titles take
	spans := make([]span, len(vs))
	collators := make(map[string]*collate.Collator)
	buf := new(collate.Buffer)
	for i, v := range vs {
		c := collators[v.Lang]
		if c == nil {
			c = collate.New(language.Make(v.Lang), collate.IgnoreCase)
			collators[v.Lang] = c
		}
		k := c.KeyFromString(buf, v.Title)
		spans[i] = span{uint32(len(keys)), uint32(len(k))}
		keys = append(keys, k...)
		buf.Reset()
	}
	return keys, spans
}

// key returns the collation key of v's title, empty for a version not in
// the Library.
func (t *titleKeys) key(v *Version) []byte {
	k := t.span[v]
	return t.keys[k.off : k.off+k.n]
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
func (l *Library) BySlug(slug string) []*Version {
	k, ok := l.slugs[slug]
	if !ok {
		return nil
	}
	sp := l.slugSpans[k]
	return l.slugged[sp.off : sp.off+sp.n : sp.off+sp.n]
}

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
// Swedish titles put å, ä and ö after z. The first sort by title of a
// Library, by Sort or Compare, makes the keys of all its titles, which
// takes tens of milliseconds for tens of thousands of versions.
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
		t := l.titles()
		c = bytes.Compare(t.key(a), t.key(b))
	}
	return cmp.Or(c, cmp.Compare(a.ID, b.ID), cmp.Compare(l.rank(a.Lang), l.rank(b.Lang)))
}
