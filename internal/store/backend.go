package store

import (
	"context"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/journal"
)

// Position is a backend's place in its own history of changes: the number
// of changes a file backend has seen since it was opened, the head
// sequence of the change log of a database. Positions of one backend only
// increase; 0 is before any change.
type Position uint64

// Stored is one version as a backend holds it.
type Stored struct {
	// Version is the version parsed from its file, with its HTML and
	// text rendered (load.ParseVersion), and its Markdown dropped. The
	// core never modifies it.
	Version *article.Version
	// Hash identifies the bytes of the version's file: their hex SHA-256.
	// Two Stored of one key with the same Hash are the same version.
	Hash string
}

// Key returns the key of the version.
func (st Stored) Key() article.VersionKey { return st.Version.Key() }

// Snapshot is the whole content of a backend at one Position, as Load
// reads it.
type Snapshot struct {
	// Site is the site configuration (site.yaml), nil when the backend
	// has no usable one: then nothing is served.
	Site *article.Site
	// Versions holds the last good version of every key: a version whose
	// file is now broken is served as it last parsed, and its problems
	// are in Problems.
	Versions []Stored
	// Problems are the backend's own problems, found without the other
	// versions: files that do not parse, a broken site.yaml, files out of
	// place. The rules across versions (slug clashes, translations, tags)
	// are the core's.
	Problems []article.Problem
	// Position is where the snapshot stands in the backend's history.
	Position Position
	// KeepsJournal is true for a backend that keeps the change log itself
	// (a database): it persists Change.Entries in the commit of the
	// change and reports the entries of external changes in
	// Delta.Entries, and the core appends nothing to a journal of its
	// own. A backend that keeps none (files) leaves the journal to the
	// core, which appends every change's entries after the backend made
	// the change durable.
	KeepsJournal bool
	// Release, when not nil, is called once the core has read the
	// Snapshot's versions in bulk (the index is open): the file backend
	// then tells the system that the pages of its versions cache, which
	// the versions' text was read through, are not needed now.
	Release func()
	// Intact, when not nil, reports whether the backend's copy of the
	// version k still has the bytes of hash: false for a file an editor
	// removed or replaced since the backend last looked, which a Put of
	// the bytes the core serves must then write again. nil for a backend
	// whose copies change only through Update and what Watch reports.
	Intact func(k article.VersionKey, hash string) bool
}

// Delta is what changed in a backend from one Position to another.
type Delta struct {
	// From and To are the positions the delta leads from and to; From is
	// at or before the core's applied position (see Backend), To after
	// it, unless nothing changed (From == To).
	From, To Position
	// Site is the new site configuration when it changed, nil otherwise.
	Site *article.Site
	// Put holds the versions created or replaced, each the last good
	// version of its key; Removed the keys whose versions are gone. A key
	// is in one of the two at most.
	Put     []Stored
	Removed []article.VersionKey
	// Problems, when ProblemsChanged, are the backend's own problems as
	// of To (see Snapshot.Problems), all of them; unchanged otherwise.
	Problems        []article.Problem
	ProblemsChanged bool
	// Trouble, when not "", says why the backend's content cannot be
	// trusted now (a content directory gone missing): the core keeps
	// serving what it has, refuses writes and reports Trouble as a
	// problem until a delta without it.
	Trouble string
	// Entries are the change-log entries of the changes, already
	// persisted, from a backend that keeps the change log
	// (Snapshot.KeepsJournal); nil otherwise.
	Entries []journal.Entry
}

// Empty reports whether d changes nothing.
func (d Delta) Empty() bool {
	return d.Site == nil && len(d.Put) == 0 && len(d.Removed) == 0 && !d.ProblemsChanged && d.Trouble == ""
}

// Change is what the core asks a backend to persist: one version put or
// removed, validated against the content as of the backend's head, with
// the change-log entries it makes. The zero Change persists nothing.
type Change struct {
	// Key names the version.
	Key article.VersionKey
	// File is the canonical file of the version put (load.Format of
	// Put.Version); nil for a removal.
	File []byte
	// Put is the version parsed from File, with Put.Hash the hash of
	// File; its Version is nil for a removal.
	Put Stored
	// Entries are the change-log entries of the change, for a backend
	// that keeps the change log (Snapshot.KeepsJournal), which writes
	// them in the same commit as the version. Their order is the log's.
	Entries []journal.Entry
}

// IsZero reports whether c persists nothing.
func (c Change) IsZero() bool { return c.Key == (article.VersionKey{}) }

// Backend is where the content lives and how it changes: the files of a
// content tree (package filestore), or a database. The content core
// (Store) owns everything else: the generations served, the validation of
// a change against them, the index, the change journal, webhooks, and the
// policy of holding back a change that looks like a mistake.
//
// The contract, in the order of a Store's life:
//
//   - Load reads the whole content once, at the start. Its error fails
//     the start.
//   - Watch reports changes made outside the Store (files edited on disk,
//     commits of other replicas) until ctx is done, calling report with
//     one Delta at a time, in the order of their positions, never two at
//     once. A Delta's From is at or before the position the core applied
//     last (the Snapshot's, then each Delta's or Update's), so the core
//     applies each in turn and ignores what it already has. Watch returns
//     nil when ctx is done, and an error only when it cannot start.
//   - Update is the one way the Store writes. It serializes writes across
//     everything that writes the backend (one process's lock for files; a
//     transaction that locks the site's row for a database), and inside
//     that serialization calls change once with behind: what changed from
//     applied (the core's applied position) to the backend's head, so
//     that the core catches up first, validates against the result and
//     returns the Change. Update persists the Change atomically (the file
//     renamed into place; the version and its entries in one commit) and
//     durably before it returns the Change's position, the new head. An
//     error from change, or a zero Change, persists nothing; the error is
//     returned unchanged, and a zero Change returns behind's To. change
//     runs with the backend's write lock held and must not call Update.
//     Errors of the backend itself wrap ErrUnavailable (cannot write
//     now: a missing directory, a database down), ErrNoSpace or
//     ErrReadOnly.
//   - Close releases what the backend holds, after Watch returned.
//
// Every version a backend hands the core (Snapshot, Delta, behind) is the
// core's to keep and share, never modified afterwards.
type Backend interface {
	// Load reads the whole content.
	Load(ctx context.Context) (Snapshot, error)
	// Update persists one change, validated inside the backend's write
	// serialization; see the contract above.
	Update(ctx context.Context, applied Position, change func(behind Delta) (Change, error)) (Position, error)
	// Watch reports external changes until ctx is done.
	Watch(ctx context.Context, report func(Delta)) error
	// ReadOnly reports whether the backend refuses every write (the
	// embedded corpus): Update then returns ErrReadOnly.
	ReadOnly() bool
	// Close releases the backend's resources.
	Close() error
}
