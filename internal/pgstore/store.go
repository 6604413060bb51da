package pgstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/amal-kommun/tolk/internal/journal"
)

// DefaultSite is the site name the commands use when none is given.
const DefaultSite = "default"

// SiteYAML is the path of the site configuration among a site's files.
const SiteYAML = "site.yaml"

// Channel is the NOTIFY channel of every commit; the payload is the JSON
// {"site": name, "rev": n, "head": n} of the commit.
const Channel = "tolk_changes"

// Errors callers branch on.
var (
	// ErrUnavailable means the database could not be reached, or the
	// connection was lost: a reason to retry, not a fault of the request.
	ErrUnavailable = errors.New("pgstore: database unavailable")
	// ErrNoSite means the database has no site of that name (nothing was
	// imported or written yet).
	ErrNoSite = errors.New("pgstore: no such site")
	// ErrAhead means a position is beyond the site's revision: the
	// database was replaced by an older copy, and the caller must load a
	// snapshot anew.
	ErrAhead = errors.New("pgstore: position beyond the site's revision")
	// ErrBadSite means a site name is not one Tolk accepts.
	ErrBadSite = errors.New("pgstore: bad site name")
)

// SchemaTooNewError is returned by Open for a database migrated by a newer
// Tolk: this program does not know its tables.
type SchemaTooNewError struct{ Have, Want int }

func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("pgstore: database schema version %d is newer than this program's %d", e.Have, e.Want)
}

var siteName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// Epoch identifies one change log of one site; a cursor carries it so that
// a log created anew is never read with an old cursor's position.
type Epoch [8]byte

// String returns the epoch in hex.
func (e Epoch) String() string { return hex.EncodeToString(e[:]) }

// File is one stored file of a site: a version (ID and Lang set) in
// canonical form, or site.yaml. Data is nil for a file deleted since the
// position a caller caught up from.
type File struct {
	ID, Lang string
	Data     []byte
	Hash     string // HashOf(Data); "" when deleted
}

// HashOf returns the fingerprint stored with a file: the hex SHA-256 of its
// bytes, the same as the file backend's and as journal.Entry.Hash.
func HashOf(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// Change is one change-log entry with its place in the log.
type Change struct {
	Seq uint64 // its sequence, from 1, without gaps
	Rev uint64 // the revision of the commit that wrote it
	journal.Entry
}

// Snapshot is all of one site at one revision.
type Snapshot struct {
	Site     string
	Epoch    Epoch
	Rev      uint64 // commits so far
	Head     uint64 // the sequence of the last change-log entry
	SiteYAML []byte // nil when the site has none
	Versions []File // every stored version, drafts included, by ID then Lang
}

// Changes is what committed after a revision: the files as they are now
// (Data nil for those deleted) and the change-log entries, in order.
type Changes struct {
	Epoch     Epoch
	From      uint64 // the revision caught up from
	Rev, Head uint64 // the site's as of the read
	// SiteYAML is site.yaml as it is now when it changed after From; nil
	// when it did not change (SiteChanged false) or was deleted.
	SiteYAML    []byte
	SiteChanged bool
	Versions    []File
	Log         []Change
}

// Options configures a Store. Zero values select the defaults.
type Options struct {
	// Logger receives the listener's and the leader's reconnections; nil
	// discards them.
	Logger *slog.Logger
	// MaxConns bounds the pool's connections (default: pgxpool's, the
	// greater of 4 and the CPUs). The listener and the leader use their
	// own connections besides.
	MaxConns int32
}

// Store is a connection pool to one Tolk database, migrated to
// SchemaVersion. Its methods are safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	conf *pgx.ConnConfig // of the dedicated connections of Watch and Lead
	log  *slog.Logger
}

// Open connects to the database at url (a PostgreSQL URL or key=value
// string, as libpq takes) and applies the migrations it lacks. Open fails
// with an error wrapping ErrUnavailable when the database cannot be
// reached, and with *SchemaTooNewError for a newer schema.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("pgstore: database URL: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "tolk"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: connect: %w", err)
	}
	s := &Store{pool: pool, conf: cfg.ConnConfig, log: opts.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, wrap("open", err)
	}
	return s, nil
}

// Close closes the pool, waiting for connections in use to be returned.
func (s *Store) Close() { s.pool.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return wrap("ping", s.pool.Ping(ctx))
}

// wrap prefixes err with op and marks connection failures with
// ErrUnavailable; it returns nil for nil.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if unavailable(err) && !errors.Is(err, ErrUnavailable) {
		return fmt.Errorf("pgstore: %s: %w: %w", op, ErrUnavailable, err)
	}
	return fmt.Errorf("pgstore: %s: %w", op, err)
}

// unavailable reports whether err is a failure to reach or keep the
// database rather than an answer from it.
func unavailable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// 08: connection exception; 57P01-03: the server shuts down or
		// cannot accept connections yet; 53300: too many connections;
		// 25006: a read-only transaction, as on a standby that has not
		// been promoted yet after a failover.
		switch pe.Code {
		case "57P01", "57P02", "57P03", "53300", "25006":
			return true
		}
		return strings.HasPrefix(pe.Code, "08")
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, net.ErrClosed) || errors.Is(err, pgconn.ErrConnClosed) ||
		pgconn.SafeToRetry(err) || pgconn.Timeout(err)
}

func checkSite(site string) error {
	if !siteName.MatchString(site) {
		return fmt.Errorf("%w: %q (want lower-case letters, digits, - and _, at most 63)", ErrBadSite, site)
	}
	return nil
}

// Snapshot returns all of site as of one revision, read in one
// repeatable-read transaction. It returns ErrNoSite for a site never
// written.
func (s *Store) Snapshot(ctx context.Context, site string) (*Snapshot, error) {
	var versions []File
	snap, err := s.snapshot(ctx, site, nil, func(f File) { versions = append(versions, f) })
	if err != nil {
		return nil, err
	}
	snap.Versions = versions
	return snap, nil
}

// snapshot reads what Snapshot does, calling begin (when not nil) with
// the site's counters and site.yaml as soon as they are read, and each
// with every version, in order, as it streams in, instead of collecting
// them: what a cold start parses while the rest still arrives. The
// Snapshot returned has no Versions.
func (s *Store) snapshot(ctx context.Context, site string, begin func(*Snapshot), each func(File)) (*Snapshot, error) {
	if err := checkSite(site); err != nil {
		return nil, err
	}
	var snap *Snapshot
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		snap = &Snapshot{Site: site}
		var epoch []byte
		err := tx.QueryRow(ctx, `SELECT epoch, rev, head FROM tolk_sites WHERE name = $1`, site).Scan(&epoch, &snap.Rev, &snap.Head)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%w: %s", ErrNoSite, site)
		}
		if err != nil {
			return err
		}
		copy(snap.Epoch[:], epoch)
		err = tx.QueryRow(ctx, `SELECT data FROM tolk_site_files WHERE site = $1 AND path = $2`, site, SiteYAML).Scan(&snap.SiteYAML)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if begin != nil {
			begin(snap)
		}
		rows, err := tx.Query(ctx, `SELECT id, lang, data, hash FROM tolk_versions
			WHERE site = $1 AND data IS NOT NULL ORDER BY id, lang`, site)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var f File
			if err := rows.Scan(&f.ID, &f.Lang, &f.Data, &f.Hash); err != nil {
				return err
			}
			each(f)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, wrap("snapshot "+site, err)
	}
	return snap, nil
}

func scanFile(row pgx.CollectableRow) (File, error) {
	var f File
	err := row.Scan(&f.ID, &f.Lang, &f.Data, &f.Hash)
	return f, err
}

// Since returns what committed to site after revision from, read in one
// repeatable-read transaction: what a replica applies to catch up. It
// returns ErrAhead when from is beyond the site's revision.
func (s *Store) Since(ctx context.Context, site string, from uint64) (*Changes, error) {
	if err := checkSite(site); err != nil {
		return nil, err
	}
	var ch *Changes
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		ch, err = since(ctx, tx, site, from, false)
		return err
	})
	if err != nil {
		return nil, wrap("read changes of "+site, err)
	}
	return ch, nil
}

// since reads the changes of site after from inside tx; with locked, the
// caller holds the site row.
func since(ctx context.Context, tx pgx.Tx, site string, from uint64, locked bool) (*Changes, error) {
	ch := &Changes{From: from}
	q := `SELECT epoch, rev, head FROM tolk_sites WHERE name = $1`
	if locked {
		q += ` FOR UPDATE`
	}
	var epoch []byte
	err := tx.QueryRow(ctx, q, site).Scan(&epoch, &ch.Rev, &ch.Head)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", ErrNoSite, site)
	}
	if err != nil {
		return nil, err
	}
	copy(ch.Epoch[:], epoch)
	if from > ch.Rev {
		return nil, fmt.Errorf("%w: %d > %d", ErrAhead, from, ch.Rev)
	}
	if from == ch.Rev {
		return ch, nil
	}
	var data []byte
	err = tx.QueryRow(ctx, `SELECT data FROM tolk_site_files WHERE site = $1 AND path = $2 AND rev > $3`, site, SiteYAML, from).Scan(&data)
	switch {
	case err == nil:
		ch.SiteYAML, ch.SiteChanged = data, true
	case !errors.Is(err, pgx.ErrNoRows):
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT id, lang, data, hash FROM tolk_versions
		WHERE site = $1 AND rev > $2 ORDER BY id, lang`, site, from)
	if err != nil {
		return nil, err
	}
	if ch.Versions, err = pgx.CollectRows(rows, scanFile); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, selectChanges+` WHERE site = $1 AND rev > $2 ORDER BY seq`, site, from)
	if err != nil {
		return nil, err
	}
	ch.Log, err = pgx.CollectRows(rows, scanChange)
	return ch, err
}

const selectChanges = `SELECT seq, rev, id, lang, op, at, slug, hash, previous_slug, url, previous_url, silent FROM tolk_changes`

func scanChange(row pgx.CollectableRow) (Change, error) {
	var c Change
	var op string
	err := row.Scan(&c.Seq, &c.Rev, &c.ID, &c.Lang, &op, &c.At, &c.Slug, &c.Hash, &c.PreviousSlug, &c.URL, &c.PreviousURL, &c.Silent)
	c.Op = journal.Op(op)
	c.At = c.At.UTC()
	return c, err
}

// Log returns up to limit change-log entries of site after sequence after,
// oldest first: what the change feed and the webhook relay read. The
// returned epoch and head are the site's as of the read.
func (s *Store) Log(ctx context.Context, site string, after uint64, limit int) (changes []Change, epoch Epoch, head uint64, err error) {
	if err := checkSite(site); err != nil {
		return nil, epoch, 0, err
	}
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var e []byte
		err := tx.QueryRow(ctx, `SELECT epoch, head FROM tolk_sites WHERE name = $1`, site).Scan(&e, &head)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%w: %s", ErrNoSite, site)
		}
		if err != nil {
			return err
		}
		copy(epoch[:], e)
		if after > head {
			return fmt.Errorf("%w: sequence %d > head %d", ErrAhead, after, head)
		}
		rows, err := tx.Query(ctx, selectChanges+` WHERE site = $1 AND seq > $2 ORDER BY seq LIMIT $3`, site, after, max(limit, 0))
		if err != nil {
			return err
		}
		changes, err = pgx.CollectRows(rows, scanChange)
		return err
	})
	if err != nil {
		return nil, epoch, 0, wrap("read change log of "+site, err)
	}
	if changes == nil {
		changes = []Change{}
	}
	return changes, epoch, head, nil
}

// microsecond truncates t to what timestamptz keeps, in UTC, so that an
// entry reads back as it was written.
func microsecond(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
