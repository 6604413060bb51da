package webhook_test

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/webhook"
)

// entryN returns an upsert of article n in the journal's terms.
func entryN(n int, silent bool) journal.Entry {
	id := "a" + string(rune('0'+n))
	return journal.Entry{ID: id, Lang: "sv", Op: journal.Upsert, At: t0, Slug: id + "-ny", Hash: "h",
		PreviousSlug: id, URL: "https://x.se/sv/" + id + "-ny", PreviousURL: "https://x.se/sv/" + id, Silent: silent}
}

// bodyID returns the event a request carried.
func bodyID(t *testing.T, req request) webhook.Event {
	t.Helper()
	var ev webhook.Event
	if err := json.Unmarshal(req.Body, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// TestFollowSurvivesRestart: with Follow and a State file, a receiver's
// position in the journal is kept across restarts: changes made while
// the server was stopped, and deliveries still pending at shutdown, are
// delivered after it (issue 14, webhook deliveries survive restarts).
func TestFollowSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "webhooks.json")
	j, err := journal.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.Append(entryN(0, true)); err != nil { // before the first start: never sent
		t.Fatal(err)
	}

	var failing atomic.Bool
	rcv := newReceiver(t, func(n int, w http.ResponseWriter) {
		if failing.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})

	// First run: two changes are delivered.
	d, _ := newDispatcher(t, webhook.Options{URLs: []string{rcv.URL}, State: state})
	d.Follow(j)
	stop := start(t, d)
	j.Append(entryN(1, false), entryN(2, true), entryN(3, false))
	d.Enqueue(webhook.Event{})
	for _, want := range []string{"a1", "a3"} {
		if ev := bodyID(t, rcv.next(t)); ev.ID != want {
			t.Fatalf("delivered %s, want %s", ev.ID, want)
		}
	}
	rcv.quiet(t)
	stop()

	// Changed while stopped.
	j.Append(entryN(4, false))
	// Second run: the receiver fails, and the server stops meanwhile.
	failing.Store(true)
	d, _ = newDispatcher(t, webhook.Options{URLs: []string{rcv.URL}, State: state, MaxAttempts: 1000})
	d.Follow(j)
	stop = start(t, d)
	if ev := bodyID(t, rcv.next(t)); ev.ID != "a4" {
		t.Fatalf("after a restart delivered %s, want a4", ev.ID)
	}
	stop()
	for len(rcv.got) > 0 {
		<-rcv.got
	}

	// Third run: a4, pending at shutdown, is delivered, with what the
	// journal entry carries.
	failing.Store(false)
	d, _ = newDispatcher(t, webhook.Options{URLs: []string{rcv.URL}, State: state})
	d.Follow(j)
	start(t, d)
	ev := bodyID(t, rcv.next(t))
	url, prev := "https://x.se/sv/a4-ny", "https://x.se/sv/a4"
	want := webhook.Event{Event: webhook.EventUpsert, ID: "a4", Lang: "sv", Slug: "a4-ny", URL: &url, PreviousURL: &prev, At: t0}
	if diff := cmp.Diff(want, ev); diff != "" {
		t.Errorf("event after a restart (-want +got):\n%s", diff)
	}
	rcv.quiet(t)

	// A new receiver starts at the end.
	other := newReceiver(t, ok)
	d, _ = newDispatcher(t, webhook.Options{URLs: []string{other.URL}, State: state})
	d.Follow(j)
	start(t, d)
	other.quiet(t)
}
