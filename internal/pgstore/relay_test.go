package pgstore_test

import (
	"context"
	"fmt"
	"log/slog"
	neturl "net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/amal-kommun/tolk/internal/pgstore"
	"github.com/amal-kommun/tolk/internal/pgstore/pgtest"
	"github.com/amal-kommun/tolk/internal/store"
)

func TestDeliveryID(t *testing.T) {
	t.Parallel()
	e1, e2 := pgstore.Epoch{1}, pgstore.Epoch{2}
	id := pgstore.DeliveryID(e1, "default", 7, "r")
	if id != pgstore.DeliveryID(e1, "default", 7, "r") || len(id) != 32 {
		t.Fatalf("DeliveryID not deterministic or not 32 hex digits: %s", id)
	}
	seen := map[string]string{id: "base"}
	for what, other := range map[string]string{
		"epoch":    pgstore.DeliveryID(e2, "default", 7, "r"),
		"site":     pgstore.DeliveryID(e1, "other", 7, "r"),
		"sequence": pgstore.DeliveryID(e1, "default", 8, "r"),
		"receiver": pgstore.DeliveryID(e1, "default", 7, "s"),
		"boundary": pgstore.DeliveryID(e1, "defaul", 7, "tr"),
	} {
		if prev, dup := seen[other]; dup {
			t.Errorf("another %s gives the id of %s", what, prev)
		}
		seen[other] = what
	}
}

// relayNode is one replica running Relay, recording what it delivers.
type relayNode struct {
	name   string
	st     *pgstore.Store
	cancel context.CancelFunc
	done   chan struct{}
}

type delivered struct {
	node     string
	receiver string
	seq      uint64
	id       string
}

// TestRelayFailover: two replicas run Relay for two receivers; one leads
// at a time; every entry reaches every receiver in order, and after the
// leader's connection is killed the other takes over within seconds,
// redelivering at most what was in flight, with the same delivery id.
func TestRelayFailover(t *testing.T) {
	t.Parallel()
	st, url := open(t)
	ctx := t.Context()
	site := fmt.Sprintf("relay-%d", time.Now().UnixNano()%1e9)
	writeOne(t, st, site, "before") // before any relay: not sent to receivers
	receivers := []string{"https://a.example/hook", "https://b.example/hook?token=x"}

	var mu sync.Mutex
	var got []delivered
	var active atomic.Int32 // replicas delivering right now
	var overlap atomic.Bool
	node := func(name string) *relayNode {
		s, err := pgstore.Open(ctx, url, pgstore.Options{Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil)).With("node", name)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		rctx, cancel := context.WithCancel(ctx)
		n := &relayNode{name: name, st: s, cancel: cancel, done: make(chan struct{})}
		go func() {
			defer close(n.done)
			s.Relay(rctx, site, receivers, pgstore.RelayOptions{
				Lead:   pgstore.LeadOptions{Retry: 100 * time.Millisecond, Check: 100 * time.Millisecond},
				Listen: pgstore.ListenOptions{Poll: time.Second},
			}, func(ctx context.Context, d pgstore.Delivery) error {
				if active.Add(1) > 1 {
					overlap.Store(true)
				}
				defer active.Add(-1)
				mu.Lock()
				got = append(got, delivered{name, d.Receiver, d.Seq, d.ID})
				mu.Unlock()
				return ctx.Err()
			})
		}()
		return n
	}
	a, b := node("a"), node("b")
	defer a.cancel()
	defer b.cancel()

	waitAll := func(head uint64) {
		t.Helper()
		for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
			mu.Lock()
			ok := 0
			for _, r := range receivers {
				for _, d := range got {
					if d.receiver == r && d.seq == head {
						ok++
						break
					}
				}
			}
			mu.Unlock()
			if ok == len(receivers) {
				return
			}
			if time.Since(start) > 10*time.Second {
				t.Fatalf("sequence %d not delivered to every receiver within 10 s", head)
			}
		}
	}
	// Wait until one of them leads (has its position rows).
	for start := time.Now(); queryInt(t, url, `SELECT count(*) FROM tolk_webhook_positions WHERE site = $1`, site) < 2; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatal("no replica started relaying")
		}
	}
	var head uint64
	for i := range 10 {
		head = writeOne(t, st, site, fmt.Sprintf("a%d", i)).Head
	}
	waitAll(head)

	// The lock holder's connection dies: the lock goes with it.
	if n := queryInt(t, url, `SELECT count(*) FROM (SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
		WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = $1) k`, "tolk-relay:"+site); n != 1 {
		t.Fatalf("killed %d lock holders, want 1", n)
	}
	killedAt := time.Now()
	for i := range 10 {
		head = writeOne(t, st, site, fmt.Sprintf("b%d", i)).Head
	}
	waitAll(head)
	if d := time.Since(killedAt); d > 5*time.Second {
		t.Errorf("relaying resumed %v after the leader's connection died", d)
	}

	// The leading replica stops (its process ends): the other takes over.
	mu.Lock()
	leader := got[len(got)-1].node
	mu.Unlock()
	nodes := map[string]*relayNode{"a": a, "b": b}
	nodes[leader].cancel()
	<-nodes[leader].done
	stoppedAt := time.Now()
	for i := range 5 {
		head = writeOne(t, st, site, fmt.Sprintf("c%d", i)).Head
	}
	waitAll(head)
	if d := time.Since(stoppedAt); d > 5*time.Second {
		t.Errorf("relaying resumed %v after the leader stopped", d)
	}
	mu.Lock()
	if last := got[len(got)-1].node; last == leader {
		t.Errorf("replica %s delivered after it stopped", leader)
	}
	mu.Unlock()

	if overlap.Load() {
		t.Error("two replicas delivered at the same time")
	}
	mu.Lock()
	defer mu.Unlock()
	ids := map[string]string{}
	for _, r := range receivers {
		var last uint64
		seen := map[uint64]int{}
		for _, d := range got {
			if d.receiver != r {
				continue
			}
			// Redeliveries after a failover may repeat what was in
			// flight; what is new comes in order.
			if seen[d.seq] == 0 {
				if d.seq < last {
					t.Errorf("%s: sequence %d first delivered after %d", r, d.seq, last)
				}
				last = d.seq
			}
			seen[d.seq]++
			key := fmt.Sprintf("%s %d", r, d.seq)
			if prev, ok := ids[key]; ok && prev != d.id {
				t.Errorf("%s: redelivery of %d with another id", r, d.seq)
			}
			ids[key] = d.id
		}
		for seq := uint64(2); seq <= head; seq++ {
			if seen[seq] == 0 {
				t.Errorf("%s: sequence %d never delivered", r, seq)
			}
			if seen[seq] > 2 {
				t.Errorf("%s: sequence %d delivered %d times", r, seq, seen[seq])
			}
		}
		if seen[1] != 0 {
			t.Errorf("%s: got the entry written before it had a position", r)
		}
	}
	a.cancel()
	b.cancel()
	<-a.done
	<-b.done
}

// testWriter sends log lines to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// TestRelayWaitsForReplicas: an entry is announced only once every live
// replica has applied its revision; a replica not heard from for
// ReplicaStale holds nothing back, nor one whose connection closed (at
// once), nor one that never had a connection; a Backend's Watch reports
// what it applied, and forgets it when it stops.
func TestRelayWaitsForReplicas(t *testing.T) {
	t.Parallel()
	st, url := open(t)
	ctx := t.Context()
	site := "default"
	first := writeOne(t, st, site, "a")
	// A replica is live while its connection is open.
	slowConn := func() *pgx.Conn {
		t.Helper()
		cfg, err := pgx.ParseConfig(url)
		if err != nil {
			t.Fatal(err)
		}
		cfg.RuntimeParams["application_name"] = pgstore.ReplicaApplication("slow", site)
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close(context.Background()) })
		return conn
	}
	slow := slowConn()
	if err := st.ReportApplied(ctx, site, "slow", first.Rev); err != nil {
		t.Fatal(err)
	}
	// A record without a connection (a replica killed) holds nothing back.
	if err := st.ReportApplied(ctx, site, "killed", 0); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []uint64
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go st.Relay(rctx, site, []string{"https://r.example/"}, pgstore.RelayOptions{
		Lead:        pgstore.LeadOptions{Retry: 50 * time.Millisecond, Check: 100 * time.Millisecond},
		ReplicaWait: time.Minute, ReplicaStale: 4 * time.Second,
	}, func(ctx context.Context, d pgstore.Delivery) error {
		mu.Lock()
		got = append(got, d.Seq)
		mu.Unlock()
		return nil
	})
	delivered := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(got)
	}
	for start := time.Now(); queryInt(t, url, `SELECT count(*) FROM tolk_webhook_positions`) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatal("relay did not start")
		}
	}
	// The slow replica is alive (heard from just now) and behind.
	if err := st.ReportApplied(ctx, site, "slow", first.Rev); err != nil {
		t.Fatal(err)
	}
	second := writeOne(t, st, site, "b")
	time.Sleep(300 * time.Millisecond)
	if n := delivered(); n != 0 {
		t.Fatalf("%d deliveries before the slow replica applied the change", n)
	}
	if err := st.ReportApplied(ctx, site, "slow", second.Rev); err != nil {
		t.Fatal(err)
	}
	for start := time.Now(); delivered() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 3*time.Second {
			t.Fatal("not delivered after the replica applied it")
		}
	}
	// The slow replica goes silent: after ReplicaStale it holds nothing back.
	writeOne(t, st, site, "c")
	for start := time.Now(); delivered() < 2; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatal("a silent replica held the relay back")
		}
	}
	// Heard from again, and behind: it holds the next entry back until its
	// connection closes, and not a moment longer.
	third := writeOne(t, st, site, "c2")
	if err := st.ReportApplied(ctx, site, "slow", third.Rev); err != nil {
		t.Fatal(err)
	}
	for start := time.Now(); delivered() < 3; time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 3*time.Second {
			t.Fatal("not delivered after the replica applied it")
		}
	}
	writeOne(t, st, site, "c3")
	time.Sleep(300 * time.Millisecond)
	if n := delivered(); n != 3 {
		t.Fatalf("%d deliveries before the slow replica applied the change, want 3", n)
	}
	slow.Close(ctx)
	closed := time.Now()
	for ; delivered() < 4; time.Sleep(10 * time.Millisecond) {
		if time.Since(closed) > 3*time.Second { // ReplicaStale would be 4 s
			t.Fatal("a replica whose connection closed held the relay back")
		}
	}
	t.Logf("delivered %v after the behind replica's connection closed", time.Since(closed))

	// A Backend's Watch reports its revision, and forgets it when it stops.
	be, err := pgstore.NewBackend(st, site, pgstore.ListenOptions{Poll: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := be.Load(ctx); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); be.Watch(wctx, func(store.Delta) {}) }()
	head := writeOne(t, st, site, "d")
	for start := time.Now(); queryInt(t, url, `SELECT count(*) FROM tolk_replicas WHERE replica NOT IN ('slow', 'killed') AND rev = $1`, head.Rev) != 1; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatal("the Backend did not report its applied revision")
		}
	}
	wcancel()
	<-done
	if n := queryInt(t, url, `SELECT count(*) FROM tolk_replicas WHERE replica NOT IN ('slow', 'killed')`); n != 0 {
		t.Errorf("%d records of a stopped Backend", n)
	}
}

// TestRelayFailoverKilledReplica measures a failover as a killed process
// makes it: two replicas each run a Backend's Watch and Relay with the
// defaults of tolk serve; the relaying one loses every connection at once
// (they go through a proxy that is cut, so PostgreSQL sees them close, as
// when the process is killed, and it cannot reconnect). A change written
// next is delivered by the other within failoverBound: the lock's takeover
// (LeadOptions.Retry, 1 s), not RelayOptions.ReplicaWait (10 s), since
// the dead replica, whose record was fresh, stops counting the moment its
// connection closed. (About 0.9 s on the development machine, 10.8-11 s
// when a replica counted as live until its record was stale; the bound
// leaves room for a loaded machine.)
func TestRelayFailoverKilledReplica(t *testing.T) {
	t.Parallel()
	const failoverBound = 5 * time.Second
	st, direct := open(t)
	ctx := t.Context()
	site := "default"
	writeOne(t, st, site, "before")
	u, err := neturl.Parse(direct)
	if err != nil {
		t.Fatal(err)
	}
	proxy := pgtest.NewProxy(t, u.Host)
	u.Host = proxy.Addr()
	q := u.Query()
	q.Set("connect_timeout", "1")
	u.RawQuery = q.Encode()

	var mu sync.Mutex
	got := map[uint64]string{} // sequence → the node that delivered it
	run := func(name, url string) context.CancelFunc {
		s, err := pgstore.Open(ctx, url, pgstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		be, err := pgstore.NewBackend(s, site, pgstore.ListenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := be.Load(ctx); err != nil {
			t.Fatal(err)
		}
		rctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Go(func() { be.Watch(rctx, func(store.Delta) {}) })
		wg.Go(func() {
			s.Relay(rctx, site, []string{"https://r.example/"}, pgstore.RelayOptions{}, func(ctx context.Context, d pgstore.Delivery) error {
				mu.Lock()
				got[d.Seq] = name
				mu.Unlock()
				return nil
			})
		})
		stop := func() { cancel(); wg.Wait(); s.Close() }
		t.Cleanup(stop)
		return cancel
	}
	deliveredBy := func(seq uint64, within time.Duration) (string, time.Duration) {
		t.Helper()
		start := time.Now()
		for {
			mu.Lock()
			by := got[seq]
			mu.Unlock()
			if by != "" {
				return by, time.Since(start)
			}
			if time.Since(start) > within {
				t.Fatalf("sequence %d not delivered within %v", seq, within)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	run("a", u.String()) // alone at first: it leads
	for start := time.Now(); queryInt(t, direct, `SELECT count(*) FROM tolk_webhook_positions WHERE site = $1`, site) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatal("a did not start relaying")
		}
	}
	run("b", direct)
	res := writeOne(t, st, site, "one")
	if by, _ := deliveredBy(res.Head, 10*time.Second); by != "a" {
		t.Fatalf("delivered by %s, want a", by)
	}
	// Both replicas have applied it and said so.
	for start := time.Now(); queryInt(t, direct, `SELECT count(*) FROM tolk_replicas WHERE site = $1 AND rev = $2`, site, res.Rev) != 2; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatal("the replicas did not report their revision")
		}
	}

	proxy.Cut() // a is killed
	res = writeOne(t, st, site, "two")
	by, took := deliveredBy(res.Head, 30*time.Second)
	t.Logf("after the relaying replica's connections closed, a change was delivered by %s within %v", by, took)
	if by != "b" {
		t.Errorf("delivered by %s, want b", by)
	}
	if took > failoverBound {
		t.Errorf("failover took %v, want at most %v", took, failoverBound)
	}
}
