package store

import (
	"context"
	"fmt"
	"time"

	"github.com/amal-kommun/tolk/index"
	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/journal"
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
	snap, err := s.backend.Load(ctx)
	if err == nil && s.journal == nil && s.opts.OpenJournal != nil {
		var j *journal.Journal
		if j, err = s.opts.OpenJournal(); err == nil {
			s.journal, s.jr = j, j
		} else {
			err = fmt.Errorf("open change journal: %w", err)
		}
	}
	if err != nil {
		s.cancel()
		return nil, fmt.Errorf("load content: %w", err)
	}
	s.keepsJournal = snap.KeepsJournal
	s.site = snap.Site
	s.fileProblems, s.fileProblemsStale = snap.Problems, false
	c := make([]candidate, len(snap.Versions))
	for i, st := range snap.Versions {
		c[i] = candidate{st.Version, st.Hash}
	}
	g := buildGeneration(snap.Site, c)
	g.problems = s.allProblems(g)
	built := time.Now()
	iopts := s.opts.Index
	if iopts.Site == nil {
		iopts.Site = g.lib.Site()
	}
	ix, err := index.Open(ctx, iopts, g.lib.All())
	if err != nil {
		s.cancel()
		return nil, fmt.Errorf("open index: %w", err)
	}
	s.ix, s.gen, s.pos = ix, g, snap.Position
	if s.journal != nil && !s.keepsJournal {
		pending, known := s.catchUpChanges(g)
		s.recordCatchUp(pending, known > 0, known == 0)
	}
	s.publish(g)
	s.wg.Go(s.watchHealth)
	s.log.Info("content loaded", "backend", fmt.Sprintf("%T", s.backend), "position", snap.Position,
		"articles", g.lib.Len(), "versions", len(g.lib.All()), "problems", len(g.problems),
		"took", time.Since(start), "build", built.Sub(start), "index", time.Since(built))
	return s, nil
}

// buildGeneration builds the generation of the versions c with site; a
// nil site (none usable) serves nothing.
func buildGeneration(site *article.Site, c []candidate) *generation {
	g := &generation{site: site}
	given := pmap[key, candidate]{}.edit(len(c))
	vs := make([]*article.Version, 0, len(c))
	if site == nil {
		site, c = emptySite(), nil // without languages, every version would be a problem
	}
	for _, cd := range c {
		given.set(cd.key(), cd)
		vs = append(vs, cd.v)
	}
	g.given = given.done()
	g.lib, g.build = article.Build(site, vs)
	g.names = namesOf(pmap[string, []key]{}, servedDiff(nil, g.lib), len(g.lib.All()))
	return g
}

// watchBackend applies the changes the backend's Watch reports until ctx
// is done.
func (s *Store) watchBackend(ctx context.Context) error {
	return s.backend.Watch(ctx, func(d Delta) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.closed && s.gen != nil {
			s.applyDelta(ctx, d)
		}
	})
}

// applyDelta brings the current generation to d.To, unless it is there
// already, and publishes the result. A delta with Trouble holds the
// current generation (writes refused, the trouble a problem) until one
// without. The hold on mass deletes stays the file backend's re-scans'
// (watch.go): a backend's deltas are what its writers did on purpose
// (another replica's writes, an import). The caller holds s.mu.
func (s *Store) applyDelta(ctx context.Context, d Delta) {
	if d.Trouble != "" {
		if d.ProblemsChanged {
			s.fileProblems = d.Problems
		}
		s.hold(d.Trouble)
		return
	}
	troubled := s.holding != ""
	s.holding = ""
	if d.To <= s.pos && !d.ProblemsChanged && !troubled {
		return // applied already, or nothing to apply
	}
	if d.ProblemsChanged {
		s.fileProblems = d.Problems
	}
	old := s.gen
	put := make([]candidate, len(d.Put))
	for i, st := range d.Put {
		put[i] = candidate{st.Version, st.Hash}
	}
	removed := make([]key, len(d.Removed))
	for i, k := range d.Removed {
		removed[i] = key{k.ID, k.Lang}
	}
	var g *generation
	if d.Site != nil || s.site == nil {
		if d.Site != nil {
			s.site = d.Site
		}
		g = old.rebuilt(s.site, put, removed)
	} else {
		g = old.apply(put, removed)
	}
	g.problems = s.allProblems(g)
	changes := diff(old, g, g.changesFrom(old))
	now := time.Now().UTC()
	entries := d.Entries
	if !s.keepsJournal {
		entries = journalEntries(changes, now, false)
	}
	s.logNew(old.problems, g.problems)
	s.commitAt(ctx, g, changes, entries, now, max(s.pos, d.To))
}

// rebuilt returns the generation of old's versions with put added and
// removed taken out, built whole with site (a new site.yaml changes the
// rules for every version).
func (old *generation) rebuilt(site *article.Site, put []candidate, removed []key) *generation {
	next := old.given.edit(0)
	for _, k := range removed {
		next.delete(k)
	}
	for _, cd := range put {
		next.set(cd.key(), cd)
	}
	var c []candidate
	next.done().all(func(_ key, cd candidate) bool {
		c = append(c, cd)
		return true
	})
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
		if old.servedHash(k) == h {
			res.Version = cur
			return Change{}, nil
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
	g.problems = s.allProblems(g)
	s.commitAt(ctx, g, changes, entries, now, pos)
	res.Changed, res.Version = true, g.lib.Version(k.id, k.lang)
	return res, nil
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
		if _, had := old.given.get(k); !had {
			return Change{}, ErrNotFound
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
	g.problems = s.allProblems(g)
	s.commitAt(ctx, g, changes, entries, now, pos)
	return pos, nil
}
