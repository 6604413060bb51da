package pgstore

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// LeadOptions configures Lead. Zero values select the defaults.
type LeadOptions struct {
	// Retry is how often a replica that is not the leader tries to take
	// the lock, and how long it waits after losing it; default 1 s.
	Retry time.Duration
	// Check is how often the leader checks that its connection (and so
	// its lock) is alive; default 1 s. A leader whose connection died
	// stops within about Check.
	Check time.Duration
}

// Lead runs work while this process holds site's relay lock, until ctx is
// done; then it returns nil. The lock is a session advisory lock held on a
// dedicated connection (application_name "tolk-relay:" and site), so the
// database releases it when that connection dies with its process: at most
// one replica leads at a time, and another takes over within about Retry
// after the leader is gone.
//
// work's context is canceled when the lock may be lost (the connection
// failed a check) or ctx is done; work must stop then, and should call
// lead.Check before each step that must not be taken twice at once, which
// shrinks the time a deposed leader goes on to a round trip. Whatever work was
// doing when its connection died may be done again by the next leader, so
// what it does must be repeatable: the relay's deliveries carry a
// DeliveryID that is the same on a redelivery. An error from work is
// logged, the lock released, and leadership sought again after Retry.
func (s *Store) Lead(ctx context.Context, site string, opts LeadOptions, work func(ctx context.Context, lead *Leadership) error) error {
	if err := checkSite(site); err != nil {
		return err
	}
	retry, check := cmp.Or(opts.Retry, time.Second), cmp.Or(opts.Check, time.Second)
	for ctx.Err() == nil {
		conn, err := s.dedicated(ctx, "tolk-relay:"+site)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("pgstore: relay: cannot connect; retrying", "site", site, "err", err)
			}
			sleep(ctx, retry)
			continue
		}
		s.leadOn(ctx, conn, site, retry, check, work)
		conn.Close(context.WithoutCancel(ctx))
	}
	return nil
}

// leadOn tries for the lock on conn until it gets it, runs work under it,
// and returns when conn fails, work ends, or ctx is done.
func (s *Store) leadOn(ctx context.Context, conn *pgx.Conn, site string, retry, check time.Duration, work func(context.Context, *Leadership) error) {
	for {
		var got bool
		err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtext('tolk-relay:' || current_schema() || ':' || $1::text))`, site).Scan(&got)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("pgstore: relay: lock", "site", site, "err", err)
				sleep(ctx, retry)
			}
			return
		}
		if got {
			break
		}
		sleep(ctx, retry)
		if ctx.Err() != nil {
			return
		}
	}
	s.log.Info("pgstore: relay: leading", "site", site)
	wctx, cancel := context.WithCancel(ctx)
	lead := &Leadership{conn: conn, cancel: cancel, timeout: check}
	done := make(chan error, 1)
	go func() { done <- work(wctx, lead) }()
	t := time.NewTicker(check)
	defer t.Stop()
	for {
		select {
		case err := <-done:
			cancel()
			if err != nil && ctx.Err() == nil {
				s.log.Error("pgstore: relay: stopped; seeking leadership again", "site", site, "err", err)
				sleep(ctx, retry)
			}
			return // closing conn releases the lock
		case <-t.C:
			if err := lead.Check(wctx); err != nil && ctx.Err() == nil {
				s.log.Warn("pgstore: relay: connection lost; stepping down", "site", site, "err", err)
				<-done
				return
			}
		}
	}
}

// Leadership is the lock Lead holds while its work runs.
type Leadership struct {
	mu      sync.Mutex // the connection serves one query at a time
	conn    *pgx.Conn
	cancel  context.CancelFunc
	timeout time.Duration
	lost    bool
}

// ErrNotLeader is returned by Leadership.Check once the lock may be lost.
var ErrNotLeader = errors.New("pgstore: no longer the leader")

// Check asks the database, on the lock's own connection, whether the lock
// is still held; when it is not (or the connection failed), it cancels the
// work's context and returns an error wrapping ErrNotLeader, and so does
// every later call. It is safe for concurrent use.
func (l *Leadership) Check(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost {
		return ErrNotLeader
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	cctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	var n int
	err := l.conn.QueryRow(cctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()`).Scan(&n)
	if err == nil && n > 0 {
		return nil
	}
	if err == nil {
		err = errors.New("advisory lock not held")
	}
	if ctx.Err() != nil {
		return ctx.Err() // shutting down, not deposed
	}
	l.lost = true
	l.cancel()
	return fmt.Errorf("%w: %w", ErrNotLeader, err)
}

// ReceiverKey returns the key of a webhook receiver's URL in the
// database: the hex of the first 16 bytes of its SHA-256, as the webhook
// package's state file keys it (the URL itself may hold a token).
func ReceiverKey(url string) string {
	h := sha256.Sum256([]byte(url))
	return hex.EncodeToString(h[:16])
}

// DeliveryID returns the X-Tolk-Delivery of the change-log entry seq of
// site, of epoch, to the receiver with key receiver: the same on every
// replica and every redelivery, different for every other entry, receiver
// or log.
func DeliveryID(epoch Epoch, site string, seq uint64, receiver string) string {
	h := sha256.New()
	h.Write(epoch[:])
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], seq)
	h.Write(n[:])
	fmt.Fprintf(h, "%s\x00%s", site, receiver)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Position returns the sequence of the last change-log entry of site that
// the receiver (a ReceiverKey) has been given (or that was given up), and
// false when it has none.
func (s *Store) Position(ctx context.Context, site, receiver string) (uint64, bool, error) {
	var seq uint64
	err := s.pool.QueryRow(ctx, `SELECT seq FROM tolk_webhook_positions WHERE site = $1 AND receiver = $2`, site, receiver).Scan(&seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, wrap("read webhook position", err)
	}
	return seq, true, nil
}

// SetPosition records that the receiver has been given the entries of site
// up to seq. Positions only move forward: a smaller seq (from a leader
// that lost its lock mid-delivery) changes nothing.
func (s *Store) SetPosition(ctx context.Context, site, receiver string, seq uint64) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO tolk_webhook_positions (site, receiver, seq) VALUES ($1, $2, $3)
		ON CONFLICT (site, receiver) DO UPDATE SET seq = greatest(tolk_webhook_positions.seq, excluded.seq), updated = now()`,
		site, receiver, seq)
	return wrap("write webhook position", err)
}

// startPosition returns the receiver's position, giving a receiver
// without one the site's head (a new receiver is sent what changes from
// now on, not the history).
func (s *Store) startPosition(ctx context.Context, site, receiver string) (uint64, error) {
	_, err := s.pool.Exec(ctx, `INSERT INTO tolk_webhook_positions (site, receiver, seq)
		SELECT $1, $2, head FROM tolk_sites WHERE name = $1
		ON CONFLICT (site, receiver) DO NOTHING`, site, receiver)
	if err != nil {
		return 0, wrap("start webhook position", err)
	}
	seq, _, err := s.Position(ctx, site, receiver)
	return seq, err
}

// ReportApplied records that replica (a name of the caller's, unique per
// process) has applied revision rev of site and is alive: what Relay waits
// for before it announces a change, as long as the replica keeps a
// connection named ReplicaApplication open. It returns an error wrapping
// ErrNoSite for a site not written yet.
func (s *Store) ReportApplied(ctx context.Context, site, replica string, rev uint64) error {
	tag, err := s.pool.Exec(ctx, `INSERT INTO tolk_replicas (site, replica, rev, seen)
		SELECT name, $2, $3, now() FROM tolk_sites WHERE name = $1
		ON CONFLICT (site, replica) DO UPDATE SET rev = greatest(tolk_replicas.rev, excluded.rev), seen = now()`, site, replica, rev)
	if err != nil {
		return wrap("report applied revision", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: %s", ErrNoSite, site)
	}
	return nil
}

// forgetReplica removes replica's record, as it stops.
func (s *Store) forgetReplica(ctx context.Context, site, replica string) {
	s.pool.Exec(ctx, `DELETE FROM tolk_replicas WHERE site = $1 AND replica = $2`, site, replica)
}

// pruneReplicas removes the records of replicas of site that neither
// report nor have a connection, left by processes that were killed; it
// is tidying only, so its failure is ignored.
func (s *Store) pruneReplicas(ctx context.Context, site string) {
	s.pool.Exec(ctx, `DELETE FROM tolk_replicas r WHERE r.site = $1 AND r.seen < now() - interval '1 hour'
		AND NOT EXISTS (SELECT FROM pg_stat_activity a WHERE a.datname = current_database()
			AND starts_with(a.application_name, 'tolk-replica:' || r.replica || ':'))`, site)
}

// ReplicaApplication returns the application_name of the connection by
// which the relay knows a replica (a ReportApplied name) of site is
// alive: "tolk-replica:", the replica, ":" and the site, cut to the 63
// bytes PostgreSQL keeps. Backend.Watch names its listening connection so.
func ReplicaApplication(replica, site string) string {
	app := "tolk-replica:" + replica + ":" + site
	if len(app) > 63 {
		app = app[:63] // the site is ASCII (checkSite)
	}
	return app
}

// minApplied returns the smallest revision of site applied by the live
// replicas, and false when none is: those seen within stale whose
// connection (ReplicaApplication) is open now. A replica whose process
// died is dead as soon as PostgreSQL has seen its connection close, not
// stale later; one cut off without a word (its host gone) after stale.
func (s *Store) minApplied(ctx context.Context, site string, stale time.Duration) (uint64, bool, error) {
	var rev *int64
	err := s.pool.QueryRow(ctx, `SELECT min(r.rev) FROM tolk_replicas r WHERE r.site = $1 AND r.seen > now() - $2::interval
		AND EXISTS (SELECT FROM pg_stat_activity a WHERE a.datname = current_database()
			AND starts_with(a.application_name, 'tolk-replica:' || r.replica || ':'))`,
		site, fmt.Sprintf("%d milliseconds", stale.Milliseconds())).Scan(&rev)
	if err != nil {
		return 0, false, wrap("read replicas", err)
	}
	if rev == nil {
		return 0, false, nil
	}
	return uint64(*rev), true, nil
}

// Delivery is one change-log entry for one receiver, as Relay hands it to
// its deliver function.
type Delivery struct {
	Receiver string // the receiver's URL
	ID       string // DeliveryID: X-Tolk-Delivery
	Change
}

// RelayOptions configures Relay. Zero values select the defaults.
type RelayOptions struct {
	Lead   LeadOptions
	Listen ListenOptions
	// Batch is how many entries a receiver reads at a time; default 100.
	Batch int
	// ReplicaWait is the longest Relay holds an entry back until every
	// live replica has applied it (ReportApplied, which Backend.Watch
	// calls), so that a receiver reading after the event finds it on any
	// replica; default 10 s, after which it is sent anyway; negative
	// sends at once.
	ReplicaWait time.Duration
	// ReplicaStale is how long a replica not heard from still counts as
	// live while its connection is open (see ReplicaApplication); default
	// 15 s (three polls of Backend.Watch's default). A replica whose
	// connection closed (its process killed) no longer counts at once.
	ReplicaStale time.Duration
}

// Relay delivers site's change log to receivers (URLs), each entry to each
// receiver once, from whichever replica leads (Lead): every replica may run
// it, one relays at a time. Each receiver reads the log from its position in
// the database, in order; deliver is called for each entry that is not
// Silent, and the position moves past the entry when deliver returns nil
// (delivered, or given up). An error from deliver (the relay shutting
// down) leaves the position, so the entry is delivered again, with the
// same ID, by the next leader. A receiver without a position starts at the
// head of the log. Relay returns nil when ctx is done.
func (s *Store) Relay(ctx context.Context, site string, receivers []string, opts RelayOptions, deliver func(ctx context.Context, d Delivery) error) error {
	g := gate{s: s, site: site, wait: cmp.Or(opts.ReplicaWait, 10*time.Second), stale: cmp.Or(opts.ReplicaStale, 15*time.Second)}
	batch := cmp.Or(opts.Batch, 100)
	return s.Lead(ctx, site, opts.Lead, func(ctx context.Context, lead *Leadership) error {
		wake := make(chan struct{}, 1)
		errs := make(chan error, len(receivers))
		go s.Listen(ctx, site, opts.Listen, func(context.Context) {
			select {
			case wake <- struct{}{}:
			default:
			}
		})
		// One goroutine a receiver, so a slow one delays only itself;
		// each is woken by the shared wake-up fanned out below.
		wakes := make([]chan struct{}, len(receivers))
		for i, url := range receivers {
			wakes[i] = make(chan struct{}, 1)
			go func() { errs <- s.relayTo(ctx, lead, &g, site, url, batch, wakes[i], deliver) }()
		}
		for running := len(receivers); running > 0; {
			select {
			case <-wake:
				for _, w := range wakes {
					select {
					case w <- struct{}{}:
					default:
					}
				}
			case err := <-errs:
				running--
				if err != nil && ctx.Err() == nil {
					return err
				}
			}
		}
		return nil
	})
}

// relayTo delivers the log to one receiver until ctx is done.
func (s *Store) relayTo(ctx context.Context, lead *Leadership, g *gate, site, url string, batch int, wake <-chan struct{}, deliver func(context.Context, Delivery) error) error {
	key := ReceiverKey(url)
	var pos uint64
	started := false
	for ctx.Err() == nil {
		if !started {
			p, err := s.startPosition(ctx, site, key)
			if err != nil {
				s.log.Warn("pgstore: relay: position", "site", site, "err", err)
				sleep(ctx, time.Second)
				continue
			}
			pos, started = p, true
		}
		log, epoch, _, err := s.Log(ctx, site, pos, batch)
		switch {
		case errors.Is(err, ErrAhead):
			// The log was replaced by an older copy: what the position
			// counted is gone. Start over from its head.
			s.log.Warn("pgstore: relay: position beyond the log; continuing from its head", "site", site)
			if _, _, head, err := s.Log(ctx, site, 0, 0); err == nil {
				if _, err := s.pool.Exec(ctx, `UPDATE tolk_webhook_positions SET seq = $3 WHERE site = $1 AND receiver = $2`, site, key, head); err == nil {
					pos = head
				}
			}
			continue
		case err != nil && !errors.Is(err, ErrNoSite):
			if ctx.Err() == nil {
				s.log.Warn("pgstore: relay: read change log", "site", site, "err", err)
			}
			sleep(ctx, time.Second)
			continue
		}
		if len(log) == 0 {
			select {
			case <-ctx.Done():
			case <-wake:
			case <-time.After(5 * time.Second):
			}
			continue
		}
		for _, c := range log {
			if !c.Silent {
				g.await(ctx, c.Rev)
				if lead.Check(ctx) != nil {
					return nil // deposed or shutting down: the position stays
				}
				if err := deliver(ctx, Delivery{Receiver: url, ID: DeliveryID(epoch, site, c.Seq, key), Change: c}); err != nil {
					return nil // shutting down: the position stays
				}
			}
			pos = c.Seq
			if err := s.SetPosition(ctx, site, key, pos); err != nil && ctx.Err() == nil {
				s.log.Warn("pgstore: relay: position not saved; the next leader delivers again", "site", site, "err", err)
			}
		}
	}
	return nil
}

// gate holds entries back until the live replicas have applied them.
type gate struct {
	s           *Store
	site        string
	wait, stale time.Duration
}

// await returns once every replica seen within g.stale has applied rev,
// or after g.wait (logged), or when ctx is done.
func (g *gate) await(ctx context.Context, rev uint64) {
	if g.wait < 0 {
		return
	}
	deadline := time.Now().Add(g.wait)
	for ctx.Err() == nil {
		lowest, seen, err := g.s.minApplied(ctx, g.site, g.stale)
		if err == nil && (!seen || lowest >= rev) {
			return
		}
		if time.Now().After(deadline) {
			g.s.log.Warn("pgstore: relay: a replica has not applied the change; sending it anyway", "site", g.site, "rev", rev, "applied", lowest, "err", err)
			return
		}
		sleep(ctx, 20*time.Millisecond)
	}
}
