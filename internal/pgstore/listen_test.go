package pgstore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/pgstore"
)

// follower follows a site as a replica does: woken by Listen, it reads
// what committed after its position.
type follower struct {
	st   *pgstore.Store
	site string
	rev  atomic.Uint64
}

func (f *follower) wake(ctx context.Context) {
	ch, err := f.st.Since(ctx, f.site, f.rev.Load())
	if err == nil {
		f.rev.Store(ch.Rev)
	}
}

// waitRev waits until f has applied rev, failing after d.
func (f *follower) waitRev(t *testing.T, rev uint64, d time.Duration, what string) time.Duration {
	t.Helper()
	start := time.Now()
	for f.rev.Load() < rev {
		if time.Since(start) > d {
			t.Fatalf("%s: follower at revision %d after %v, want %d", what, f.rev.Load(), d, rev)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

func writeOne(t *testing.T, st *pgstore.Store, site, id string) pgstore.Result {
	t.Helper()
	res, err := st.Update(t.Context(), site, 0, func(ctx context.Context, tx *pgstore.Tx) error {
		_, err := tx.Put(ctx, id, "sv", []byte(id))
		tx.Log(journal.Entry{ID: id, Lang: "sv", Op: journal.Upsert, Slug: id})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestListenReconnects: a notification wakes the follower at once; after
// its connection is killed (pg_terminate_backend), a commit made while it
// had none is caught up on reconnection, long before the next poll.
func TestListenReconnects(t *testing.T) {
	t.Parallel()
	st, url := open(t)
	site := fmt.Sprintf("listen-%d", time.Now().UnixNano()%1e9)
	writeOne(t, st, site, "a")
	f := &follower{st: st, site: site}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- st.Listen(ctx, site, pgstore.ListenOptions{Poll: time.Minute, MinBackoff: 50 * time.Millisecond}, f.wake)
	}()
	f.waitRev(t, 1, 5*time.Second, "first connection")

	res := writeOne(t, st, site, "b")
	if d := f.waitRev(t, res.Rev, 5*time.Second, "notification"); d > 2*time.Second {
		t.Errorf("a notification took %v to arrive", d)
	}
	// Another site's commit does not matter; kill the listener's connection
	// and commit while it is down.
	writeOne(t, st, site+"-other", "x")
	if n := kill(t, url, "tolk-listen:"+site); n != 1 {
		t.Fatalf("killed %d listener sessions, want 1", n)
	}
	res = writeOne(t, st, site, "c")
	f.waitRev(t, res.Rev, 10*time.Second, "after pg_terminate_backend")
	// It listens again: the next commit arrives by notification.
	time.Sleep(200 * time.Millisecond)
	res = writeOne(t, st, site, "d")
	if d := f.waitRev(t, res.Rev, 5*time.Second, "notification after reconnecting"); d > 2*time.Second {
		t.Errorf("a notification after reconnecting took %v", d)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Listen = %v, want nil when ctx ends", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Listen did not return after ctx ended")
	}
}

// TestListenPolls: without notifications (a commit the listener misses
// entirely), the poll catches up.
func TestListenPolls(t *testing.T) {
	t.Parallel()
	st, url := open(t)
	site := fmt.Sprintf("poll-%d", time.Now().UnixNano()%1e9)
	writeOne(t, st, site, "a")
	f := &follower{st: st, site: site}
	go st.Listen(t.Context(), site, pgstore.ListenOptions{Poll: 300 * time.Millisecond}, f.wake)
	f.waitRev(t, 1, 5*time.Second, "first connection")
	// A commit without NOTIFY, as if the notification were lost.
	exec(t, url, `UPDATE tolk_sites SET rev = rev + 1 WHERE name = $1`, site)
	f.waitRev(t, 2, 3*time.Second, "poll")
}
