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
// journal each replica's core mirrors gets every entry of the database's
// log once, in the log's order.
func TestMirrorMatchesLog(t *testing.T) {
	t.Parallel()
	st, url := open(t)
	ctx := t.Context()
	if _, _, err := st.Import(ctx, "default", content.FS); err != nil {
		t.Fatal(err)
	}
	snap, err := st.Snapshot(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	type node struct {
		s *store.Store
		j *journal.Journal
	}
	nodes := make([]node, 2)
	for i := range nodes {
		j, err := journal.Open("")
		if err != nil {
			t.Fatal(err)
		}
		be := replica(t, url, "default")
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
	log, _, head, err := st.Log(ctx, "default", snap.Head, 10000)
	if err != nil {
		t.Fatal(err)
	}
	final, err := st.Snapshot(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, c := range log {
		want = append(want, fmt.Sprintf("%s/%s %s", c.ID, c.Lang, c.Op))
	}
	for i, n := range nodes {
		for start := time.Now(); n.s.Current().Position < store.Position(final.Rev); time.Sleep(10 * time.Millisecond) {
			if time.Since(start) > 10*time.Second {
				t.Fatalf("replica %d at %d, database at %d", i, n.s.Current().Position, final.Rev)
			}
		}
		es, _, err := n.j.Since("", 100000)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range es {
			got = append(got, fmt.Sprintf("%s/%s %s", e.ID, e.Lang, e.Op))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("replica %d's journal differs from the database's log after %d (head %d) (-log +journal):\n%s", i, snap.Head, head, diff)
		}
	}
}
