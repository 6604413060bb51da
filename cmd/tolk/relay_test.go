package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/amal-kommun/tolk/internal/config"
	"github.com/amal-kommun/tolk/internal/pgstore"
	"github.com/amal-kommun/tolk/internal/webhook"
)

// hookLog is a webhook receiver that records every delivery it is sent.
type hookLog struct {
	mu  sync.Mutex
	got []hookGot
}

type hookGot struct {
	delivery string // X-Tolk-Delivery
	id       string // the event's article
	signed   bool
}

func (h *hookLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var ev webhook.Event
	json.Unmarshal(body, &ev)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got = append(h.got, hookGot{r.Header.Get("X-Tolk-Delivery"), ev.ID, webhook.Sign(hookSecret, body) == r.Header.Get("X-Tolk-Signature")})
}

func (h *hookLog) deliveries() []hookGot {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.got)
}

const hookSecret = "relay-test-secret"

// relayFailover bounds how long after the relaying replica is killed
// (SIGKILL) another delivers a new change. The database releases the dead
// replica's lock when its connection drops, and counts a replica live only
// while its listening connection is open, so the killed one holds no
// entry back; well under a second on the development machine, with room
// for a loaded CI.
const relayFailover = 5 * time.Second

// TestServeDatabaseWebhooks runs three tolk serve --database processes
// with one --webhook receiver: PUTs on any replica reach the receiver once
// each, with the delivery id of their change-log entry (every sequence of
// the log, no other id, none twice); after the relaying process is killed
// (SIGKILL) with writes in flight, a PUT on another is still delivered,
// within relayFailover (measured), and every change is delivered, a
// change sent again only after the kill and with its one delivery id.
func TestServeDatabaseWebhooks(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers")
	}
	t.Parallel()
	db := importedDatabase(t)
	hooks := &hookLog{}
	recv := httptest.NewServer(hooks)
	t.Cleanup(recv.Close)
	ctx := t.Context()
	st, err := pgstore.Open(ctx, db, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	site, key := config.DefaultSite, pgstore.ReceiverKey(recv.URL)

	env := []string{"TOLK_ADMIN_TOKEN=" + testToken, "TOLK_RATE_LIMIT=0", "TOLK_DATABASE_URL=" + db,
		"TOLK_WEBHOOKS=" + recv.URL, "TOLK_WEBHOOK_SECRET=" + hookSecret}
	// A first, alone, so that it is the one relaying; then B and C.
	a := startServe(t, env)
	var from uint64
	for deadline := time.Now().Add(30 * time.Second); ; {
		pos, ok, err := st.Position(ctx, site, key)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			from = pos
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no replica started relaying within 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	b, c := startServe(t, env), startServe(t, env)
	replicas := []*child{a, b, c}

	// want returns the delivery ids of the log's entries after from, and
	// the article of each.
	want := func() map[string]string {
		t.Helper()
		log, epoch, _, err := st.Log(ctx, site, from, 10000)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]string{}
		for _, c := range log {
			if !c.Silent {
				ids[pgstore.DeliveryID(epoch, site, c.Seq, key)] = c.ID
			}
		}
		return ids
	}
	// check waits until the receiver holds exactly the deliveries of
	// want, each once (twice allowed from the index redeliverFrom on, a
	// failover's redelivery); it returns how long that took.
	check := func(n, redeliverFrom int, within time.Duration) time.Duration {
		t.Helper()
		start := time.Now()
		for {
			ids, got := want(), hooks.deliveries()
			seen := map[string]int{}
			var bad []string
			for i, g := range got {
				switch {
				case !g.signed:
					bad = append(bad, "unsigned "+g.delivery)
				case ids[g.delivery] != g.id:
					bad = append(bad, fmt.Sprintf("%s for %s is no delivery id of its entry", g.delivery, g.id))
				case seen[g.delivery] > 0 && i < redeliverFrom:
					bad = append(bad, fmt.Sprintf("%s (%s) twice", g.delivery, g.id))
				}
				seen[g.delivery]++
			}
			if len(bad) > 0 {
				t.Fatalf("deliveries: %v", bad)
			}
			if len(ids) == n && len(seen) == n {
				return time.Since(start)
			}
			if time.Since(start) > within {
				t.Fatalf("after %v: %d distinct deliveries of %d entries, want %d", within, len(seen), len(ids), n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	put := func(srv *child, i int) {
		t.Helper()
		if code, _, body := dbPut(t, srv.base, fmt.Sprintf("hook%d", i), fmt.Sprintf("ord%d", i), ""); code != 201 {
			t.Errorf("PUT %d on %s: %d %.300s", i, srv.base, code, body)
		}
	}

	writes := 9
	for i := range writes {
		put(replicas[i%3], i)
	}
	took := check(writes, len(hooks.deliveries())+writes, 15*time.Second)
	t.Logf("%d PUTs on A, B and C delivered once each within %v", writes, took)
	time.Sleep(300 * time.Millisecond) // nothing more comes
	check(writes, len(hooks.deliveries()), 0)

	// Kill the relaying replica with writes on B and C in flight: B or C
	// takes over.
	var wg sync.WaitGroup
	for i, srv := range []*child{b, c} {
		wg.Go(func() { put(srv, writes+i) })
	}
	before := len(hooks.deliveries())
	a.cmd.Process.Signal(syscall.SIGKILL)
	a.cmd.Wait()
	start := time.Now()
	wg.Wait()
	writes += 2
	put(b, writes)
	writes++
	took = check(writes, before, relayFailover)
	failover := time.Since(start)
	t.Logf("after the relaying replica was killed, a PUT on another was delivered within %v (%v after the kill)", took, failover)
	if failover > relayFailover {
		t.Errorf("relaying moved to another replica %v after the kill, want at most %v", failover, relayFailover)
	}
	// And on: the new relay delivers the next ones at once.
	for i := range 4 {
		put([]*child{b, c}[i%2], writes)
		writes++
	}
	took = check(writes, before, 5*time.Second)
	t.Logf("4 more PUTs on B and C delivered within %v", took)
}
