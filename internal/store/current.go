package store

import (
	"github.com/amal-kommun/tolk/index"
	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/journal"
)

// Generation is one published state of the content, as readers see it:
// the Library, the index kept in step with it, the problems of the tree,
// and the journal its changes are recorded in. It is immutable; the Store
// publishes a new one for every change, before the write that made it
// returns, and Current returns the latest with one atomic load.
type Generation struct {
	// Library holds the versions served.
	Library *article.Library
	// Index is the search index over them. It is the same for every
	// generation of a Store; it is updated in place as they change.
	Index *index.Index
	// Problems lists everything wrong with the tree, sorted by path and
	// line; it is empty when the tree is clean.
	Problems []article.Problem
	// Journal is the change journal; nil when the Store records none.
	Journal *journal.Journal
	// Seq numbers the generations of a Store, from 1, increasing with
	// each one published, so that caches derived from a generation can be
	// keyed by it.
	Seq uint64
	// Position is the backend's position the generation has applied: a
	// database's change-log sequence (what Tolk-Seq and Tolk-Min-Seq
	// name), a file backend's count of changes.
	Position Position

	// replaced is closed when the Store publishes the generation after
	// this one.
	replaced chan struct{}
}

// Replaced returns a channel that is closed when a newer generation is
// published, so that a reader waiting for a change (Tolk-Min-Seq) sleeps
// instead of polling Current. It is nil, and never ready, for a
// Generation the Store did not publish.
func (g *Generation) Replaced() <-chan struct{} { return g.replaced }

// Current returns the generation served now, or nil before Load (or Open)
// has loaded the first.
func (s *Store) Current() *Generation { return s.pub.Load() }

// publish makes g the generation readers see and calls Options.OnChange.
// The caller holds s.mu.
func (s *Store) publish(g *generation) {
	s.cur.Store(g)
	s.seq++
	old := s.pub.Load()
	s.pub.Store(&Generation{Library: g.lib, Index: s.ix, Problems: g.problems, Journal: s.jr, Seq: s.seq, Position: s.pos, replaced: make(chan struct{})})
	if old != nil {
		close(old.replaced) // after the Store above: a waiter woken sees the new one
	}
	if s.opts.OnChange != nil {
		s.opts.OnChange(g.lib, s.ix, g.problems)
	}
}
