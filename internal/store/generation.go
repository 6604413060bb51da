package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/load"
)

// key identifies a version: an article and a language.
type key struct{ id, lang string }

// versionPath returns the slash path of the version file of k.
func versionPath(id, lang string) string {
	return load.ArticlesDir + "/" + id + "/" + lang + ".md"
}

// splitVersionPath returns the article id and language of the version file
// at slash path p, and false when p is not the path of a version file.
func splitVersionPath(p string) (id, lang string, ok bool) {
	rest, ok := strings.CutPrefix(p, load.ArticlesDir+"/")
	if !ok {
		return "", "", false
	}
	id, file, ok := strings.Cut(rest, "/")
	if !ok || strings.Contains(file, "/") {
		return "", "", false
	}
	lang, ok = strings.CutSuffix(file, ".md")
	return id, lang, ok && id != "" && lang != ""
}

// candidate is a parsed version offered to a new generation, with the hash
// of the file it was parsed from.
type candidate struct {
	v    *article.Version
	hash string
}

// generation is one immutable state of the content: a Library and what the
// Store needs to compare it with the next one.
type generation struct {
	lib      *article.Library
	problems []article.Problem // every problem of the tree, sorted
	// build holds article.Build's problems with lib's versions, which a
	// write must not add to.
	build []article.Problem
	// held holds the problems of files whose new version was held back
	// for causing them, while their last good version is served.
	held []article.Problem
	// parsed and hashes hold, for every version in lib, the version as
	// parsed (lib holds a copy where Build's Outdated differs) and its
	// file's hash.
	parsed map[key]*article.Version
	hashes map[key]string
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

// served returns the versions of the current generation as candidates: what
// writes build on. The caller holds s.mu.
func (s *Store) served() map[key]candidate {
	c := make(map[key]candidate, len(s.gen.parsed)+1)
	for k, v := range s.gen.parsed {
		c[k] = candidate{v, s.gen.hashes[k]}
	}
	return c
}

// candidates returns the last good version of every file: what a re-scan
// builds on. The caller holds s.mu.
func (s *Store) candidates() map[key]candidate {
	var c map[key]candidate
	if s.gen != nil {
		c = make(map[key]candidate, len(s.gen.parsed)+1)
	} else {
		c = make(map[key]candidate)
	}
	for _, f := range s.folders {
		for _, e := range f.entries {
			if e.good != nil {
				c[key{e.good.ID, e.good.Lang}] = candidate{e.good, e.goodHash}
			}
		}
	}
	return c
}

// emptySite is the site of a tree without a usable site.yaml.
func emptySite() *article.Site { return &article.Site{Tags: map[string]map[string]string{}} }

// buildSite returns the site to build with, and false when no usable
// site.yaml was ever read.
func (s *Store) buildSite() (*article.Site, bool) {
	if s.site == nil {
		return emptySite(), false
	}
	return s.site, true
}

// fromDisk builds the generation of the files on disk. A changed file whose
// version article.Build rejects, or that causes a problem Build did not
// report before (its slug clashes with another article's, which Build
// reports in whichever file it checks second), is held back: its last
// good version stays served, or none when it is new, and the problems it
// causes are reported. The caller holds s.mu.
func (s *Store) fromDisk() *generation {
	site, ok := s.buildSite()
	c := s.candidates()
	if !ok {
		c = nil // without languages, every version would be reported again
	}
	g := buildOnce(site, c)
	if old := s.gen; old != nil && ok {
		fresh := introducedAll(old, g)
		var hold []key
		now := newSlugIndex(g.lib)
		before := sync.OnceValue(func() slugIndex { return newSlugIndex(old.lib) })
		for k, cd := range c {
			if old.hashes[k] == cd.hash {
				continue // served as it is
			}
			p := cd.v.Path
			// Build reports a slug clash in whichever file it checks
			// second, so the clashes of the changed version are found
			// by comparing slugs, not by reading Build's messages.
			cl := newClashes(now, cd.v, before, old.parsed[k])
			if g.parsed[k] != cd.v || len(cl) > 0 || slices.ContainsFunc(fresh, func(q article.Problem) bool { return q.Path == p }) {
				hold = append(hold, k)
			}
		}
		if len(hold) > 0 {
			var held []article.Problem
			for _, k := range hold {
				v := c[k].v
				for _, q := range g.build {
					if q.Path == v.Path && q.Key != "slug" && q.Key != "aliases" {
						held = append(held, q)
					}
				}
				held = append(held, now.clashes(v)...)
				if prev := old.parsed[k]; prev != nil {
					c[k] = candidate{prev, old.hashes[k]}
				} else {
					delete(c, k)
				}
			}
			g = buildOnce(site, c)
			g.held = held
		}
	}
	g.problems = s.allProblems(g)
	return g
}

// slugIndex finds the versions of a Library by slug or alias, in the
// Library's order.
type slugIndex map[string][]*article.Version

func newSlugIndex(lib *article.Library) slugIndex {
	ix := make(slugIndex, len(lib.All()))
	for _, o := range lib.All() {
		ix[o.Slug] = append(ix[o.Slug], o)
		for _, a := range o.Aliases {
			if a != o.Slug {
				ix[a] = append(ix[a], o)
			}
		}
	}
	return ix
}

// clashes returns what slugClashes does, for the Library of ix.
func (ix slugIndex) clashes(v *article.Version) []article.Problem {
	var ps []article.Problem
	for i, s := range append([]string{v.Slug}, v.Aliases...) {
		key := "slug"
		if i > 0 {
			key = "aliases"
		}
		for _, o := range ix[s] {
			if o.ID != v.ID {
				ps = append(ps, article.Problem{Path: v.Path, Line: v.Line(key), Key: key,
					Message: fmt.Sprintf("slug %q is already used by %s", s, o.Path)})
				break
			}
		}
	}
	return ps
}

// newClashes returns the clashes of v's slug and aliases with other
// articles (see slugClashes) in the Library of now that prev, the version
// v replaces (nil when none), did not have in the Library of before,
// which it builds only when needed.
func newClashes(now slugIndex, v *article.Version, before func() slugIndex, prev *article.Version) []article.Problem {
	cl := now.clashes(v)
	if len(cl) == 0 || prev == nil {
		return cl
	}
	type clash struct{ key, message string }
	had := make(map[clash]bool)
	for _, q := range before().clashes(prev) {
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

// buildOnce runs article.Build over the candidates, which Build leaves
// unchanged: generations share the versions that did not change.
func buildOnce(site *article.Site, c map[key]candidate) *generation {
	vs := make([]*article.Version, 0, len(c))
	for _, cd := range c {
		vs = append(vs, cd.v)
	}
	g := &generation{
		parsed: make(map[key]*article.Version, len(vs)),
		hashes: make(map[key]string, len(vs)),
	}
	// Fill parsed and hashes with every candidate while Build runs, and
	// then leave out those it did not keep.
	filled := make(chan struct{})
	go func() {
		defer close(filled)
		for k, cd := range c {
			g.parsed[k], g.hashes[k] = cd.v, cd.hash
		}
	}()
	g.lib, g.build = article.Build(site, vs)
	<-filled
	if all := g.lib.All(); len(all) < len(c) {
		kept := make(map[key]bool, len(all))
		for _, v := range all {
			kept[key{v.ID, v.Lang}] = true
		}
		for k := range c {
			if !kept[k] {
				delete(g.parsed, k)
				delete(g.hashes, k)
			}
		}
	}
	return g
}

// allProblems returns every problem of the tree as of g, sorted, without
// repeats. The caller holds s.mu.
func (s *Store) allProblems(g *generation) []article.Problem {
	var ps []article.Problem
	ps = append(ps, s.siteProblems...)
	ps = append(ps, s.topProblems...)
	for _, f := range s.folders {
		ps = append(ps, f.problems...)
		for _, e := range f.entries {
			ps = append(ps, e.problems...)
		}
	}
	ps = append(ps, g.build...)
	ps = append(ps, g.held...)
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

// write builds the generation of the served versions with c applied, for
// Put and Delete, and reports the problems the change would cause. The
// problems of files held back stay reported, except for the file written.
// The caller holds s.mu.
func (s *Store) write(c map[key]candidate, p string) (*generation, []article.Problem) {
	site, _ := s.buildSite()
	g := buildOnce(site, c)
	for _, q := range s.gen.held {
		if q.Path != p {
			g.held = append(g.held, q)
		}
	}
	return g, introduced(s.gen, g, p)
}

// commit publishes g: it updates the index, records the changes in the
// journal and sends their webhooks, makes g current (Current) and calls OnChange. An
// index update that fails is logged and repaired by a rebuild in the
// background; a journal append that fails is logged and made good at the
// next change. The caller holds s.mu.
func (s *Store) commit(ctx context.Context, g *generation) {
	old := s.gen
	ctx = context.WithoutCancel(ctx) // the files are written: finish the job
	if !s.updateIndex(ctx, old, g) || s.ix.Health() != nil {
		s.scheduleRebuild()
	}

	s.gen = g
	s.pos++ // the file backend counts its changes

	now := time.Now().UTC()
	changes := diff(old, g)
	if s.journal != nil {
		if s.journalBehind {
			s.catchUp(g, false)
		} else if len(changes) > 0 {
			if err := s.journal.Append(journalEntries(changes, now, false)...); err != nil {
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

// updateIndex brings the index from old to g and reports whether every
// update succeeded. A failure, even a panic inside the index, is logged:
// the files are written, so the change is published whatever the index
// does, and a rebuild repairs it. The caller holds s.mu.
func (s *Store) updateIndex(ctx context.Context, old, g *generation) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("update search index: panic", "panic", r)
			ok = false
		}
	}()
	ok = true
	for _, v := range g.lib.All() {
		k := key{v.ID, v.Lang}
		if old.hashes[k] == g.hashes[k] {
			continue
		}
		if err := s.ix.Upsert(ctx, v); err != nil {
			s.log.Error("update search index", "id", v.ID, "lang", v.Lang, "err", err)
			ok = false
		}
	}
	for k := range old.hashes {
		if _, in := g.hashes[k]; in {
			continue
		}
		if err := s.ix.Delete(ctx, k.id, k.lang); err != nil {
			s.log.Error("delete from search index", "id", k.id, "lang", k.lang, "err", err)
			ok = false
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

// diff returns the changes from old to g, by article id and then language,
// each stored language followed by the languages derived from it.
func diff(old, g *generation) []change {
	keys := make(map[key]bool)
	for k, h := range old.hashes {
		if g.hashes[k] != h {
			keys[k] = true
		}
	}
	for k, h := range g.hashes {
		if old.hashes[k] != h {
			keys[k] = true
		}
	}
	sorted := sortedKeys(keys, g.lib.Site())
	var out []change
	for _, k := range sorted {
		ov, nv := old.public(k), g.public(k)
		switch {
		case nv != nil && (ov == nil || old.hashes[k] != g.hashes[k]):
			site := g.lib.Site()
			c := change{id: k.id, lang: k.lang, op: journal.Upsert, slug: nv.Slug, hash: g.hashes[k]}
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
