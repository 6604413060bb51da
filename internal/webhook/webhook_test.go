package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/amal-kommun/tolk/internal/webhook"
)

const secret = "s3cret"

var t0 = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// request is what a test receiver saw.
type request struct {
	At     time.Time
	Method string
	Header http.Header
	Body   []byte
}

// receiver is an httptest server that records requests and answers with
// respond(n), n counting requests from 1.
type receiver struct {
	*httptest.Server
	got chan request
}

func newReceiver(t *testing.T, respond func(n int, w http.ResponseWriter)) *receiver {
	t.Helper()
	r := &receiver{got: make(chan request, 10000)}
	var mu sync.Mutex
	n := 0
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		mu.Lock()
		n++
		i := n
		mu.Unlock()
		r.got <- request{At: time.Now(), Method: req.Method, Header: req.Header, Body: body}
		respond(i, w)
	}))
	t.Cleanup(r.Close)
	return r
}

func ok(int, http.ResponseWriter) {}

// next waits for the receiver's next request.
func (r *receiver) next(t *testing.T) request {
	t.Helper()
	select {
	case req := <-r.got:
		return req
	case <-time.After(5 * time.Second):
		t.Fatal("no request within 5 s")
		return request{}
	}
}

// quiet checks that the receiver gets no further request for a while.
func (r *receiver) quiet(t *testing.T) {
	t.Helper()
	select {
	case req := <-r.got:
		t.Errorf("unexpected request %s", req.Body)
	case <-time.After(100 * time.Millisecond):
	}
}

// hanging returns a receiver that never answers until the test ends or the
// client gives up.
func hanging(t *testing.T) *receiver {
	release := make(chan struct{})
	r := &receiver{got: make(chan request, 10000)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.got <- request{At: time.Now()}
		select {
		case <-release:
		case <-req.Context().Done():
		}
	}))
	t.Cleanup(r.Close)
	t.Cleanup(func() { close(release) }) // runs before Close
	return r
}

// closedURL returns the URL of a server that no longer listens.
func closedURL() string {
	s := httptest.NewServer(http.NotFoundHandler())
	s.Close()
	return s.URL
}

// start runs d until the test ends. The returned stop cancels Run and
// returns how long Run took to return; later calls return 0.
func start(t *testing.T, d *webhook.Dispatcher) (stop func() time.Duration) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	var once sync.Once
	stop = func() (took time.Duration) {
		once.Do(func() {
			began := time.Now()
			cancel()
			select {
			case <-done:
				took = time.Since(began)
			case <-time.After(2 * time.Second):
				t.Error("Run did not return within 2 s of cancellation")
			}
		})
		return took
	}
	t.Cleanup(func() { stop() })
	return stop
}

func newDispatcher(t *testing.T, opts webhook.Options) (*webhook.Dispatcher, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	if opts.Secret == "" {
		opts.Secret = secret
	}
	opts.Registerer = reg
	if opts.BaseDelay == 0 {
		opts.BaseDelay = time.Millisecond
	}
	if opts.MaxDelay == 0 {
		opts.MaxDelay = 10 * time.Millisecond
	}
	d, err := webhook.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return d, reg
}

// counts returns tolk_webhook_deliveries_total by result.
func counts(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "tolk_webhook_deliveries_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			got[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
		}
	}
	return got
}

// waitCounts waits until the counters equal want.
func waitCounts(t *testing.T, reg *prometheus.Registry, want map[string]float64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := counts(t, reg)
		diff := cmp.Diff(want, got)
		if diff == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries_total (-want +got):\n%s", diff)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func result(delivered, retried, dropped, overflow float64) map[string]float64 {
	return map[string]float64{"delivered": delivered, "retried": retried, "dropped": dropped, "overflow": overflow}
}

func event(i int) webhook.Event {
	u := fmt.Sprintf("https://example.org/sv/a%d", i)
	return webhook.Event{Event: webhook.EventUpsert, ID: fmt.Sprintf("a%d", i), Lang: "sv", Slug: fmt.Sprintf("s%d", i), URL: &u, At: t0}
}

func TestDelivery(t *testing.T) {
	r := newReceiver(t, ok)
	d, reg := newDispatcher(t, webhook.Options{URLs: []string{r.URL}})
	start(t, d)
	prev := "https://example.org/sv/old"
	d.Enqueue(webhook.Event{Event: webhook.EventUpsert, ID: "a1", Lang: "sv", Slug: "ny", URL: ptr("https://example.org/sv/ny"), PreviousURL: &prev,
		At: time.Date(2026, 11, 29, 13, 0, 0, 0, time.FixedZone("CET", 3600))})
	d.Enqueue(webhook.Event{Event: webhook.EventDelete, ID: "a1", Lang: "en", Slug: "gone", At: t0})

	for _, want := range []struct{ event, body string }{
		{"article.upsert", `{"event":"article.upsert","id":"a1","lang":"sv","slug":"ny","url":"https://example.org/sv/ny","previous_url":"https://example.org/sv/old","at":"2026-11-29T12:00:00Z"}`},
		{"article.delete", `{"event":"article.delete","id":"a1","lang":"en","slug":"gone","url":null,"previous_url":null,"at":"2026-11-29T12:00:00Z"}`},
	} {
		req := r.next(t)
		if diff := cmp.Diff(want.body, string(req.Body)); diff != "" {
			t.Errorf("body (-want +got):\n%s", diff)
		}
		if req.Method != http.MethodPost {
			t.Errorf("method %s, want POST", req.Method)
		}
		for k, v := range map[string]string{"Content-Type": "application/json", "User-Agent": "Tolk-Webhook/1", "X-Tolk-Event": want.event} {
			if got := req.Header.Get(k); got != v {
				t.Errorf("%s: %q, want %q", k, got, v)
			}
		}
		if sig := req.Header.Get("X-Tolk-Signature"); !verify(secret, req.Body, sig) {
			t.Errorf("X-Tolk-Signature %q does not verify", sig)
		}
		if id := req.Header.Get("X-Tolk-Delivery"); len(id) < 16 {
			t.Errorf("X-Tolk-Delivery %q is not a unique id", id)
		}
	}
	waitCounts(t, reg, result(2, 0, 0, 0))
}

func TestDeliveryIDsAreUnique(t *testing.T) {
	a, b := newReceiver(t, ok), newReceiver(t, ok)
	d, _ := newDispatcher(t, webhook.Options{URLs: []string{a.URL, b.URL, a.URL}}) // the duplicate is ignored
	start(t, d)
	for i := range 20 {
		d.Enqueue(event(i))
	}
	ids := map[string]bool{}
	for _, r := range []*receiver{a, b} {
		for range 20 {
			ids[r.next(t).Header.Get("X-Tolk-Delivery")] = true
		}
		r.quiet(t)
	}
	if len(ids) != 40 {
		t.Errorf("%d distinct delivery ids for 40 deliveries", len(ids))
	}
}

func TestRetryThenSuccess(t *testing.T) {
	r := newReceiver(t, func(n int, w http.ResponseWriter) {
		if n == 1 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	d, reg := newDispatcher(t, webhook.Options{URLs: []string{r.URL}})
	start(t, d)
	d.Enqueue(event(1))
	first, second := r.next(t), r.next(t)
	if !bytes.Equal(first.Body, second.Body) || first.Header.Get("X-Tolk-Delivery") != second.Header.Get("X-Tolk-Delivery") {
		t.Errorf("the retry differs from the first attempt:\n%s %s\n%s %s", first.Header.Get("X-Tolk-Delivery"), first.Body,
			second.Header.Get("X-Tolk-Delivery"), second.Body)
	}
	if !verify(secret, second.Body, second.Header.Get("X-Tolk-Signature")) {
		t.Error("the retry's signature does not verify")
	}
	waitCounts(t, reg, result(1, 1, 0, 0))
	r.quiet(t)
}

func TestFailures(t *testing.T) {
	status := func(code int) func(int, http.ResponseWriter) {
		return func(_ int, w http.ResponseWriter) { w.WriteHeader(code) }
	}
	for _, tc := range []struct {
		name     string
		respond  func(int, http.ResponseWriter)
		attempts int
	}{
		{"400 is permanent", status(400), 1},
		{"404 is permanent", status(404), 1},
		{"410 is permanent", status(410), 1},
		{"redirect is permanent", func(_ int, w http.ResponseWriter) {
			w.Header().Set("Location", "/elsewhere")
			w.WriteHeader(http.StatusMovedPermanently)
		}, 1},
		{"408 is retried", status(408), 3},
		{"429 is retried", status(429), 3},
		{"500 is retried", status(500), 3},
		{"503 is retried", status(503), 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReceiver(t, tc.respond)
			d, reg := newDispatcher(t, webhook.Options{URLs: []string{r.URL}, MaxAttempts: 3})
			start(t, d)
			d.Enqueue(event(1))
			for range tc.attempts {
				r.next(t)
			}
			waitCounts(t, reg, result(0, float64(tc.attempts-1), 1, 0))
			r.quiet(t)
		})
	}
	t.Run("connection refused is retried", func(t *testing.T) {
		d, reg := newDispatcher(t, webhook.Options{URLs: []string{closedURL()}, MaxAttempts: 3})
		start(t, d)
		d.Enqueue(event(1))
		waitCounts(t, reg, result(0, 2, 1, 0))
	})
}

func TestRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name       string
		retryAfter string
		min, max   time.Duration
	}{
		// MaxDelay is 300 ms; without Retry-After the first retry waits < 1 ms.
		{"seconds, capped at MaxDelay", "1", 300 * time.Millisecond, 950 * time.Millisecond},
		{"HTTP date, capped at MaxDelay", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), 300 * time.Millisecond, 950 * time.Millisecond},
		{"zero", "0", 0, 250 * time.Millisecond},
		{"malformed falls back to backoff", "soon", 0, 250 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReceiver(t, func(n int, w http.ResponseWriter) {
				if n == 1 {
					w.Header().Set("Retry-After", tc.retryAfter)
					w.WriteHeader(http.StatusTooManyRequests)
				}
			})
			d, reg := newDispatcher(t, webhook.Options{URLs: []string{r.URL}, MaxDelay: 300 * time.Millisecond})
			start(t, d)
			d.Enqueue(event(1))
			first := r.next(t)
			gap := r.next(t).At.Sub(first.At)
			if gap < tc.min || gap > tc.max {
				t.Errorf("retry after %v, want between %v and %v", gap, tc.min, tc.max)
			}
			waitCounts(t, reg, result(1, 1, 0, 0))
		})
	}
}

// TestDeadReceivers checks that receivers that hang or refuse connections
// slow neither Enqueue nor the deliveries to a healthy receiver.
func TestDeadReceivers(t *testing.T) {
	const n, nRounds = 1000, 5
	good, stuck := newReceiver(t, ok), hanging(t)
	d, reg := newDispatcher(t, webhook.Options{URLs: []string{stuck.URL, closedURL(), good.URL},
		MaxAttempts: 3, BaseDelay: 200 * time.Millisecond, MaxDelay: time.Second})
	stop := start(t, d)

	// The machine may be busy with other work, so take the fastest of five
	// rounds: a dead receiver that slowed Enqueue would slow every round.
	began := time.Now()
	var rounds []time.Duration
	for round := range nRounds {
		roundStart := time.Now()
		for i := range n {
			d.Enqueue(event(round*n + i))
		}
		rounds = append(rounds, time.Since(roundStart))
	}
	t.Logf("%d Enqueue calls to 3 receivers, %d rounds: %v", n, len(rounds), rounds)
	if fastest := slices.Min(rounds); fastest > enqueueBudget {
		t.Errorf("%d Enqueue calls took at best %v, want well under %v", n, fastest, time.Duration(enqueueBudget))
	}
	for i := range nRounds * n {
		var ev webhook.Event
		if err := json.Unmarshal(good.next(t).Body, &ev); err != nil || ev.ID != event(i).ID {
			t.Fatalf("delivery %d to the healthy receiver: %s (%v), want %s", i, ev.ID, err, event(i).ID)
		}
	}
	t.Logf("%d deliveries to the healthy receiver: %v after the first Enqueue", nRounds*n, time.Since(began))
	if len(stuck.got) == 0 {
		t.Error("the hanging receiver got no request")
	}
	deadline := time.Now().Add(5 * time.Second)
	for c := counts(t, reg); c["delivered"] != nRounds*n || c["overflow"] != 0; c = counts(t, reg) {
		if time.Now().After(deadline) {
			t.Fatalf("counts %v, want %d delivered and no overflow", c, nRounds*n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	took := stop()
	t.Logf("Run returned %v after cancellation", took)
	if took > 500*time.Millisecond {
		t.Errorf("Run took %v to return after cancellation", took)
	}
}

func TestOverflow(t *testing.T) {
	a, b := newReceiver(t, ok), newReceiver(t, ok)
	var logs lockedBuffer
	d, reg := newDispatcher(t, webhook.Options{URLs: []string{a.URL, b.URL}, QueueSize: 2,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	for i := range 5 {
		d.Enqueue(event(i)) // before Run: events 2, 3, 4 do not fit
	}
	if got := counts(t, reg); got["overflow"] != 6 {
		t.Errorf("overflow = %v, want 6 (3 events × 2 receivers)", got["overflow"])
	}
	if got := strings.Count(logs.String(), "queue full"); got != 6 {
		t.Errorf("%d log lines about a full queue, want 6:\n%s", got, logs.String())
	}
	start(t, d)
	for _, r := range []*receiver{a, b} {
		for i := range 2 {
			var ev webhook.Event
			json.Unmarshal(r.next(t).Body, &ev)
			if ev.ID != event(i).ID {
				t.Errorf("delivery %d: %s, want %s", i, ev.ID, event(i).ID)
			}
		}
		r.quiet(t)
	}
	waitCounts(t, reg, result(4, 0, 0, 6))
}

func TestRunStopsPromptly(t *testing.T) {
	failing := newReceiver(t, func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) })
	stuck := hanging(t)
	var logs lockedBuffer
	d, _ := newDispatcher(t, webhook.Options{URLs: []string{failing.URL, stuck.URL}, BaseDelay: time.Hour, MaxDelay: time.Hour,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	stop := start(t, d)
	for i := range 3 {
		d.Enqueue(event(i))
	}
	failing.next(t) // now waiting up to an hour to retry
	stuck.next(t)   // now waiting for an answer
	took := stop()
	t.Logf("Run returned %v after cancellation", took)
	if took > 500*time.Millisecond {
		t.Errorf("Run took %v to return", took)
	}
	for _, want := range []string{
		`msg="webhook: shutting down, deliveries abandoned" receiver=` + failing.URL + " count=3",
		`msg="webhook: shutting down, deliveries abandoned" receiver=` + stuck.URL + " count=3",
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs.String())
		}
	}
}

func TestNoReceivers(t *testing.T) {
	d, err := webhook.New(webhook.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d.Enqueue(event(1))
	start(t, d)
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts webhook.Options
	}{
		{"relative URL", webhook.Options{URLs: []string{"/hook"}, Secret: secret}},
		{"other scheme", webhook.Options{URLs: []string{"ftp://example.org/hook"}, Secret: secret}},
		{"unparsable URL", webhook.Options{URLs: []string{"http://[::1"}, Secret: secret}},
		{"no secret", webhook.Options{URLs: []string{"https://example.org/hook"}}},
		{"negative attempts", webhook.Options{MaxAttempts: -1}},
		{"negative queue", webhook.Options{QueueSize: -1}},
		{"negative delay", webhook.Options{BaseDelay: -time.Second}},
		{"base above max", webhook.Options{BaseDelay: time.Hour, MaxDelay: time.Minute}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := webhook.New(tc.opts); err == nil {
				t.Error("New accepted invalid options")
			}
		})
	}
	t.Run("error hides the URL's path", func(t *testing.T) {
		_, err := webhook.New(webhook.Options{URLs: []string{"ftp://example.org/token-123"}, Secret: secret})
		if err == nil || strings.Contains(err.Error(), "token-123") {
			t.Errorf("error %v reveals the URL's path", err)
		}
	})
	t.Run("metrics registered twice", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		if _, err := webhook.New(webhook.Options{Registerer: reg}); err != nil {
			t.Fatal(err)
		}
		if _, err := webhook.New(webhook.Options{Registerer: reg}); err == nil {
			t.Error("a second Dispatcher registered the same metrics")
		}
	})
}

func ptr(s string) *string { return &s }

// lockedBuffer is a bytes.Buffer safe for a logger and a test to share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
