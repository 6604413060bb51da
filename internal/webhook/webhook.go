package webhook

import (
	"bytes"
	"cmp"
	"context"
	crand "crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Event names.
const (
	EventUpsert = "article.upsert"
	EventDelete = "article.delete"
)

// Event is the JSON body POSTed to receivers. URL and PreviousURL encode as
// null when nil; At encodes as RFC 3339 in UTC.
type Event struct {
	Event       string    `json:"event"` // EventUpsert or EventDelete
	ID          string    `json:"id"`
	Lang        string    `json:"lang"`
	Slug        string    `json:"slug"`
	URL         *string   `json:"url"`
	PreviousURL *string   `json:"previous_url"`
	At          time.Time `json:"at"`
}

// Options configures a Dispatcher. Zero values select the defaults.
type Options struct {
	// URLs are the receivers, absolute http or https URLs; duplicates are
	// ignored. With none, the Dispatcher does nothing.
	URLs []string
	// Secret keys the X-Tolk-Signature HMAC. It is required when URLs is
	// not empty.
	Secret string
	// Client sends the requests. Nil means a client with a 10 s timeout
	// that does not follow redirects (a 3xx is a permanent failure).
	Client *http.Client
	// MaxAttempts is the number of attempts per delivery, default 8.
	MaxAttempts int
	// BaseDelay and MaxDelay bound the wait before retry n, drawn uniformly
	// from [0, min(MaxDelay, BaseDelay·2ⁿ⁻¹)); defaults 1 s and 5 min. A
	// Retry-After header replaces the draw, capped at MaxDelay.
	BaseDelay, MaxDelay time.Duration
	// QueueSize is the number of deliveries each receiver may have
	// waiting, default 10000.
	QueueSize int
	// Logger receives delivery failures and drops; nil discards them.
	Logger *slog.Logger
	// State is the file in which Follow keeps each receiver's position in
	// the change journal, written atomically after every delivery, so
	// that deliveries resume after a restart; "" keeps the positions in
	// memory only. It is not used without Follow.
	State string
	// Registerer, if not nil, registers the counter
	// tolk_webhook_deliveries_total{result="delivered|retried|dropped|overflow"}:
	// deliveries acknowledged with a 2xx; attempts that failed and were
	// scheduled again; deliveries given up (a permanent failure or
	// MaxAttempts reached); deliveries refused because a queue was full.
	Registerer prometheus.Registerer
}

// Dispatcher queues events and delivers them to every receiver. Its methods
// are safe for concurrent use.
type Dispatcher struct {
	receivers   []*receiver
	secret      string
	client      *http.Client
	maxAttempts int
	baseDelay   time.Duration
	maxDelay    time.Duration
	log         *slog.Logger
	running     atomic.Bool

	// Of Follow: the journal followed, once following is closed, and the
	// receivers' positions in it.
	pos        *positions
	src        Source
	following  chan struct{}
	followOnce sync.Once

	delivered, retried, dropped, overflow prometheus.Counter
}

// receiver is one URL with its queue; one goroutine of Run drains it.
// Enqueue only sends a pointer to each queue: encoding, the delivery id and
// the signature are the worker's work, kept off the write path.
type receiver struct {
	url   string
	name  string        // scheme and host only: paths and queries often hold tokens
	queue chan *Event   // one *Event is shared by all receivers and never modified
	key   string        // in the state file
	wake  chan struct{} // of Follow: entries may have been appended
}

// delivery is one event for one receiver.
type delivery struct {
	id    string // X-Tolk-Delivery, the same on every attempt
	event string
	body  []byte
}

type outcome int

const (
	delivered outcome = iota
	retry
	permanent
)

// New returns a Dispatcher for opts. It reports an error for a receiver
// that is not an absolute http or https URL, for receivers without a
// Secret, for negative sizes or delays, and when the metrics cannot be
// registered.
func New(opts Options) (*Dispatcher, error) {
	d := &Dispatcher{
		secret:      opts.Secret,
		client:      opts.Client,
		maxAttempts: cmp.Or(opts.MaxAttempts, 8),
		baseDelay:   cmp.Or(opts.BaseDelay, time.Second),
		maxDelay:    cmp.Or(opts.MaxDelay, 5*time.Minute),
		log:         opts.Logger,
		following:   make(chan struct{}),
	}
	queueSize := cmp.Or(opts.QueueSize, 10000)
	var errs []error
	for _, raw := range opts.URLs {
		if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("webhook: receiver %s is not an absolute http or https URL", redact(raw)))
		}
	}
	if len(opts.URLs) > 0 && opts.Secret == "" {
		errs = append(errs, errors.New("webhook: a secret is required to sign deliveries"))
	}
	if opts.MaxAttempts < 0 || opts.BaseDelay < 0 || opts.MaxDelay < 0 || opts.QueueSize < 0 {
		errs = append(errs, errors.New("webhook: MaxAttempts, BaseDelay, MaxDelay and QueueSize must not be negative"))
	}
	if d.baseDelay > d.maxDelay {
		errs = append(errs, fmt.Errorf("webhook: BaseDelay %v exceeds MaxDelay %v", d.baseDelay, d.maxDelay))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, raw := range opts.URLs {
		if !slices.ContainsFunc(d.receivers, func(r *receiver) bool { return r.url == raw }) {
			d.receivers = append(d.receivers, &receiver{url: raw, name: redact(raw), queue: make(chan *Event, queueSize),
				key: receiverKey(raw), wake: make(chan struct{}, 1)})
		}
	}
	if d.client == nil {
		d.client = &http.Client{
			Timeout:       10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	pos, err := loadPositions(opts.State)
	if err != nil {
		d.log.Warn("webhook: positions in the change journal lost; receivers continue from its end", "err", err)
	}
	d.pos = pos
	counters := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tolk_webhook_deliveries_total",
		Help: "Webhook deliveries by result: delivered, retried (an attempt failed and was scheduled again), dropped (given up), overflow (queue full).",
	}, []string{"result"})
	d.delivered = counters.WithLabelValues("delivered")
	d.retried = counters.WithLabelValues("retried")
	d.dropped = counters.WithLabelValues("dropped")
	d.overflow = counters.WithLabelValues("overflow")
	if opts.Registerer != nil {
		if err := opts.Registerer.Register(counters); err != nil {
			return nil, fmt.Errorf("webhook: register metrics: %w", err)
		}
	}
	return d, nil
}

// Enqueue queues ev for every receiver and returns without waiting for the
// network. A zero At is set to the current time; At is sent in UTC. For a
// receiver whose queue is full the event is dropped, logged and counted as
// overflow. Events queued before Run starts are delivered once it does.
func (d *Dispatcher) Enqueue(ev Event) {
	if len(d.receivers) == 0 {
		return
	}
	select {
	case <-d.following:
		for _, r := range d.receivers {
			select {
			case r.wake <- struct{}{}:
			default:
			}
		}
		return
	default:
	}
	if ev.At.IsZero() {
		ev.At = time.Now()
	}
	ev.At = ev.At.UTC()
	// Copy what the pointers point to: the caller may reuse its variables.
	if ev.URL != nil {
		u := *ev.URL
		ev.URL = &u
	}
	if ev.PreviousURL != nil {
		u := *ev.PreviousURL
		ev.PreviousURL = &u
	}
	for _, r := range d.receivers {
		select {
		case r.queue <- &ev:
		default:
			d.overflow.Inc()
			d.log.Warn("webhook: queue full, event dropped", "receiver", r.name, "event", ev.Event, "id", ev.ID, "lang", ev.Lang)
		}
	}
}

// Run delivers queued events until ctx is done, then returns once every
// in-flight request has been cancelled; deliveries still pending are
// abandoned and logged with a count per receiver. Call Run once, in its own
// goroutine; a second call returns at once.
func (d *Dispatcher) Run(ctx context.Context) {
	if !d.running.CompareAndSwap(false, true) {
		d.log.Error("webhook: Run called more than once")
		return
	}
	var wg sync.WaitGroup
	for _, r := range d.receivers {
		wg.Go(func() { d.work(ctx, r) })
	}
	<-ctx.Done()
	wg.Wait()
}

// work delivers r's queue in order, one delivery at a time, and once
// Follow is called, r's entries of the journal.
func (d *Dispatcher) work(ctx context.Context, r *receiver) {
	for {
		select {
		case <-ctx.Done():
			d.abandon(r, 0)
			return
		case <-d.following:
			// Events queued before are in the journal too, and the
			// positions start before them only when they are saved.
			for len(r.queue) > 0 {
				<-r.queue
			}
			d.followWork(ctx, r)
			return
		case ev := <-r.queue:
			body, err := json.Marshal(ev)
			if err != nil { // only for a year outside 0–9999
				d.dropped.Inc()
				d.log.Error("webhook: cannot encode event, dropped", "receiver", r.name, "event", ev.Event, "id", ev.ID, "lang", ev.Lang, "err", err)
				continue
			}
			if !d.deliver(ctx, r, delivery{id: crand.Text(), event: ev.Event, body: body}) {
				d.abandon(r, 1)
				return
			}
		}
	}
}

func (d *Dispatcher) abandon(r *receiver, inFlight int) {
	if n := len(r.queue) + inFlight; n > 0 {
		d.log.Warn("webhook: shutting down, deliveries abandoned", "receiver", r.name, "count", n)
	}
}

// deliver makes up to maxAttempts attempts at dl. It returns false when ctx
// ended first, leaving dl undelivered.
func (d *Dispatcher) deliver(ctx context.Context, r *receiver, dl delivery) bool {
	for attempt := 1; ; attempt++ {
		if ctx.Err() != nil {
			return false
		}
		res, wait, detail := d.post(ctx, r, dl)
		if ctx.Err() != nil {
			return false
		}
		attrs := []any{"receiver", r.name, "event", dl.event, "delivery", dl.id, "attempt", attempt, "result", detail}
		switch {
		case res == delivered:
			d.delivered.Inc()
			d.log.Debug("webhook: delivered", attrs...)
			return true
		case res == permanent:
			d.dropped.Inc()
			d.log.Warn("webhook: delivery refused, dropped", attrs...)
			return true
		case attempt >= d.maxAttempts:
			d.dropped.Inc()
			d.log.Warn("webhook: delivery failed, giving up", attrs...)
			return true
		}
		d.retried.Inc()
		delay := d.backoff(attempt, wait)
		d.log.Debug("webhook: delivery failed, will retry", append(attrs, "delay", delay)...)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
	}
}

// post makes one attempt. For a retryable failure, retryAfter is the delay
// the receiver asked for, or -1.
func (d *Dispatcher) post(ctx context.Context, r *receiver, dl delivery) (res outcome, retryAfter time.Duration, detail string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(dl.body))
	if err != nil {
		return permanent, -1, err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Tolk-Webhook/1")
	req.Header.Set("X-Tolk-Event", dl.event)
	req.Header.Set("X-Tolk-Delivery", dl.id)
	req.Header.Set("X-Tolk-Signature", Sign(d.secret, dl.body))
	resp, err := d.client.Do(req)
	if err != nil {
		return retry, -1, redactErr(err, r)
	}
	// Read a little of the body so that the connection can be reused.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	detail = resp.Status
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return delivered, -1, detail
	case c == http.StatusRequestTimeout, c == http.StatusTooManyRequests, c >= 500:
		return retry, parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()), detail
	default:
		return permanent, -1, detail
	}
}

// backoff returns the wait before attempt+1: the receiver's Retry-After if
// it gave one (wait ≥ 0), else a uniform draw below BaseDelay·2^(attempt-1);
// at most MaxDelay either way.
func (d *Dispatcher) backoff(attempt int, wait time.Duration) time.Duration {
	if wait >= 0 {
		return min(wait, d.maxDelay)
	}
	ceiling := d.baseDelay
	for i := 1; i < attempt && ceiling < d.maxDelay; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, d.maxDelay)
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling)
}

// parseRetryAfter reads a Retry-After value, delay-seconds or an HTTP date,
// as a delay from now; it returns -1 when v is absent or malformed.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return -1
	}
	if secs, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return -1
}

// redact shortens a receiver URL for messages to its scheme and host.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(unparsable URL)"
	}
	return u.Scheme + "://" + u.Host
}

// redactErr returns err's text without the receiver's full URL, which
// net/http includes in its errors.
func redactErr(err error, r *receiver) string {
	return strings.ReplaceAll(err.Error(), r.url, r.name)
}

// ErrUnknownReceiver is returned by Deliver for a URL that is not one of
// the Dispatcher's receivers.
var ErrUnknownReceiver = errors.New("webhook: not a receiver of this dispatcher")

// Deliver sends ev to the receiver url with id as its X-Tolk-Delivery,
// signed and retried as the queued deliveries are, and returns once it
// was acknowledged or given up (nil either way: a refusal or the last
// failed attempt is logged and counted as dropped). It keeps no position:
// it is for a caller that keeps its own, such as a database's relay, and
// that gives the same id when it delivers an event again. It returns
// ctx's error when ctx ended first, leaving the event undelivered, and an
// error wrapping ErrUnknownReceiver for a url not in Options.URLs. A zero
// At is set to the current time. Deliver does not need Run and is safe
// for concurrent use.
func (d *Dispatcher) Deliver(ctx context.Context, url, id string, ev Event) error {
	i := slices.IndexFunc(d.receivers, func(r *receiver) bool { return r.url == url })
	if i < 0 {
		return fmt.Errorf("%w: %s", ErrUnknownReceiver, redact(url))
	}
	r := d.receivers[i]
	if ev.At.IsZero() {
		ev.At = time.Now()
	}
	ev.At = ev.At.UTC()
	body, err := json.Marshal(ev)
	if err != nil { // only for a year outside 0–9999
		d.dropped.Inc()
		d.log.Error("webhook: cannot encode event, dropped", "receiver", r.name, "event", ev.Event, "id", ev.ID, "lang", ev.Lang, "err", err)
		return nil
	}
	if !d.deliver(ctx, r, delivery{id: id, event: ev.Event, body: body}) {
		return cmp.Or(ctx.Err(), context.Canceled)
	}
	return nil
}
