package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/load"
	"github.com/amal-kommun/tolk/internal/pmap"
)

// key identifies a version: an article and a language.
type key struct{ id, lang string }

// candidate is a parsed version offered to a new generation, with the hash
// of the file it was parsed from.
type candidate struct {
	v    *article.Version
	hash string
}

func (c candidate) key() key { return key{c.v.ID, c.v.Lang} }

// generation is one immutable state of the content: a Library and what the
// Store needs to compare it with the next one. Its look-ups are persistent
// maps, shared with the generation it was made from but for what the
// change touched.
type generation struct {
	lib *article.Library
	// site is the site.yaml the Library was built with; nil when none was
	// usable (lib then has an empty site).
	site     *article.Site
	problems []article.Problem // every problem of the tree, sorted
	// build holds article.Build's problems with lib's versions, which a
	// write must not add to.
	build []article.Problem
	// held holds the problems of versions held back for causing them,
	// while the version before is served; heldCands holds those
	// versions, offered again with the backend's next change.
	held      []article.Problem
	heldCands map[key]candidate
	// given holds every version lib was made from (Build's input, the
	// versions it drops included), as parsed (lib holds a copy where
	// Build's Outdated differs), with its file's hash.
	given pmap.Map[key, candidate]
	// names finds the versions of lib.All() (drafts too) by slug and
	// alias, for the clash checks of changed versions.
	names pmap.Map[string, []key]
	// base is the generation g was applied to, and changed what differs
	// between their lib.All(); base is nil for a generation built whole.
	base    *generation
	changed []servedChange
}

// servedChange is a version served by one Library of two and not the
// other, or served by both as different values.
type servedChange struct {
	k      key
	ov, nv *article.Version // nil where not served
}

// public returns the public version of k in g, or nil.
func (g *generation) public(k key) *article.Version {
	if g == nil {
		return nil
	}
	if v := g.lib.Version(k.id, k.lang); v != nil && !v.Draft {
		return v
	}
	return nil
}

// servedHash returns the hash of the file of the version of k that g
// serves, or "" when it serves none.
func (g *generation) servedHash(k key) string {
	if g.lib.Version(k.id, k.lang) == nil {
		return ""
	}
	c, _ := g.given.Get(k)
	return c.hash
}

// changesFrom returns what differs between the versions old and g serve,
// in the order of the Library.
func (g *generation) changesFrom(old *generation) []servedChange {
	if g.base == old && old != nil {
		return g.changed
	}
	var ol *article.Library
	if old != nil {
		ol = old.lib
	}
	return servedDiff(ol, g.lib)
}

// servedDiff walks the versions of a and b (a may be nil), which are in
// article id order, and returns those that differ. Untouched articles
// share their versions, so the walk compares pointers and looks closer
// only where they differ.
func servedDiff(a, b *article.Library) []servedChange {
	var av []*article.Version
	if a != nil {
		av = a.All()
	}
	bv := b.All()
	var out []servedChange
	i, j := 0, 0
	for i < len(av) || j < len(bv) {
		if i < len(av) && j < len(bv) && av[i] == bv[j] {
			i, j = i+1, j+1
			continue
		}
		var id string
		switch {
		case i >= len(av):
			id = bv[j].ID
		case j >= len(bv):
			id = av[i].ID
		default:
			id = min(av[i].ID, bv[j].ID)
		}
		i0, j0 := i, j
		for i < len(av) && av[i].ID == id {
			i++
		}
		for j < len(bv) && bv[j].ID == id {
			j++
		}
		olds, news := av[i0:i], bv[j0:j]
		for _, o := range olds {
			var n *article.Version
			for _, v := range news {
				if v.Lang == o.Lang {
					n = v
				}
			}
			if n != o {
				out = append(out, servedChange{k: key{id, o.Lang}, ov: o, nv: n})
			}
		}
		for _, n := range news {
			if !slices.ContainsFunc(olds, func(o *article.Version) bool { return o.Lang == n.Lang }) {
				out = append(out, servedChange{k: key{id, n.Lang}, nv: n})
			}
		}
	}
	return out
}

// emptySite is the site of a tree without a usable site.yaml.
func emptySite() *article.Site { return &article.Site{Tags: map[string]map[string]string{}} }

// holdBack returns g, built from old with the changed candidates check,
// or when some of those break the rules, build's generation with them
// held back and their problems reported.
func (s *Store) holdBack(old, g *generation, check []candidate, build func(hold map[key]bool) *generation) *generation {
	fresh := introducedAll(old, g)
	hold := make(map[key]bool)
	for _, cd := range check {
		k := cd.key()
		p := cd.v.Path
		prev, _ := old.given.Get(k)
		// Build reports a slug clash in whichever file it checks
		// second, so the clashes of the changed version are found by
		// comparing slugs, not by reading Build's messages.
		cl := newClashes(g, cd.v, old, prev.v)
		if g.lib.Version(k.id, k.lang) == nil || len(cl) > 0 || slices.ContainsFunc(fresh, func(q article.Problem) bool { return q.Path == p }) {
			hold[k] = true
		}
	}
	if len(hold) == 0 {
		return g
	}
	var held []article.Problem
	for _, cd := range check {
		if !hold[cd.key()] {
			continue
		}
		v := cd.v
		for _, q := range g.build {
			if q.Path == v.Path && q.Key != "slug" && q.Key != "aliases" {
				held = append(held, q)
			}
		}
		held = append(held, g.clashes(v)...)
	}
	ng := build(hold)
	ng.held = held
	for _, cd := range check {
		if hold[cd.key()] {
			if ng.heldCands == nil {
				ng.heldCands = make(map[key]candidate)
			}
			ng.heldCands[cd.key()] = cd
		}
	}
	return ng
}

// apply returns the generation of old with the versions of put added
// (each in place of any with its key) and those of removed taken out,
// made with article.Library.Apply: it costs what the change touches.
// Problems, held versions and the base's problems are the caller's.
func (old *generation) apply(put []candidate, removed []key) *generation {
	vs := make([]*article.Version, len(put))
	rm := make([]article.VersionKey, len(removed))
	given := old.given.Edit()
	for i, k := range removed {
		rm[i] = article.VersionKey{ID: k.id, Lang: k.lang}
		given.Delete(k)
	}
	for i, cd := range put {
		vs[i] = cd.v
		given.Set(cd.key(), cd)
	}
	g := &generation{site: old.site, given: given.Done(), base: old}
	g.lib, g.build = old.lib.Apply(vs, rm)
	g.changed = servedDiff(old.lib, g.lib)
	g.names = namesOf(old.names.Edit(), g.changed)
	return g
}

// namesOf returns names with the slugs and aliases of the versions of
// changed updated: those of each old version taken out, those of each new
// one added, by ed, an edit of the names before.
func namesOf(ed *pmap.Edit[string, []key], changed []servedChange) pmap.Map[string, []key] {
	for _, c := range changed {
		if c.ov != nil {
			for _, s := range append([]string{c.ov.Slug}, c.ov.Aliases...) {
				ks, _ := ed.Get(s)
				if i := slices.Index(ks, c.k); i >= 0 {
					if len(ks) == 1 {
						ed.Delete(s)
					} else {
						ed.Set(s, slices.Delete(slices.Clone(ks), i, i+1))
					}
				}
			}
		}
		if c.nv != nil {
			for _, s := range append([]string{c.nv.Slug}, c.nv.Aliases...) {
				ks, _ := ed.Get(s)
				if !slices.Contains(ks, c.k) {
					ed.Set(s, append(slices.Clip(ks), c.k))
				}
			}
		}
	}
	return ed.Done()
}

// clashes returns the problems of v's slug and aliases with those of the
// versions of other articles that g serves (drafts too), located at v's
// keys, each naming the first such version in the Library's order.
// article.Build finds the same clashes but reports each in whichever file
// it checks second, which may be another article's.
func (g *generation) clashes(v *article.Version) []article.Problem {
	var ps []article.Problem
	served := g.lib.Site().Served()
	rank := func(lang string) int {
		if i := slices.Index(served, lang); i >= 0 {
			return i
		}
		return len(served)
	}
	for i, s := range append([]string{v.Slug}, v.Aliases...) {
		key := "slug"
		if i > 0 {
			key = "aliases"
		}
		ks, _ := g.names.Get(s)
		var first *article.Version
		for _, k := range ks {
			o := g.lib.Version(k.id, k.lang)
			if o == nil || o.ID == v.ID || o.Slug != s && !slices.Contains(o.Aliases, s) {
				continue // itself, or its own article, which may share slugs
			}
			if first == nil || cmp.Or(strings.Compare(o.ID, first.ID), cmp.Compare(rank(o.Lang), rank(first.Lang)), strings.Compare(o.Lang, first.Lang)) < 0 {
				first = o
			}
		}
		if first != nil {
			ps = append(ps, article.Problem{Path: v.Path, Line: v.Line(key), Key: key,
				Message: fmt.Sprintf("slug %q is already used by %s", s, first.Path)})
		}
	}
	return ps
}

// newClashes returns the clashes of v's slug and aliases with other
// articles (see clashes) in now that prev, the version v replaces (nil
// when none), did not have in before.
func newClashes(now *generation, v *article.Version, before *generation, prev *article.Version) []article.Problem {
	cl := now.clashes(v)
	if len(cl) == 0 || prev == nil {
		return cl
	}
	type clash struct{ key, message string }
	had := make(map[clash]bool)
	for _, q := range before.clashes(prev) {
		had[clash{q.Key, q.Message}] = true
	}
	var out []article.Problem
	for _, q := range cl {
		if !had[clash{q.Key, q.Message}] {
			out = append(out, q)
		}
	}
	return out
}

// allProblems returns every problem of the content as of g, sorted,
// without repeats: the backend's own, and the rules' across versions.
// The caller holds s.mu.
func (s *Store) allProblems(g *generation) []article.Problem {
	ps := make([]article.Problem, 0, len(s.fileProblems)+len(g.build)+len(g.held))
	ps = append(ps, s.fileProblems...)
	ps = append(ps, g.build...)
	ps = append(ps, g.held...)
	if len(ps) == 0 {
		return nil
	}
	load.SortProblems(ps)
	return slices.Compact(ps)
}

// problemID identifies a problem for comparisons across generations, in
// which line numbers of edited files move.
type problemID struct{ path, message string }

// introduced returns the problems of g's Build that are about the file at
// p, or that g has and old had not: what a write of p would cause. Those
// found in other files are reported as p's, naming the other file, since
// Build reports a clash in whichever file it checks second.
func introduced(old, g *generation, p string) []article.Problem {
	var out []article.Problem
	for _, q := range g.build {
		if q.Path == p {
			out = append(out, q)
		}
	}
	for _, q := range introducedAll(old, g) {
		if q.Path != p {
			out = append(out, article.Problem{Path: p, Line: 1, Key: q.Key, Message: q.Path + ": " + q.Message})
		}
	}
	return out
}

// introducedAll returns the problems of g's Build that old's did not have.
func introducedAll(old, g *generation) []article.Problem {
	had := make(map[problemID]int)
	for _, q := range old.build {
		had[problemID{q.Path, q.Message}]++
	}
	var out []article.Problem
	for _, q := range g.build {
		id := problemID{q.Path, q.Message}
		if had[id] > 0 {
			had[id]--
		} else {
			out = append(out, q)
		}
	}
	return out
}

// write returns the generation of the current one with put added and
// removed taken out, for Put and Delete, and reports the problems the
// change would cause. The problems of files held back stay reported,
// except for the file written, p. The caller holds s.mu.
func (s *Store) write(put []candidate, removed []key, p string) (*generation, []article.Problem) {
	old := s.gen
	g := old.apply(put, removed)
	for _, q := range old.held {
		if q.Path != p {
			g.held = append(g.held, q)
		}
	}
	for k, cd := range old.heldCands {
		if load.VersionPath(k.id, k.lang) != p {
			if g.heldCands == nil {
				g.heldCands = make(map[key]candidate, len(old.heldCands))
			}
			g.heldCands[k] = cd
		}
	}
	return g, introduced(old, g, p)
}

// commit publishes g, whose changes (made at now) have the journal
// entries entries, at the backend's position pos: it updates the index,
// records the changes in the journal and sends their webhooks, makes g
// current (Current) and calls OnChange. An index update that fails is
// logged and repaired by a rebuild in the background; a journal append
// that fails is logged and made good at the next change. A backend that keeps
// the change log has persisted entries already and fills the journal, its
// mirror, itself: the Store then has no journal to append to (see
// openBackend). The caller holds s.mu.
func (s *Store) commit(ctx context.Context, g *generation, changes []change, entries []journal.Entry, now time.Time, pos Position) {
	old := s.gen
	changed := g.changesFrom(old)
	ctx = context.WithoutCancel(ctx) // the change is persisted: finish the job
	if !s.updateIndex(ctx, old, g, changed) || s.ix.Health() != nil {
		s.scheduleRebuild()
	}

	s.gen = g
	g.base, g.changed = nil, nil // let old go
	s.pos = pos

	if s.journal != nil {
		switch {
		case s.journalBehind:
			s.catchUp(g, false)
		case len(entries) > 0:
			if err := s.journal.Append(entries...); err != nil {
				s.log.Error("append to change journal; retrying in the background", "err", err)
				s.journalBehind = true
				s.scheduleJournalRetry()
			}
		}
	}
	if s.opts.Notify != nil {
		for _, c := range changes {
			s.opts.Notify(c.event(now))
		}
	}
	for _, c := range changes {
		s.log.Info("content changed", "op", c.op, "id", c.id, "lang", c.lang, "slug", c.slug)
	}
	s.publish(g)
}

// updateIndex brings the index from old to g, whose served versions differ
// by changed, and reports whether every update succeeded. A failure, even
// a panic inside the index, is logged: the files are written, so the
// change is published whatever the index does, and a rebuild repairs it.
// The caller holds s.mu.
func (s *Store) updateIndex(ctx context.Context, old, g *generation, changed []servedChange) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("update search index: panic", "panic", r)
			ok = false
		}
	}()
	ok = true
	for _, c := range changed {
		k := c.k
		switch {
		case c.nv == nil:
			if err := s.ix.Delete(ctx, k.id, k.lang); err != nil {
				s.log.Error("delete from search index", "id", k.id, "lang", k.lang, "err", err)
				ok = false
			}
		case c.ov == nil || old.servedHash(k) != g.servedHash(k):
			if err := s.ix.Upsert(ctx, c.nv); err != nil {
				s.log.Error("update search index", "id", k.id, "lang", k.lang, "err", err)
				ok = false
			}
		}
	}
	return ok
}

// change is one upsert or delete of a public version, as the journal and
// the webhooks see it: a draft is not public, so publishing a draft is an
// upsert and turning a version into a draft a delete.
type change struct {
	id, lang string
	op       journal.Op
	slug     string
	hash     string // the file's; "" for deletes and derived languages
	url      string
	prevURL  string // for a changed slug and for a delete; "" otherwise
	prevSlug string // for an upsert that changed the slug; "" otherwise
}

// diff returns the changes from old to g, whose served versions differ by
// changed, by article id and then language, each stored language followed
// by the languages derived from it.
func diff(old, g *generation, changed []servedChange) []change {
	keys := make(map[key]bool, len(changed))
	for _, c := range changed {
		if old.servedHash(c.k) != g.servedHash(c.k) || (c.ov == nil) != (c.nv == nil) {
			keys[c.k] = true
		}
	}
	sorted := sortedKeys(keys, g.lib.Site())
	var out []change
	for _, k := range sorted {
		ov, nv := old.public(k), g.public(k)
		switch {
		case nv != nil && (ov == nil || old.servedHash(k) != g.servedHash(k)):
			site := g.lib.Site()
			c := change{id: k.id, lang: k.lang, op: journal.Upsert, slug: nv.Slug, hash: g.servedHash(k)}
			prevSlug := ""
			if ov != nil && ov.Slug != nv.Slug {
				prevSlug = ov.Slug
			}
			out = append(out, withDerived(c, site, old.lib.Site(), prevSlug)...)
		case nv == nil && ov != nil:
			site := old.lib.Site()
			c := change{id: k.id, lang: k.lang, op: journal.Delete, slug: ov.Slug}
			out = append(out, withDerived(c, site, site, ov.Slug)...)
		}
	}
	return out
}

// withDerived fills in the URLs of c from site (and those of the previous
// slug from prevSite) and returns it followed by the same change in every
// language derived from c's.
func withDerived(c change, site, prevSite *article.Site, prevSlug string) []change {
	out := []change{c}
	for _, d := range site.Derived {
		if d.From == c.lang {
			dc := c
			dc.lang, dc.hash = d.Tag, ""
			out = append(out, dc)
		}
	}
	for i := range out {
		out[i].url = site.URL(out[i].lang, out[i].slug)
		if prevSlug != "" {
			out[i].prevURL = prevSite.URL(out[i].lang, prevSlug)
			if c.op == journal.Upsert {
				out[i].prevSlug = prevSlug
			}
		}
	}
	return out
}

// sortedKeys returns keys ordered by article id and then by site's
// language order.
func sortedKeys(keys map[key]bool, site *article.Site) []key {
	rank := make(map[string]int)
	for i, l := range site.Served() {
		rank[l] = i
	}
	r := func(l string) int {
		if i, ok := rank[l]; ok {
			return i
		}
		return len(rank)
	}
	out := make([]key, 0, len(keys))
	for k := range keys {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b key) int {
		return cmp.Or(strings.Compare(a.id, b.id), cmp.Compare(r(a.lang), r(b.lang)), strings.Compare(a.lang, b.lang))
	})
	return out
}
