package journal

import (
	"fmt"
	"time"
)

// NewMirror returns an in-memory journal that mirrors a change log kept
// elsewhere (a database's, shared by every replica): its epoch and its
// sequence numbers are the log's, so that its cursors, and the pages
// Since returns for them, are the same in every process that mirrors the
// log as far. Entries come only through Mirror, with their numbers
// (Append returns ErrMirror); Reset starts over with another epoch.
//
// A mirror answers a cursor of its epoch beyond its end (handed out by a
// process further ahead in the log) with no entries and the same cursor,
// not ErrCursorExpired: the entries follow once the mirror has them.
func NewMirror(epoch Epoch) *Journal {
	return &Journal{epoch: epoch, mirror: true, state: map[Key]int{}}
}

// Mirror appends entries to a mirror as the log numbers them: first,
// first+1, and so on. Entries numbered at or below Len (mirrored already)
// are skipped; a first beyond Len()+1 returns ErrGap and appends
// nothing, so that the mirror never skips an entry of the log. An entry
// must be valid as for Append; it is stored as given, with At in UTC (a
// zero At is kept: the log's times are the log's).
func (j *Journal) Mirror(first uint64, entries ...Entry) error {
	if !j.mirror {
		return ErrMirror
	}
	if first == 0 {
		return fmt.Errorf("journal: mirror entry numbered 0: %w", ErrGap)
	}
	for i, e := range entries {
		if err := validate(e); err != nil {
			return fmt.Errorf("journal: mirror entry %d: %w", first+uint64(i), err)
		}
	}
	j.appendMu.Lock()
	defer j.appendMu.Unlock()
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return ErrClosed
	}
	n := uint64(len(j.entries))
	if first > n+1 {
		return fmt.Errorf("journal: mirror entry %d after %d: %w", first, n, ErrGap)
	}
	for _, e := range entries[min(n+1-first, uint64(len(entries))):] {
		e.At = e.At.In(time.UTC)
		j.publish(e)
	}
	return nil
}

// Reset empties a mirror and gives it epoch, as when the log it follows
// was created anew: every cursor handed out before is ErrCursorExpired
// (unless epoch is the old one).
func (j *Journal) Reset(epoch Epoch) error {
	if !j.mirror {
		return ErrMirror
	}
	j.appendMu.Lock()
	defer j.appendMu.Unlock()
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return ErrClosed
	}
	j.epoch, j.entries, j.state = epoch, nil, map[Key]int{}
	return nil
}

// Len returns the sequence number of the last entry: 0 when there is
// none.
func (j *Journal) Len() uint64 {
	j.mu.RLock()
	defer j.mu.RUnlock()
	return uint64(len(j.entries))
}

// Epoch returns the journal's epoch.
func (j *Journal) Epoch() Epoch {
	j.mu.RLock()
	defer j.mu.RUnlock()
	return j.epoch
}

// IsMirror reports whether j is a mirror (NewMirror), whose entries are
// another log's.
func (j *Journal) IsMirror() bool { return j.mirror }
