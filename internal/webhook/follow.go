package webhook

import (
	"context"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/amal-kommun/tolk/internal/atomicfile"
	"github.com/amal-kommun/tolk/internal/journal"
)

// Source is the change journal a Dispatcher follows: *journal.Journal.
type Source interface {
	Since(cursor string, limit int) ([]journal.Entry, string, error)
	End() string
}

// positions are the receivers' positions in the journal, each the cursor
// after the last entry delivered (or given up), kept in the state file
// when there is one.
type positions struct {
	file string // "" keeps them in memory only
	mu   sync.Mutex
	at   map[string]string // by receiver key
}

// stateFile is the JSON of the state file.
type stateFile struct {
	// Receivers maps the SHA-256 of each receiver's URL (hex; the URL
	// itself may hold a token) to its cursor.
	Receivers map[string]string `json:"receivers"`
}

// receiverKey returns the key of a receiver URL in the state file.
func receiverKey(url string) string {
	h := sha256.Sum256([]byte(url))
	return hex.EncodeToString(h[:16])
}

// loadPositions reads the state file; a missing file is no positions, an
// unreadable one is logged by the caller and ignored.
func loadPositions(file string) (*positions, error) {
	p := &positions{file: file, at: make(map[string]string)}
	if file == "" {
		return p, nil
	}
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("webhook: read state: %w", err)
	}
	var st stateFile
	if err := json.Unmarshal(data, &st); err != nil {
		return p, fmt.Errorf("webhook: read state %s: %w", file, err)
	}
	for k, v := range st.Receivers {
		p.at[k] = v
	}
	return p, nil
}

func (p *positions) get(key string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.at[key]
}

// set records the position of key and writes the state file atomically:
// a temporary file, synced, renamed over the old one.
func (p *positions) set(key, cursor string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.at[key] = cursor
	if p.file == "" {
		return nil
	}
	data, err := json.Marshal(stateFile{Receivers: p.at})
	if err != nil {
		return err
	}
	// A folder not synced after the rename costs a redelivery, not data.
	if err := atomicfile.WriteFile(p.file, filepath.Base(p.file)+".tmp-", data, 0o600); err != nil && !errors.Is(err, atomicfile.ErrNotDurable) {
		return fmt.Errorf("webhook: write state: %w", err)
	}
	return nil
}

// Follow makes d deliver the entries of src, the change journal, instead
// of the events given to Enqueue, which then only wakes the receivers up:
// each receiver's position in src is kept (in Options.State when set), so
// deliveries resume where they stopped after a restart and none queued at
// shutdown is lost. A receiver without a position starts at src's end as
// of the call. Entries marked Silent are skipped. Call Follow once,
// before or after Run.
func (d *Dispatcher) Follow(src Source) {
	d.followOnce.Do(func() {
		end := src.End()
		for _, r := range d.receivers {
			if d.pos.get(r.key) == "" {
				if err := d.pos.set(r.key, end); err != nil {
					d.log.Warn("webhook: position not saved", "receiver", r.name, "err", err)
				}
			}
		}
		d.src = src
		close(d.following)
	})
}

// EntryEvent returns the webhook event that announces a change-journal
// entry (or a change-log entry of the database, which is one).
func EntryEvent(e journal.Entry) Event {
	return *eventOf(e)
}

// eventOf returns the webhook event of a journal entry.
func eventOf(e journal.Entry) *Event {
	ev := &Event{Event: EventUpsert, ID: e.ID, Lang: e.Lang, Slug: e.Slug, At: e.At.UTC()}
	if e.Op == journal.Delete {
		ev.Event = EventDelete
	}
	if e.URL != "" {
		u := e.URL
		ev.URL = &u
	}
	if e.PreviousURL != "" {
		u := e.PreviousURL
		ev.PreviousURL = &u
	}
	return ev
}

// followWork delivers r's entries of the journal in order, one at a time,
// advancing and saving r's position after each.
func (d *Dispatcher) followWork(ctx context.Context, r *receiver) {
	for {
		pos := d.pos.get(r.key)
		es, next, err := d.src.Since(pos, 1)
		switch {
		case errors.Is(err, journal.ErrCursorExpired), errors.Is(err, journal.ErrBadCursor):
			// The journal was replaced: its entries are not the ones
			// r had seen, and replaying them would announce everything.
			d.log.Warn("webhook: position is not in the change journal any more; continuing from its end", "receiver", r.name, "err", err)
			d.advance(r, d.src.End())
			continue
		case err != nil:
			d.log.Error("webhook: read change journal", "receiver", r.name, "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			continue
		}
		if len(es) == 0 {
			select {
			case <-ctx.Done():
				return
			case <-r.wake:
			case <-time.After(time.Second): // an append without a wake-up
			}
			continue
		}
		if e := es[0]; !e.Silent {
			ev := eventOf(e)
			body, err := json.Marshal(ev)
			if err != nil {
				d.dropped.Inc()
				d.log.Error("webhook: cannot encode event, dropped", "receiver", r.name, "event", ev.Event, "id", ev.ID, "lang", ev.Lang, "err", err)
			} else if !d.deliver(ctx, r, delivery{id: crand.Text(), event: ev.Event, body: body}) {
				return // shutting down: the position stays, the delivery is made after a restart
			}
		}
		d.advance(r, next)
	}
}

// advance records r's new position, logging a failure to save it (the
// delivery is then made again after a restart).
func (d *Dispatcher) advance(r *receiver, cursor string) {
	if err := d.pos.set(r.key, cursor); err != nil {
		d.log.Warn("webhook: position not saved; a restart delivers again", "receiver", r.name, "err", err)
	}
}
