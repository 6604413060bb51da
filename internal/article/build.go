package article

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/amal-kommun/tolk/internal/pmap"
)

// Build checks the rules that span versions (one original per article, a
// translation's source exists, slugs and aliases unique, tags and languages
// known), computes which translations are outdated, and returns the Library
// of the versions that passed together with every problem found. A version
// that breaks a rule is left out; the rest are served.
//
// Build never modifies the versions it is given, so that they can be
// shared with other Libraries: one whose Outdated flag is not what Build
// computes is served as a copy with the right flag.
//
// Build works in phases, each but the slug rules within one article, which
// is what lets Apply redo only the articles a change touches:
//
//   - checkArticle: the rules within an article (languages and tags the
//     site knows, one original, translation chains that reach it);
//   - claimSlugs: slugs and aliases unique, over the articles in id order;
//   - settle: what is served of each article, and which translations are
//     outdated;
//   - assemble: the look-ups across articles.
func Build(site *Site, versions []*Version) (*Library, []Problem) {
	lib := newLibrary(site)
	ids, sorted, spans := lib.group(versions)
	entries := make([]*entry, len(ids))
	all := make([]entry, len(ids)) // one allocation for all
	scratch := make([]map[string]*Version, len(ids))
	given := make([]*Version, len(sorted)) // backs every entry's given
	for i, r := range sorted {
		given[i] = r.v
	}
	for i, id := range ids {
		sp := spans[i]
		group := given[sp.off : sp.off+sp.n : sp.off+sp.n]
		entries[i] = &all[i]
		scratch[i] = lib.checkArticle(entries[i], id, group)
	}
	claimSlugs(entries)
	for i, e := range entries {
		lib.settle(e, scratch[i])
	}
	lib.assemble(entries, len(versions))
	return lib, lib.problems()
}

// newLibrary returns an empty Library of site.
func newLibrary(site *Site) *Library {
	served := site.Served()
	lib := &Library{site: site, langRank: make(map[string]int, len(served))}
	for i, l := range served {
		lib.langRank[l] = i
	}
	return lib
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
			slices.SortStableFunc(vs, l.byLanguage)
		}
	}
	return ids, sorted, spans
}

// byLanguage orders the versions of one article: by the site's language
// order, then by tag for languages the site does not have.
func (l *Library) byLanguage(a, b ranked) int {
	return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.v.Lang, b.v.Lang))
}

// checkArticle fills e with what the rules within one article make of
// group, its versions in language order: the problems of versions in a
// language the site does not store or with a tag it does not know, of a
// second original, of an article with none, and of translations whose
// chain does not reach the original; and the versions kept. It returns
// the kept versions by language, for settle to take over.
func (l *Library) checkArticle(e *entry, id string, group []*Version) map[string]*Version {
	site := l.site
	*e = entry{id: id, given: group}
	report := func(ps *[]Problem, v *Version, key, format string, args ...any) {
		*ps = append(*ps, Problem{Path: v.Path, Line: v.Line(key), Message: fmt.Sprintf(format, args...), Key: key})
	}

	// Per-version rules that need the site. A version in a language that
	// is not stored drops out; one with an unknown tag stays until settle,
	// so that every problem of the tree is reported.
	dropped := false
	for _, v := range group {
		if !site.Stored(v.Lang) {
			dropped = true
			if from := site.DerivedFrom(v.Lang); from != "" {
				report(&e.siteProblems, v, "", "language %q is derived from %s and never stored", v.Lang, from)
			} else {
				report(&e.siteProblems, v, "", "language %q is not one of the site's languages %v", v.Lang, site.Languages)
			}
		}
		for _, t := range v.Tags {
			if _, known := site.Tags[t]; !known {
				report(&e.siteProblems, v, "tags", "unknown tag %q (add it to site.yaml)", t)
			}
		}
	}
	stored := group
	if dropped { // group is shared: filter a copy
		stored = slices.DeleteFunc(slices.Clone(group), func(v *Version) bool { return !site.Stored(v.Lang) })
	}
	if len(stored) == 0 {
		return nil
	}

	// Exactly one original per article.
	a := &Article{ID: id, Versions: make(map[string]*Version, len(stored))}
	for _, v := range stored {
		if v.IsOriginal() {
			if a.Original != "" {
				report(&e.articleProblems, v, "", "second original of article %q (%s is the original; add translated_from)", id, a.Versions[a.Original].Path)
				continue
			}
			a.Original = v.Lang
		}
		a.Versions[v.Lang] = v
	}
	if a.Original == "" {
		for _, v := range stored {
			report(&e.articleProblems, v, "translated_from", "article %q has no original (one version must have no translated_from)", id)
		}
		return nil
	}
	// A translation needs its source; drop translations whose chain does
	// not reach the original.
	for changed := true; changed; {
		changed = false
		for _, v := range stored {
			if v.IsOriginal() || a.Versions[v.Lang] != v {
				continue
			}
			if v.TranslatedFrom == v.Lang {
				report(&e.articleProblems, v, "translated_from", "translated_from names the version's own language %q", v.Lang)
			} else if a.Versions[v.TranslatedFrom] == nil {
				report(&e.articleProblems, v, "translated_from", "translated_from %q: article %q has no %s version", v.TranslatedFrom, id, v.TranslatedFrom)
			} else if !reachesOriginal(a, v) {
				report(&e.articleProblems, v, "translated_from", "translated_from %q forms a cycle that never reaches the original", v.TranslatedFrom)
			} else {
				continue
			}
			delete(a.Versions, v.Lang)
			changed = true
		}
	}
	e.original = a.Original
	e.kept = stored // shared with given while nothing is left out
	if len(a.Versions) < len(stored) {
		e.kept = make([]*Version, 0, len(a.Versions))
		for _, v := range stored {
			if a.Versions[v.Lang] == v {
				e.kept = append(e.kept, v)
			}
		}
	}
	return a.Versions
}

// claimSlugs applies the slug rules to the kept versions of entries, in
// id order: slugs and aliases unique per language; one slug may serve two
// languages only within one article. So the versions that take a slug
// are of one article, one per language. A version whose name is taken
// clashes; it takes none of its names.
//
// The rules for a version look only at the versions that took its names
// before it, so they give the same over any set of entries that holds,
// with each entry, every entry claiming one of its names (see Apply).
func claimSlugs(entries []*entry) {
	total, kept := 0, 0
	for _, e := range entries {
		kept += len(e.kept)
		for _, v := range e.kept {
			total += 1 + len(v.Aliases)
		}
	}
	taken := make(map[string][]*Version, total) // slug → the versions that took it, first first
	takers := make([]*Version, 0, total)        // backs each slug's first taker
	clash := make([]bool, kept)                 // backs each entry's clash
	for _, e := range entries {
		e.clash, clash = clash[:len(e.kept):len(e.kept)], clash[len(e.kept):]
		e.slugProblems = nil
		for k, v := range e.kept {
			report := func(key, format string, args ...any) {
				e.slugProblems = append(e.slugProblems, Problem{Path: v.Path, Line: v.Line(key), Message: fmt.Sprintf(format, args...), Key: key})
				e.clash[k] = true
			}
			for i := range 1 + len(v.Aliases) {
				s, key := name(v, i)
				ts := taken[s]
				if other := inLang(ts, v.Lang); other != nil && other != v {
					report(key, "slug %q is already used by %s", s, other.Path)
				} else if len(ts) > 0 && ts[0].ID != v.ID {
					report(key, "slug %q is already used by article %q (%s)", s, ts[0].ID, ts[0].Path)
				} else if i > 0 && s == v.Slug {
					report(key, "alias %q repeats the slug", s)
				}
			}
			if e.clash[k] {
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
		}
	}
}

// settle decides what is served of e once the slug rules have run: its
// kept versions but the translations that clash (a clashing original
// keeps its article whole; the problem is reported) and those with an
// unknown tag, nothing when the original has one, as its translations
// would have no source; and it sets Outdated, on copies where the flag of
// a version given differs. versions, when not nil, holds e's kept versions
// by language, for settle to own; otherwise it makes its own.
func (l *Library) settle(e *entry, versions map[string]*Version) {
	e.article, e.final = nil, nil
	if e.original == "" {
		return
	}
	// final shares kept's array until it leaves a version out or
	// replaces one: kept may be another Library's.
	final := e.kept
	if slices.Contains(e.clash, true) || len(e.siteProblems) > 0 {
		final = make([]*Version, 0, len(e.kept))
		for i, v := range e.kept {
			if !e.clash[i] || v.IsOriginal() {
				final = append(final, v)
			}
		}
	}
	if len(e.siteProblems) > 0 { // there may be unknown tags
		for _, v := range final {
			if v.IsOriginal() && l.unknownTag(v) {
				return
			}
		}
		final = slices.DeleteFunc(final, l.unknownTag)
	}
	owned := len(final) == 0 || &final[0] != &e.kept[0]
	if versions == nil || len(versions) != len(final) {
		versions = make(map[string]*Version, len(final))
		for _, v := range final {
			versions[v.Lang] = v
		}
	}
	a := &Article{ID: e.id, Original: e.original, Versions: versions}
	for i, v := range final {
		if o := outdated(a, v, 0); o != v.Outdated {
			// A copy: the versions given may be served by another
			// Library. outdated reads no Outdated flag, so the rest of
			// the article may still see v.
			c := *v
			c.Outdated = o
			if !owned {
				final, owned = slices.Clone(final), true
			}
			final[i] = &c
			a.Versions[v.Lang] = &c
		}
	}
	e.article, e.final = a, final
}

// unknownTag reports whether v has a tag the site does not know.
func (l *Library) unknownTag(v *Version) bool {
	for _, t := range v.Tags {
		if _, known := l.site.Tags[t]; !known {
			return true
		}
	}
	return false
}

// assemble makes the look-ups across the articles of entries, which are
// in id order; n is the number of versions given.
func (l *Library) assemble(entries []*entry, n int) {
	served, total, public := 0, 0, 0
	for _, e := range entries {
		if e.article != nil {
			served++
			total += len(e.final)
		}
	}
	ed := pmap.NewEdit[string, *entry](len(entries))
	claims := pmap.NewEdit[string, claim](n)
	if served > 0 { // IDs and All stay nil for an empty Library
		l.ids = make([]string, 0, served)
		l.versions = make([]*Version, 0, total)
	}
	for _, e := range entries {
		ed.Set(e.id, e)
		addClaims(claims, e)
		if e.hasProblems() {
			l.problemIDs = append(l.problemIDs, e.id)
		}
		if e.article != nil {
			l.ids = append(l.ids, e.id)
			l.versions = append(l.versions, e.final...)
		}
	}
	l.entries, l.claims = ed.Done(), claims.Done()

	// Each slug's versions lie side by side in one array.
	for _, v := range l.versions {
		if !v.Draft {
			public += 1 + len(v.Aliases)
		}
	}
	slugs := pmap.NewEdit[string, []*Version](public)
	counts := make(map[string]int, public)
	for _, v := range l.versions {
		forNames(v, func(s string) { counts[s]++ })
	}
	slab, off := make([]*Version, public), 0
	for _, v := range l.versions {
		forNames(v, func(s string) {
			vs, ok := slugs.Get(s)
			if !ok {
				n := counts[s]
				vs, off = slab[off:off:off+n], off+n
			}
			slugs.Set(s, append(vs, v))
		})
	}
	l.slugs = slugs.Done()
}

// forNames calls f with each distinct slug and alias of v when v is
// public, as BySlug finds it.
func forNames(v *Version, f func(string)) {
	if v.Draft {
		return
	}
names:
	for i := range 1 + len(v.Aliases) {
		s, _ := name(v, i)
		for j := range i {
			if t, _ := name(v, j); t == s {
				continue names
			}
		}
		f(s)
	}
}

// addClaims records that e claims the names of its kept versions.
func addClaims(claims *pmap.Edit[string, claim], e *entry) {
	for _, v := range e.kept {
		for i := range 1 + len(v.Aliases) {
			s, _ := name(v, i)
			c, ok := claims.Get(s)
			switch {
			case !ok:
				claims.Set(s, claim{id: e.id})
			case c.id == e.id || slices.Contains(c.more, e.id):
			default:
				c.more = append(slices.Clip(c.more), e.id)
				claims.Set(s, c)
			}
		}
	}
}

// problems returns every problem of the Library, in Build's order: the
// problems with the site, then within articles, then with slugs, each in
// article id order.
func (l *Library) problems() []Problem {
	var out []Problem
	for phase := range 3 {
		for _, id := range l.problemIDs {
			e, _ := l.entries.Get(id)
			switch phase {
			case 0:
				out = append(out, e.siteProblems...)
			case 1:
				out = append(out, e.articleProblems...)
			case 2:
				out = append(out, e.slugProblems...)
			}
		}
	}
	return out
}
