package store

import (
	"time"

	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/webhook"
)

// journalLog is what the Store needs of the change journal; it is
// *journal.Journal except in tests of failing appends.
type journalLog interface {
	Append(entries ...journal.Entry) error
	State() map[journal.Key]journal.Entry
}

// journalEntries returns the journal entries of changes, all at at, with
// what their webhook events carry; silent marks them as announced by no
// webhook.
func journalEntries(changes []change, at time.Time, silent bool) []journal.Entry {
	out := make([]journal.Entry, len(changes))
	for i, c := range changes {
		out[i] = journal.Entry{ID: c.id, Lang: c.lang, Op: c.op, At: at, Slug: c.slug, Hash: c.hash, PreviousSlug: c.prevSlug,
			URL: c.url, PreviousURL: c.prevURL, Silent: silent}
	}
	return out
}

// event returns the webhook event of c.
func (c change) event(at time.Time) webhook.Event {
	ev := webhook.Event{Event: webhook.EventUpsert, ID: c.id, Lang: c.lang, Slug: c.slug, At: at}
	if c.op == journal.Delete {
		ev.Event = webhook.EventDelete
	}
	if c.url != "" {
		u := c.url
		ev.URL = &u
	}
	if c.prevURL != "" {
		prev := c.prevURL
		ev.PreviousURL = &prev
	}
	return ev
}

// catchUp appends to the journal what makes its state match g: an upsert
// for every public version (and derived language) the journal does not
// have with the same slug and file hash, a delete for every version it has
// that g does not serve. It is how the journal learns what changed while
// the server was stopped, and how it recovers from a failed append. With
// notify, the changes also go to the webhooks, unless the journal was
// empty (a first start would announce the whole corpus). The caller holds
// s.mu.
func (s *Store) catchUp(g *generation, notify bool) {
	changes, known := s.catchUpChanges(g)
	s.recordCatchUp(changes, notify && known > 0, known == 0)
}

// catchUpChanges returns the changes catchUp appends, and the number of
// versions the journal had. It only reads, so it may run beside other
// work.
func (s *Store) catchUpChanges(g *generation) ([]change, int) {
	state := s.journal.State()
	site := g.lib.Site()
	// Compare slugs and hashes first; sort and build URLs only for what
	// differs, which at most starts is nothing.
	all := g.lib.All()
	want := make(map[key]change, len(all)+len(all)/2)
	differs := make(map[key]bool)
	wish := func(c change) {
		k := key{c.id, c.lang}
		want[k] = c
		if e, known := state[journal.Key{ID: c.id, Lang: c.lang}]; !known || e.Slug != c.slug || e.Hash != c.hash {
			differs[k] = true
		}
	}
	for _, v := range all {
		if v.Draft {
			continue
		}
		k := key{v.ID, v.Lang}
		cd, _ := g.given.Get(k)
		c := change{id: k.id, lang: k.lang, op: journal.Upsert, slug: v.Slug, hash: cd.hash}
		wish(c)
		for _, d := range site.Derived {
			if d.From == c.lang {
				dc := c
				dc.lang, dc.hash = d.Tag, ""
				wish(dc)
			}
		}
	}
	for k := range state {
		if _, wanted := want[key{k.ID, k.Lang}]; !wanted {
			differs[key{k.ID, k.Lang}] = true
		}
	}
	var changes []change
	for _, k := range sortedKeys(differs, site) {
		w, wanted := want[k]
		e, known := state[journal.Key{ID: k.id, Lang: k.lang}] // upserts only
		switch {
		case wanted:
			w.url = site.URL(k.lang, w.slug)
			if known && e.Slug != w.slug {
				w.prevURL = site.URL(k.lang, e.Slug)
				w.prevSlug = e.Slug
			}
			changes = append(changes, w)
		case known:
			u := site.URL(k.lang, e.Slug)
			changes = append(changes, change{id: k.id, lang: k.lang, op: journal.Delete, slug: e.Slug, url: u, prevURL: u})
		}
	}
	return changes, len(state)
}

// recordCatchUp appends changes to the journal and, with notify, sends
// their webhooks; silent marks the entries as announced by no webhook (a
// first start, which would announce the whole corpus). The caller holds
// s.mu.
func (s *Store) recordCatchUp(changes []change, notify, silent bool) {
	if len(changes) == 0 {
		s.journalBehind = false
		return
	}
	now := time.Now().UTC()
	if err := s.journal.Append(journalEntries(changes, now, silent)...); err != nil {
		s.log.Error("append to change journal; retrying in the background", "err", err)
		s.journalBehind = true
		s.scheduleJournalRetry()
	} else {
		s.journalBehind = false
		s.log.Info("change journal caught up with the content", "changes", len(changes))
	}
	if notify && s.opts.Notify != nil {
		for _, c := range changes {
			s.opts.Notify(c.event(now))
		}
	}
}

// scheduleJournalRetry catches the journal up in the background, retrying
// with backoff until an append succeeds, after one failed (a full disk):
// the change feed and the webhooks that follow it need not wait for the
// next change. The caller holds s.mu.
func (s *Store) scheduleJournalRetry() {
	s.retryInBackground(&s.journalRetrying, func(time.Duration) bool {
		if s.journalBehind {
			s.catchUp(s.gen, false)
		}
		return !s.journalBehind
	})
}
