package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/amal-kommun/tolk/index"
	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/load"
	"github.com/amal-kommun/tolk/internal/webhook"
)

// Errors of Put and Delete. Each names one condition of the write API, so
// that the HTTP layer maps them to statuses with errors.Is.
var (
	// ErrReadOnly is returned by writes to the embedded corpus.
	ErrReadOnly = errors.New("content is read-only")
	// ErrNotFound is returned by Delete when there is no such version.
	ErrNotFound = errors.New("version not found")
	// ErrConflict is returned by Delete when other versions depend on the
	// one to delete, such as the translations of an original.
	ErrConflict = errors.New("conflict with other versions")
	// ErrNoSpace is returned when the disk or a quota is full (ENOSPC,
	// EDQUOT).
	ErrNoSpace = errors.New("no space left for content")
	// ErrUnavailable is returned when the content directory cannot be
	// written to (EROFS, EACCES, EPERM).
	ErrUnavailable = errors.New("content directory is not writable")
	// ErrClosed is returned by the methods of a closed Store.
	ErrClosed = errors.New("store closed")
)

// ValidationError is returned by Put when the version breaks a rule of the
// content format. Problems lists every rule broken, each with its Key set
// to the front-matter key concerned ("" for the file as a whole).
type ValidationError struct {
	Problems []article.Problem
}

// Error describes the first problem and counts the others.
func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 {
		return "invalid version: " + e.Problems[0].String()
	}
	return fmt.Sprintf("invalid version: %s (and %d more problems)", e.Problems[0], len(e.Problems)-1)
}

// ConflictError is returned by Delete (and DeleteIf) when other versions
// depend on the one to delete. errors.Is(err, ErrConflict) holds for it.
type ConflictError struct {
	// Reason explains the conflict to the client; it names only article
	// ids and languages, never paths of the server.
	Reason string
}

// Error returns the reason.
func (e *ConflictError) Error() string { return e.Reason }

// Is reports whether target is ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Options configures Open.
type Options struct {
	// Backend is where the content lives: the files of a content tree
	// (package filestore) or a database. The Store loads it, applies the
	// changes its Watch reports and writes through its Update. Required.
	Backend Backend
	// Index configures the search index the Store opens and keeps in step.
	Index index.Options
	// Journal records every change for the change feed; nil records none.
	// With a Backend that keeps the change log (Snapshot.KeepsJournal),
	// Journal is the backend's mirror of that log (journal.NewMirror),
	// which the backend fills: the Store serves it in its Generations
	// and never appends to it.
	Journal *journal.Journal
	// OpenJournal, when Journal is nil, opens the journal: Open calls it
	// while it loads the tree, which the journal is first needed after.
	// Its error fails Open.
	OpenJournal func() (*journal.Journal, error)
	// Notify receives a webhook event for every change, such as
	// (*webhook.Dispatcher).Enqueue; nil sends none. It must not block: it
	// is called while the change is being published.
	Notify func(ev webhook.Event)
	// Logger receives content problems, changes made on disk and write
	// failures; nil discards.
	Logger *slog.Logger
	// MaxDeleteShare is the share of the versions a re-scan may delete at
	// once, as after an editor's changes; a re-scan that would delete more
	// (and more than one) is held: the last good generation stays served,
	// nothing is journaled or sent, writes answer ErrUnavailable, and
	// Problems reports why (path "articles") until the tree looks sane
	// again or the Store is opened anew. 0 means 0.5; 1 turns the hold off.
	// A backend that keeps the change log (Snapshot.KeepsJournal) is never
	// held: its changes are its writers' on purpose.
	MaxDeleteShare float64
	// OnChange is called with every new generation of the content: once
	// by Open, and then for every change, before Put or Delete returns.
	// problems lists everything wrong with the tree, sorted by path and
	// line; it is empty when the tree is clean. Calls never overlap; they
	// run with the Store's lock held, so OnChange must not call Put or
	// Delete.
	OnChange func(lib *article.Library, ix *index.Index, problems []article.Problem)
}

// Result describes what Put did.
type Result struct {
	// Created is true when no version of the article in the language was
	// served before.
	Created bool
	// Changed is false when the stored file already had these bytes.
	Changed bool
	// Version is the version now served.
	Version *article.Version
	// Position is the backend's position after the write (a database's
	// change-log sequence: what Tolk-Seq says).
	Position Position
}

// Store owns the live content of one content tree. Its methods are safe for
// concurrent use; writes, re-scans and the publishing of generations are
// serialized.
type Store struct {
	opts    Options
	log     *slog.Logger
	render  *load.Renderer
	ix      *index.Index
	backend Backend // where the content lives
	// keepsJournal is the Snapshot's KeepsJournal: the backend persists
	// the change log and fills the journal, its mirror (jr; journal is
	// then nil).
	keepsJournal bool
	// intact is the Snapshot's Intact; nil when the backend has none.
	intact  func(k article.VersionKey, hash string) bool
	journal journalLog       // nil without a journal
	jr      *journal.Journal // the journal, for Generation; nil in tests of failing appends
	cur     atomic.Pointer[generation]
	pub     atomic.Pointer[Generation] // what Current returns; published with cur
	seq     uint64                     // of the last Generation published; guarded by mu
	pos     Position                   // the backend's position applied; guarded by mu

	// rebuildDelay is the first wait before a background rebuild of the
	// index; each retry waits twice as long, up to 60 times it.
	rebuildDelay time.Duration
	// healthEvery is the interval at which the Store looks at the index's
	// health, to rebuild an index broken outside its own writes (a search
	// in which Bleve panicked, a merge that met a full disk).
	healthEvery time.Duration

	bg     context.Context // for background index rebuilds; canceled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex // guards everything below
	closed bool
	gen    *generation
	site   *article.Site // the backend's site.yaml; nil until a usable one is read
	// fileProblems are the backend's own problems (Snapshot.Problems,
	// Delta.Problems).
	fileProblems    []article.Problem
	journalBehind   bool   // an Append failed: reconcile with State next time
	rebuilding      bool   // a background index rebuild is scheduled
	journalRetrying bool   // a background journal catch-up is scheduled
	holding         string // why the backend's changes are held back; "" when none
	// pending is the backend's change held back by the hold on mass
	// deletes, applied with the next one; nil when none.
	pending *Delta
}

// Open loads the content, opens the search index over it, appends to
// the journal what changed in the content since the journal's last entry,
// and calls Options.OnChange with the first generation.
//
// Problems in the content are never an error: Open serves the valid
// versions and reports the rest to OnChange; the error is for content the
// backend cannot load, an index that cannot be opened, or a canceled ctx.
func Open(ctx context.Context, opts Options) (*Store, error) {
	s, err := newStore(opts)
	if err != nil {
		return nil, err
	}
	return s.open(ctx)
}

// New checks opts and returns a Store that serves nothing yet: Current is
// nil and writes answer ErrUnavailable until Load has loaded the tree.
// It lets a server hold the Store, and answer that it is starting, while
// the content loads.
func New(opts Options) (*Store, error) { return newStore(opts) }

// Load does what Open does after New, for a Store from New; call it once.
func (s *Store) Load(ctx context.Context) error {
	_, err := s.open(ctx)
	return err
}

// newStore checks opts and returns a Store that open loads.
func newStore(opts Options) (*Store, error) {
	s := &Store{
		opts:         opts,
		log:          opts.Logger,
		render:       load.NewRenderer(),
		rebuildDelay: time.Second,
		healthEvery:  healthEvery,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.opts.Index.Logger == nil {
		s.opts.Index.Logger = s.log
	}
	if opts.Journal != nil {
		s.journal, s.jr = opts.Journal, opts.Journal
	}
	if opts.Backend == nil {
		return nil, errors.New("open store: no backend")
	}
	s.backend = opts.Backend
	return s, nil
}

// open loads the backend's content, opens the index and catches the
// journal up.
func (s *Store) open(ctx context.Context) (*Store, error) {
	s.bg, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	return s.openBackend(ctx)
}

// Library returns the Library of the current generation.
func (s *Store) Library() *article.Library { return s.cur.Load().lib }

// Problems returns the problems of the current generation, sorted by path
// and line. The caller must not modify the slice.
func (s *Store) Problems() []article.Problem { return s.cur.Load().problems }

// Index returns the search index the Store keeps in step with the content.
func (s *Store) Index() *index.Index { return s.ix }

// ReadOnly reports whether the backend refuses every write (the embedded
// corpus), which Put and Delete then answer with ErrReadOnly.
func (s *Store) ReadOnly() bool { return s.backend.ReadOnly() }

// Close stops background work and closes the index. The Library stays
// readable; writes after Close fail with ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	if s.cancel != nil {
		s.cancel()
	}
	s.mu.Unlock()
	s.wg.Wait()
	berr := s.backend.Close()
	if s.ix == nil {
		return berr // never loaded
	}
	return errors.Join(s.ix.Close(), berr)
}

// rebuildIndex rebuilds the index from the current generation, a panic
// inside the index being an error. The caller holds s.mu.
func (s *Store) rebuildIndex() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("rebuild search index: panic: %v", r)
		}
	}()
	if err := s.ix.Rebuild(s.bg, s.gen.lib.All()); err != nil {
		return err
	}
	return s.ix.Health()
}

// healthEvery is how often the Store looks at the index's health unless a
// test says otherwise: a search that broke the index answers 503 until the
// rebuild, so the delay before one starts is a few seconds at most.
const healthEvery = 2 * time.Second

// watchHealth schedules a rebuild of the index whenever it finds it
// broken, until the Store closes. The index breaks in the Store's own
// writes, which schedule the rebuild themselves, but also where the Store
// does not look: in a search or a suggestion in which Bleve panicked.
// Health is one atomic load, so looking costs nothing.
func (s *Store) watchHealth() {
	t := time.NewTicker(s.healthEvery)
	defer t.Stop()
	for {
		select {
		case <-s.bg.Done():
			return
		case <-t.C:
		}
		if err := s.ix.Health(); err == nil || errors.Is(err, index.ErrClosed) {
			continue
		}
		s.mu.Lock()
		if !s.rebuilding && !s.closed {
			s.log.Warn("search index broken outside a write; rebuilding it in the background", "err", s.ix.Health())
			s.scheduleRebuild()
		}
		s.mu.Unlock()
	}
}

// scheduleRebuild starts rebuilding the index from the current generation
// in the background, retrying with backoff until it succeeds, after an
// update of the index failed. The caller holds s.mu.
func (s *Store) scheduleRebuild() {
	s.retryInBackground(&s.rebuilding, func(retryIn time.Duration) bool {
		if err := s.rebuildIndex(); err != nil {
			s.log.Error("rebuild search index", "err", err, "retry_in", retryIn)
			return false
		}
		s.log.Info("search index rebuilt after a failed update")
		return true
	})
}

// retryInBackground runs attempt with s.mu held, first after
// s.rebuildDelay and then after delays doubling up to 60 times that, until
// it reports success or the Store closes. *busy is true while it runs, so
// a second call meanwhile does nothing; attempt is told the next delay for
// its log line. The caller holds s.mu.
func (s *Store) retryInBackground(busy *bool, attempt func(retryIn time.Duration) bool) {
	if *busy || s.closed || s.bg == nil {
		return
	}
	*busy = true
	s.wg.Go(func() {
		limit := 60 * s.rebuildDelay
		for delay := s.rebuildDelay; ; delay = min(2*delay, limit) {
			select {
			case <-s.bg.Done():
				return
			case <-time.After(delay):
			}
			s.mu.Lock()
			done := s.closed || attempt(min(2*delay, limit))
			if done {
				*busy = false
			}
			s.mu.Unlock()
			if done {
				return
			}
		}
	})
}
