package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/amal-kommun/tolk/index"
	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/pmap"
)

// This file is the content core driven by a Backend (Options.Backend):
// loading its Snapshot, applying its Deltas, and writing through its
// Update, validated inside the backend's write serialization. The
// built-in file backend (scan.go, watch.go, write.go's file operations,
// cache.go) drives the same generations, commit and journal directly.

// openBackend loads the backend's Snapshot, opens the index over it and
// publishes the first generation.
func (s *Store) openBackend(ctx context.Context) (*Store, error) {
	start := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	// The journal opens while the content loads.
	type opened struct {
		j   *journal.Journal
		err error
	}
	var journaled chan opened
	if s.journal == nil && s.opts.OpenJournal != nil {
		journaled = make(chan opened, 1)
		go func() {
			j, err := s.opts.OpenJournal()
			journaled <- opened{j, err}
		}()
	}
	snap, err := s.backend.Load(ctx)
	if journaled != nil {
		r := <-journaled
		s.journal, s.jr = r.j, r.j
		if r.err != nil && err == nil {
			err = fmt.Errorf("open change journal: %w", r.err)
		}
	}
	if err != nil {
		s.cancel()
		return nil, fmt.Errorf("load content: %w", err)
	}
	loaded := time.Now()
	s.keepsJournal = snap.KeepsJournal
	if s.keepsJournal {
		// The backend keeps the change log and fills the journal, its
		// mirror (Options.Journal), itself: the Store only serves it.
		s.journal = nil
	}
	s.site = snap.Site
	s.fileProblems = snap.Problems
	c := make([]candidate, len(snap.Versions))
	for i, st := range snap.Versions {
		c[i] = candidate{st.Version, st.Hash}
	}
	g := buildGeneration(snap.Site, c)
	g.problems = s.allProblems(g)
	for _, p := range g.problems {
		s.log.Warn("content problem", "path", p.Path, "line", p.Line, "message", p.Message)
	}
	built := time.Now()
	// Compare the journal with g while the index opens; append only once
	// it has.
	var pending []change
	var known int
	compared := make(chan struct{})
	if s.journal != nil && !s.keepsJournal {
		go func() {
			defer close(compared)
			pending, known = s.catchUpChanges(g)
		}()
	} else {
		close(compared)
	}
	// The index builds its per-language fields from site.yaml's languages
	// and analyzers unless the caller chose a site of its own.
	iopts := s.opts.Index
	if iopts.Site == nil {
		iopts.Site = g.lib.Site()
	}
	ix, err := index.Open(ctx, iopts, g.lib.All())
	<-compared
	if err != nil {
		s.cancel()
		return nil, fmt.Errorf("open index: %w", err)
	}
	indexed := time.Now()
	if snap.Release != nil {
		snap.Release() // read through by the index's fingerprint
	}
	s.intact = snap.Intact
	s.ix, s.gen, s.pos = ix, g, snap.Position
	if s.journal != nil && !s.keepsJournal {
		s.recordCatchUp(pending, known > 0, known == 0)
	}
	s.publish(g)
	s.wg.Go(s.watchHealth)
	s.log.Info("content loaded", "backend", fmt.Sprintf("%T", s.backend), "position", snap.Position,
		"articles", g.lib.Len(), "versions", len(g.lib.All()), "problems", len(g.problems),
		"took", time.Since(start), "load", loaded.Sub(start), "build", built.Sub(loaded),
		"index", indexed.Sub(built), "journal", time.Since(indexed))
	return s, nil
}

// buildGeneration builds the generation of the versions c with site; a
// nil site (none usable) serves nothing.
func buildGeneration(site *article.Site, c []candidate) *generation {
	g := &generation{site: site}
	given := pmap.NewEdit[key, candidate](len(c))
	vs := make([]*article.Version, 0, len(c))
	if site == nil {
		site, c = emptySite(), nil // without languages, every version would be a problem
	}
	for _, cd := range c {
		given.Set(cd.key(), cd)
		vs = append(vs, cd.v)
	}
	g.given = given.Done()
	g.lib, g.build = article.Build(site, vs)
	g.names = namesOf(pmap.NewEdit[string, []key](len(g.lib.All())), servedDiff(nil, g.lib))
	return g
}

// applyDelta brings the current generation to d.To and publishes the
// result. A changed version that the rules reject, or that causes a
// problem they did not report before (a slug clash with another article,
// which Build reports in whichever file it checks second), is held back:
// the version before it stays served, or none when it is new, its
// problems are reported, and it is offered again with every later delta.
// A delta that would delete more than Options.MaxDeleteShare of the
// versions at once is held as a whole (see Options.MaxDeleteShare), and
// so is everything while a delta has Trouble: the current generation
// stays served, writes are refused, and the reason is a problem until a
// later delta looks sane. The caller holds s.mu.
func (s *Store) applyDelta(ctx context.Context, d Delta) {
	if s.pending != nil {
		d = mergeDeltas(*s.pending, d)
		s.pending = nil
	}
	if d.Trouble != "" {
		if d.ProblemsChanged {
			s.fileProblems = d.Problems
		}
		reason := d.Trouble
		d.Trouble = ""
		s.pending = &d
		s.hold(reason)
		return
	}
	old := s.gen
	seen := make(map[key]bool, len(d.Put)+len(d.Removed))
	var put []candidate
	for _, st := range d.Put {
		k := st.Key()
		seen[key{k.ID, k.Lang}] = true
		if prev, had := old.given.Get(key{k.ID, k.Lang}); !had || prev.hash != st.Hash || old.heldCands[key{k.ID, k.Lang}].hash != "" {
			put = append(put, candidate{st.Version, st.Hash})
		}
	}
	var removed []key
	for _, vk := range d.Removed {
		k := key{vk.ID, vk.Lang}
		seen[k] = true
		if _, had := old.given.Get(k); had {
			removed = append(removed, k)
		}
	}
	for k, cd := range old.heldCands {
		if !seen[k] {
			put = append(put, cd) // offered again
		}
	}
	site := s.site
	if d.Site != nil {
		site = d.Site
	}
	troubled := s.holding != ""
	if len(put) == 0 && len(removed) == 0 && d.Site == nil && !d.ProblemsChanged && !troubled {
		s.pos = max(s.pos, d.To)
		return // nothing this generation does not have
	}
	build := func(hold map[key]bool) *generation {
		kept := put
		if len(hold) > 0 {
			kept = slices.DeleteFunc(slices.Clone(put), func(cd candidate) bool { return hold[cd.key()] })
		}
		if d.Site != nil || site == nil || old.site != site {
			return old.rebuilt(site, kept, removed)
		}
		return old.apply(kept, removed)
	}
	g := build(nil)
	if site != nil {
		var check []candidate
		for _, cd := range put {
			if old.servedHash(cd.key()) != cd.hash {
				check = append(check, cd)
			}
		}
		g = s.holdBack(old, g, check, build)
	}
	problems := s.fileProblems
	if d.ProblemsChanged {
		problems = d.Problems
	}
	// A backend that keeps the change log reports what its writers did
	// on purpose (another replica, an import): never a failed mount.
	if reason := s.massDelete(old, g); reason != "" && !s.keepsJournal {
		s.pending = &d
		s.hold(reason)
		return
	}
	s.site, s.fileProblems, s.holding = site, problems, ""
	g.problems = s.allProblems(g)
	changes := diff(old, g, g.changesFrom(old))
	now := time.Now().UTC()
	entries := d.Entries
	if !s.keepsJournal {
		entries = journalEntries(changes, now, false)
	}
	s.logNew(old.problems, g.problems)
	s.commit(ctx, g, changes, entries, now, max(s.pos, d.To))
}

// mergeDeltas returns the delta of a followed by b.
func mergeDeltas(a, b Delta) Delta {
	out := Delta{From: a.From, To: max(a.To, b.To), Site: a.Site, Problems: a.Problems, ProblemsChanged: a.ProblemsChanged, Trouble: b.Trouble}
	if b.Site != nil {
		out.Site = b.Site
	}
	if b.ProblemsChanged {
		out.Problems, out.ProblemsChanged = b.Problems, true
	}
	out.Entries = append(slices.Clip(a.Entries), b.Entries...)
	put := make(map[article.VersionKey]Stored)
	removed := make(map[article.VersionKey]bool)
	for _, dl := range []Delta{a, b} {
		for _, st := range dl.Put {
			put[st.Key()] = st
			delete(removed, st.Key())
		}
		for _, k := range dl.Removed {
			delete(put, k)
			removed[k] = true
		}
	}
	for _, st := range put {
		out.Put = append(out.Put, st)
	}
	for k := range removed {
		out.Removed = append(out.Removed, k)
	}
	return out
}

// rebuilt returns the generation of old's versions with put added and
// removed taken out, built whole with site (a new site.yaml changes the
// rules for every version).
func (old *generation) rebuilt(site *article.Site, put []candidate, removed []key) *generation {
	next := old.given.Edit()
	for _, k := range removed {
		next.Delete(k)
	}
	for _, cd := range put {
		next.Set(cd.key(), cd)
	}
	var c []candidate
	for _, cd := range next.Done().All() {
		c = append(c, cd)
	}
	return buildGeneration(site, c)
}

// putBackend is PutIf through the backend: inside its Update, the Store
// catches up with what the backend is ahead, runs check, and validates
// v (whose canonical file is file, with hash h, at slash path p) against
// the result; the change is published once the backend committed it.
// The caller holds s.mu.
func (s *Store) putBackend(ctx context.Context, k key, p string, v *article.Version, h string, file []byte, check func(cur *article.Version) error) (Result, error) {
	if err := s.writable(); err != nil {
		return Result{}, err
	}
	// A file changed on disk since the last scan (an editor removed it)
	// is written even when the bytes served are these.
	stale := s.intact != nil && !s.intact(article.VersionKey{ID: k.id, Lang: k.lang}, h)
	var g *generation
	var res Result
	var changes []change
	var entries []journal.Entry
	now := time.Now().UTC()
	pos, err := s.backend.Update(ctx, s.pos, func(behind Delta) (Change, error) {
		s.applyDelta(ctx, behind)
		if err := s.writable(); err != nil {
			return Change{}, err
		}
		old := s.gen
		cur := old.lib.Version(k.id, k.lang)
		if check != nil {
			if err := check(cur); err != nil {
				return Change{}, err
			}
		}
		if old.servedHash(k) == h && !problemAt(s.fileProblems, p) && !stale {
			res.Version = cur
			return Change{}, nil // the stored file has these bytes (a broken one is written over)
		}
		var err error
		if g, err = s.validatePut(p, v, h); err != nil {
			return Change{}, err
		}
		res.Created = cur == nil
		changes = diff(old, g, g.changesFrom(old))
		entries = journalEntries(changes, now, false)
		return Change{Key: article.VersionKey{ID: k.id, Lang: k.lang}, File: file, Put: Stored{Version: v, Hash: h}, Entries: entries}, nil
	})
	if err != nil {
		return Result{}, err
	}
	res.Position = pos
	if g == nil {
		return res, nil // nothing to change
	}
	s.fileProblems = withoutPath(s.fileProblems, p) // the file is canonical now
	g.problems = s.allProblems(g)
	s.commit(ctx, g, changes, entries, now, pos)
	res.Changed, res.Version = true, g.lib.Version(k.id, k.lang)
	return res, nil
}

// problemAt reports whether ps has a problem of the file at slash path p.
func problemAt(ps []article.Problem, p string) bool {
	return slices.ContainsFunc(ps, func(q article.Problem) bool { return q.Path == p })
}

// withoutPath returns ps without the problems of the file at slash path
// p, sharing ps when it has none.
func withoutPath(ps []article.Problem, p string) []article.Problem {
	if !problemAt(ps, p) {
		return ps
	}
	return slices.DeleteFunc(slices.Clone(ps), func(q article.Problem) bool { return q.Path == p })
}

// deleteBackend is DeleteIf through the backend, as putBackend is PutIf.
// The caller holds s.mu.
func (s *Store) deleteBackend(ctx context.Context, k key, p string, check func(cur *article.Version) error) (Position, error) {
	if err := s.writable(); err != nil {
		return 0, err
	}
	var g *generation
	var changes []change
	var entries []journal.Entry
	now := time.Now().UTC()
	pos, err := s.backend.Update(ctx, s.pos, func(behind Delta) (Change, error) {
		s.applyDelta(ctx, behind)
		if err := s.writable(); err != nil {
			return Change{}, err
		}
		if check != nil {
			if err := check(s.gen.lib.Version(k.id, k.lang)); err != nil {
				return Change{}, err
			}
		}
		old := s.gen
		if _, had := old.given.Get(k); !had && !problemAt(s.fileProblems, p) {
			return Change{}, ErrNotFound // neither a version nor a broken file
		}
		var err error
		if g, err = s.validateDelete(k, p); err != nil {
			return Change{}, err
		}
		changes = diff(old, g, g.changesFrom(old))
		entries = journalEntries(changes, now, false)
		return Change{Key: article.VersionKey{ID: k.id, Lang: k.lang}, Entries: entries}, nil
	})
	if err != nil {
		return 0, err
	}
	s.fileProblems = withoutPath(s.fileProblems, p)
	g.problems = s.allProblems(g)
	s.commit(ctx, g, changes, entries, now, pos)
	return pos, nil
}
