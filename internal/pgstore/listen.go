package pgstore

import (
	"cmp"
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ListenOptions configures Listen. Zero values select the defaults.
type ListenOptions struct {
	// Poll is how long Listen waits for a notification before it calls
	// wake anyway, which covers notifications lost while a connection
	// was being replaced; default 5 s.
	Poll time.Duration
	// MinBackoff and MaxBackoff bound the wait before reconnecting after
	// a lost or refused connection, doubled after each failure; defaults
	// 100 ms and 5 s.
	MinBackoff, MaxBackoff time.Duration
	// Application is the connection's application_name; default
	// "tolk-listen:" and the site. Backend.Watch names its connection
	// after its replica (see Backend), which is how the webhook relay
	// tells a live replica from a dead one.
	Application string
}

// notification is the payload of a commit's NOTIFY.
type notification struct {
	Site string `json:"site"`
	Rev  uint64 `json:"rev"`
	Head uint64 `json:"head"`
}

// Listen keeps a dedicated connection LISTENing on Channel and calls wake
// after every (re)connection, after every notification of a commit to site,
// and every Poll without one, until ctx is done; then it returns nil. A
// notification is only a wake-up: wake reads what changed (Since from the
// caller's position), so a notification lost or coalesced costs at most
// one Poll. A lost or refused connection is replaced with exponential
// backoff (logged), never reported: reads of the pool go on meanwhile.
//
// The connection's application_name is ListenOptions.Application, by
// default "tolk-listen:" and site, so an operator can tell it apart in
// pg_stat_activity. wake runs on Listen's goroutine, one call at a time.
func (s *Store) Listen(ctx context.Context, site string, opts ListenOptions, wake func(context.Context)) error {
	if err := checkSite(site); err != nil {
		return err
	}
	poll := cmp.Or(opts.Poll, 5*time.Second)
	minB, maxB := cmp.Or(opts.MinBackoff, 100*time.Millisecond), cmp.Or(opts.MaxBackoff, 5*time.Second)
	backoff := minB
	for ctx.Err() == nil {
		conn, err := s.dedicated(ctx, cmp.Or(opts.Application, "tolk-listen:"+site))
		if err == nil {
			_, err = conn.Exec(ctx, "LISTEN "+pgx.Identifier{Channel}.Sanitize())
			if err != nil {
				conn.Close(context.WithoutCancel(ctx))
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			s.log.Warn("pgstore: listen: cannot connect; retrying", "site", site, "in", backoff, "err", err)
			wake(ctx) // a poll through the pool, which may still work
			sleep(ctx, backoff)
			backoff = min(2*backoff, maxB)
			continue
		}
		backoff = minB
		s.listen(ctx, conn, site, poll, wake)
		conn.Close(context.WithoutCancel(ctx))
	}
	return nil
}

// listen serves one connection until it fails or ctx is done.
func (s *Store) listen(ctx context.Context, conn *pgx.Conn, site string, poll time.Duration, wake func(context.Context)) {
	wake(ctx) // whatever committed while there was no connection
	for {
		wctx, cancel := context.WithTimeout(ctx, poll)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case err != nil && pgconn.Timeout(err) && !conn.IsClosed():
			wake(ctx) // the poll
		case err != nil:
			s.log.Warn("pgstore: listen: connection lost; reconnecting", "site", site, "err", err)
			return
		default:
			var p notification
			if json.Unmarshal([]byte(n.Payload), &p) == nil && p.Site != site {
				continue // another site's commit
			}
			wake(ctx)
		}
	}
}

// dedicated opens a connection outside the pool, named app.
func (s *Store) dedicated(ctx context.Context, app string) (*pgx.Conn, error) {
	cfg := s.conf.Copy()
	cfg.RuntimeParams["application_name"] = app
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, wrap("connect", err)
	}
	return conn, nil
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
