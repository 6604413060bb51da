package article

import (
	"cmp"
	"slices"
	"strings"

	"github.com/amal-kommun/tolk/internal/pmap"
)

// VersionKey names a version: its article's id and its language.
type VersionKey struct {
	ID, Lang string
}

// Key returns the key of v.
func (v *Version) Key() VersionKey { return VersionKey{v.ID, v.Lang} }

// Apply returns the Library of the versions l was made from (the versions
// given to Build, or to the Applys that led to l, whether served or not)
// with those of removed taken out and those of put added, each in place
// of any with its key, together with every problem of the result. The
// result and its problems are exactly what Build over that set of
// versions gives; the versions' order aside, Build over the same set is
// Apply's specification. A key in both removed and put is put; of two
// versions in put with one key, the last counts; a removed key l does not
// have is ignored.
//
// Apply costs what the change touches: it redoes the rules for the
// articles of put and removed, and for the articles whose slugs or
// aliases one of theirs shares (whose slug rules a change can turn), and
// shares every other article, look-up and title key with l. l is not
// changed: readers holding it keep a valid, unchanged Library. Like
// Build, Apply never modifies the versions it is given.
func (l *Library) Apply(put []*Version, removed []VersionKey) (*Library, []Problem) {
	changes := make(map[string]map[string]*Version) // id → lang → version, nil to remove
	for _, k := range removed {
		if changes[k.ID] == nil {
			changes[k.ID] = make(map[string]*Version)
		}
		changes[k.ID][k.Lang] = nil
	}
	for _, v := range put {
		if changes[v.ID] == nil {
			changes[v.ID] = make(map[string]*Version)
		}
		changes[v.ID][v.Lang] = v
	}
	nl := &Library{site: l.site, langRank: l.langRank}
	entries := l.entries.Edit()
	claims := l.claims.Edit()
	fresh := make(map[string]map[string]*Version) // id → the kept versions by language checkArticle made

	// The rules within an article, for the articles changed; and the
	// slugs and aliases they claimed before or claim now, whose rules
	// the change may turn.
	affected := make(map[string]bool)
	var names []string
	for id, langs := range changes {
		old, _ := l.entries.Get(id)
		given := nl.regroup(old, langs)
		if old != nil {
			names = appendNames(names, old.kept)
			dropClaims(claims, old)
		}
		affected[id] = true
		if len(given) == 0 {
			entries.Delete(id)
			continue
		}
		e := &entry{}
		fresh[id] = nl.checkArticle(e, id, given)
		entries.Set(id, e)
		names = appendNames(names, e.kept)
		addClaims(claims, e)
	}

	// Every article claiming one of those names, and one of theirs, and
	// so on: the slug rules give the same over that closed set as over
	// the whole.
	seen := make(map[string]bool, len(names))
	for len(names) > 0 {
		s := names[len(names)-1]
		names = names[:len(names)-1]
		if seen[s] {
			continue
		}
		seen[s] = true
		c, ok := claims.Get(s)
		if !ok {
			continue
		}
		for _, id := range append([]string{c.id}, c.more...) {
			if affected[id] {
				continue
			}
			affected[id] = true
			if e, ok := entries.Get(id); ok {
				names = appendNames(names, e.kept)
			}
		}
	}
	ids := make([]string, 0, len(affected))
	for id := range affected {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var redo []*entry // in id order
	for _, id := range ids {
		e, ok := entries.Get(id)
		if !ok {
			continue
		}
		if _, checked := fresh[id]; !checked {
			c := *e // a copy: e is l's
			e = &c
			entries.Set(id, e)
		}
		redo = append(redo, e)
	}
	claimSlugs(redo)
	for _, e := range redo {
		nl.settle(e, fresh[e.id])
	}
	nl.entries, nl.claims = entries.Done(), claims.Done()

	// The look-ups across articles: spliced where the change is.
	nl.ids = splice(l.ids, ids, func(id string) []string {
		if e, ok := nl.entries.Get(id); ok && e.article != nil {
			return []string{id}
		}
		return nil
	}, strings.Compare)
	if len(nl.ids) == 0 {
		nl.ids = nil
	}
	nl.versions = spliceVersions(l.versions, ids, func(id string) []*Version {
		e, _ := nl.entries.Get(id)
		if e == nil {
			return nil
		}
		return e.final
	})
	nl.problemIDs = splice(l.problemIDs, ids, func(id string) []string {
		if e, ok := nl.entries.Get(id); ok && e.hasProblems() {
			return []string{id}
		}
		return nil
	}, strings.Compare)
	gone, added := nl.reindexSlugs(l, ids)
	if t := l.title.Load(); t != nil {
		nl.title.Store(t.update(gone, added))
	}
	return nl, nl.problems()
}

// regroup returns the versions given for an article, old's (nil for a
// new article) with the changes of langs (nil to remove), in the site's
// language order.
func (l *Library) regroup(old *entry, langs map[string]*Version) []*Version {
	var given []*Version
	if old != nil {
		for _, v := range old.given {
			if _, changed := langs[v.Lang]; !changed {
				given = append(given, v)
			}
		}
	}
	for _, v := range langs {
		if v != nil {
			given = append(given, v)
		}
	}
	slices.SortStableFunc(given, func(a, b *Version) int {
		return l.byLanguage(ranked{a, l.rank(a.Lang)}, ranked{b, l.rank(b.Lang)})
	})
	return given
}

// appendNames appends the slugs and aliases of vs to names.
func appendNames(names []string, vs []*Version) []string {
	for _, v := range vs {
		names = append(names, v.Slug)
		names = append(names, v.Aliases...)
	}
	return names
}

// dropClaims removes e's claims to the names of its kept versions.
func dropClaims(claims *pmap.Edit[string, claim], e *entry) {
	for _, v := range e.kept {
		for i := range 1 + len(v.Aliases) {
			s, _ := name(v, i)
			c, ok := claims.Get(s)
			switch {
			case !ok:
			case c.id == e.id && len(c.more) == 0:
				claims.Delete(s)
			case c.id == e.id:
				claims.Set(s, claim{id: c.more[0], more: slices.Clip(c.more[1:])})
			case slices.Contains(c.more, e.id):
				c.more = slices.DeleteFunc(slices.Clone(c.more), func(id string) bool { return id == e.id })
				claims.Set(s, c)
			}
		}
	}
}

// splice returns sorted with the elements of the keys in changed (sorted)
// replaced by what now gives for each. key orders the elements of sorted.
func splice[T any](sorted []T, changed []string, now func(string) []T, compare func(T, string) int) []T {
	out := make([]T, 0, len(sorted)+len(changed))
	i := 0
	for _, id := range changed {
		lo, _ := slices.BinarySearchFunc(sorted[i:], id, compare)
		lo += i
		hi := lo
		for hi < len(sorted) && compare(sorted[hi], id) == 0 {
			hi++
		}
		out = append(out, sorted[i:lo]...)
		out = append(out, now(id)...)
		i = hi
	}
	return append(out, sorted[i:]...)
}

// spliceVersions is splice for versions, grouped by article id. It
// returns nil for no versions, as All does.
func spliceVersions(all []*Version, changed []string, now func(string) []*Version) []*Version {
	out := splice(all, changed, now, func(v *Version, id string) int { return strings.Compare(v.ID, id) })
	if len(out) == 0 {
		return nil
	}
	return out
}

// reindexSlugs makes nl's slug index from old's, redoing the slugs and
// aliases of the public versions of the articles ids, before and now. It
// returns the versions of those articles that left and that came.
func (nl *Library) reindexSlugs(old *Library, ids []string) (gone, added []*Version) {
	touched := make(map[string]bool, len(ids))
	for _, id := range ids {
		touched[id] = true
		if e, ok := old.entries.Get(id); ok {
			gone = append(gone, e.final...)
		}
		if e, ok := nl.entries.Get(id); ok {
			added = append(added, e.final...)
		}
	}
	names := make(map[string]bool)
	for _, vs := range [][]*Version{gone, added} {
		for _, v := range vs {
			forNames(v, func(s string) { names[s] = true })
		}
	}
	slugs := old.slugs.Edit()
	for s := range names {
		vs, _ := old.slugs.Get(s)
		vs = slices.DeleteFunc(slices.Clone(vs), func(v *Version) bool { return touched[v.ID] })
		for _, v := range added {
			forNames(v, func(t string) {
				if t == s {
					vs = append(vs, v)
				}
			})
		}
		if len(vs) == 0 {
			slugs.Delete(s)
			continue
		}
		slices.SortStableFunc(vs, func(a, b *Version) int {
			return cmp.Or(strings.Compare(a.ID, b.ID), nl.byLanguage(ranked{a, nl.rank(a.Lang)}, ranked{b, nl.rank(b.Lang)}))
		})
		slugs.Set(s, slices.Clip(vs))
	}
	nl.slugs = slugs.Done()
	return gone, added
}
