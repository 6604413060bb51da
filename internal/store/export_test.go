package store

import (
	"context"
	"time"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/journal"
)

// The hooks of the Store's own tests (package store_test), which run the
// core on the file backend through the Backend interface.

// PutBytes is Put of a version file's bytes, parsed as the loader does, so
// that tests can write files no version formats to (unknown keys, broken
// YAML) and files exactly as editors write them.
func (s *Store) PutBytes(ctx context.Context, id, lang string, file []byte) (Result, error) {
	return s.putFile(ctx, id, lang, file, nil)
}

// PutFile is PutBytes with PutIf's check.
func (s *Store) PutFile(ctx context.Context, id, lang string, file []byte, check func(cur *article.Version) error) (Result, error) {
	return s.putFile(ctx, id, lang, file, check)
}

// Report applies d as if the backend's Watch reported it; it does nothing
// once the Store is closed.
func (s *Store) Report(d Delta) { s.report(d) }

// Rebuilding reports whether a background rebuild of the index is
// scheduled.
func (s *Store) Rebuilding() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rebuilding
}

// JournalLog is what the Store needs of the change journal.
type JournalLog = journalLog

// NewForTest is New with the first delay of a background rebuild, the
// interval of the index's health check (0 keeps the default) and, when
// not nil, a journal of the test's own.
func NewForTest(opts Options, rebuildDelay, healthEvery time.Duration, j JournalLog) (*Store, error) {
	s, err := newStore(opts)
	if err != nil {
		return nil, err
	}
	s.rebuildDelay = rebuildDelay
	if healthEvery != 0 {
		s.healthEvery = healthEvery
	}
	if j != nil {
		s.journal = j
	}
	return s, nil
}

// Journal returns the journal the Store appends to (opened by
// Options.OpenJournal, or Options.Journal).
func (s *Store) Journal() *journal.Journal { return s.jr }

// CatchUp compares the journal with the current generation and appends
// and notifies what differs, as Open does.
func (s *Store) CatchUp() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.catchUp(s.gen, true)
}
