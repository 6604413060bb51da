package pgstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/amal-kommun/tolk/content"
	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/load"
	"github.com/amal-kommun/tolk/internal/store"
)

// TestMirrorMatchesLog: while two replicas write at once (each replica's
// own writes racing with the other's arriving through Watch), the change
// journal each replica's Backend mirrors gets every entry of the database's
// log once, in the log's order, as the log holds it, with the site's
// epoch: the same cursors on both.
func TestMirrorMatchesLog(t *testing.T) {
	t.Parallel()
	st, url := open(t)
	ctx := t.Context()
	if _, _, err := st.Import(ctx, "default", content.FS); err != nil {
		t.Fatal(err)
	}
	type node struct {
		s *store.Store
		j *journal.Journal
	}
	nodes := make([]node, 2)
	for i := range nodes {
		be := replica(t, url, "default")
		j := be.Journal()
		s, err := store.Open(ctx, store.Options{Backend: be, Journal: j})
		if err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); s.Watch(wctx) }()
		t.Cleanup(func() { cancel(); <-done; s.Close() })
		nodes[i] = node{s, j}
	}
	lib, _, _ := load.Load(ctx, content.FS)
	ids := lib.IDs()
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() {
			r := load.NewRenderer()
			for k := range 20 {
				id := ids[(i+k)%len(ids)]
				v := lib.Version(id, "sv")
				if v == nil {
					continue
				}
				file := fmt.Appendf(nil, "%s", load.Format(v))
				file = append(file, fmt.Sprintf("\nReplik %d, skrivning %d.\n", i, k)...)
				nv, ps := load.ParseVersion("articles/"+id+"/sv.md", file, r)
				if len(ps) > 0 {
					t.Error(ps)
					return
				}
				if _, err := n.s.Put(ctx, nv); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	log, _, head, err := st.Log(ctx, "default", 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	final, err := st.Snapshot(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	var want []journal.Entry
	for _, c := range log {
		want = append(want, c.Entry)
	}
	var ends []string
	for i, n := range nodes {
		for start := time.Now(); n.s.Current().Position < store.Position(final.Rev); time.Sleep(10 * time.Millisecond) {
			if time.Since(start) > 10*time.Second {
				t.Fatalf("replica %d at %d, database at %d", i, n.s.Current().Position, final.Rev)
			}
		}
		got, end, err := n.j.Since("", 100000)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("replica %d's journal differs from the database's log (head %d) (-log +journal):\n%s", i, head, diff)
		}
		if n.j.Epoch() != journal.Epoch(final.Epoch) {
			t.Errorf("replica %d's journal has epoch %x, the site %s", i, n.j.Epoch(), final.Epoch)
		}
		ends = append(ends, end)
	}
	if ends[0] != ends[1] {
		t.Errorf("the replicas' cursors at the head differ: %q and %q", ends[0], ends[1])
	}
}
