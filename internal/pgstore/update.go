package pgstore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/amal-kommun/tolk/internal/journal"
)

// Tx is one write transaction of one site, holding the site's row: no other
// write of the site commits until it ends. It is valid only inside the
// function given to Update, and not safe for concurrent use.
type Tx struct {
	tx      pgx.Tx
	site    string
	from    uint64
	epoch   Epoch
	rev     uint64 // the site's revision before this commit
	head    uint64
	now     time.Time
	caught  *Changes
	changed bool
	entries []journal.Entry
}

// Result is what an Update committed.
type Result struct {
	// Changed is false when the function changed nothing: then nothing
	// was committed, and Rev and Head are the site's unchanged.
	Changed bool
	Epoch   Epoch
	Rev     uint64 // the site's revision after the commit
	Head    uint64 // the sequence of the last change-log entry after it
	// Log holds the entries written, with their sequences and the
	// times as stored.
	Log []Change
}

// Update runs fn in a transaction holding site's row, creating the site
// (with a new epoch) when it does not exist yet, and commits what fn wrote
// with the log entries fn gave Tx.Log, numbered after the head, a new
// revision, and a NOTIFY on Channel, all in one commit. The caller's
// position from is the revision it has applied: Tx.Caught returns what
// committed after it, so that fn validates against the content as it is
// now.
//
// When fn returns an error, nothing is written and Update returns it
// unchanged (errors.Is and errors.As see the caller's own error). A
// failure of the database wraps ErrUnavailable when it was the
// connection's; a commit whose outcome is unknown (the connection died
// during COMMIT) is such a failure: the caller must read the log to learn
// whether it happened.
func (s *Store) Update(ctx context.Context, site string, from uint64, fn func(context.Context, *Tx) error) (Result, error) {
	if err := checkSite(site); err != nil {
		return Result{}, err
	}
	var res Result
	var fnErr error
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		t := &Tx{tx: tx, site: site, from: from}
		if err := t.lock(ctx); err != nil {
			return err
		}
		if fnErr = fn(ctx, t); fnErr != nil {
			return fnErr
		}
		var err error
		res, err = t.commit(ctx)
		return err
	})
	if fnErr != nil {
		return Result{}, fnErr
	}
	if err != nil {
		return Result{}, wrap("update "+site, err)
	}
	return res, nil
}

// lock creates the site row when missing, then locks it and reads the
// counters and the transaction's time.
func (t *Tx) lock(ctx context.Context) error {
	var epoch Epoch
	if _, err := rand.Read(epoch[:]); err != nil {
		return fmt.Errorf("new epoch: %w", err)
	}
	if _, err := t.tx.Exec(ctx, `INSERT INTO tolk_sites (name, epoch) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, t.site, epoch[:]); err != nil {
		return fmt.Errorf("create site: %w", err)
	}
	var e []byte
	err := t.tx.QueryRow(ctx, `SELECT epoch, rev, head, now() FROM tolk_sites WHERE name = $1 FOR UPDATE`, t.site).Scan(&e, &t.rev, &t.head, &t.now)
	if err != nil {
		return fmt.Errorf("lock site: %w", err)
	}
	copy(t.epoch[:], e)
	t.now = microsecond(t.now)
	return nil
}

// Caught returns what committed to the site after the caller's position,
// up to the revision this transaction holds: what the caller applies
// before it validates its change. It is read once, on the first call. It
// returns ErrAhead when the position is beyond the site's revision.
func (t *Tx) Caught(ctx context.Context) (*Changes, error) {
	if t.caught != nil {
		return t.caught, nil
	}
	ch, err := since(ctx, t.tx, t.site, t.from, false)
	if err != nil {
		return nil, wrap("catch up "+t.site, err)
	}
	t.caught = ch
	return ch, nil
}

// Epoch returns the site's epoch.
func (t *Tx) Epoch() Epoch { return t.epoch }

// Rev returns the site's revision before this transaction's commit.
func (t *Tx) Rev() uint64 { return t.rev }

// Head returns the sequence of the site's last change-log entry before
// this transaction's commit.
func (t *Tx) Head() uint64 { return t.head }

// Now returns the transaction's time (the database's clock, in UTC, to the
// microsecond): the time of the entries Log is given without one.
func (t *Tx) Now() time.Time { return t.now }

// Version returns the stored version id/lang as this transaction sees it,
// and false when there is none (or it was deleted).
func (t *Tx) Version(ctx context.Context, id, lang string) (File, bool, error) {
	f := File{ID: id, Lang: lang}
	err := t.tx.QueryRow(ctx, `SELECT data, hash FROM tolk_versions WHERE site = $1 AND id = $2 AND lang = $3 AND data IS NOT NULL`,
		t.site, id, lang).Scan(&f.Data, &f.Hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return File{}, false, nil
	}
	if err != nil {
		return File{}, false, wrap("read version "+id+"/"+lang, err)
	}
	return f, true, nil
}

// Put stores data as version id/lang (a canonical file). It reports
// whether the stored bytes changed: putting the bytes already stored
// writes nothing.
func (t *Tx) Put(ctx context.Context, id, lang string, data []byte) (bool, error) {
	if id == "" || lang == "" || data == nil {
		return false, errors.New("pgstore: put needs an id, a language and data")
	}
	tag, err := t.tx.Exec(ctx, `INSERT INTO tolk_versions AS v (site, id, lang, data, hash, rev, updated)
		VALUES ($1, $2, $3, $4, $5, $6, now())
		ON CONFLICT (site, id, lang) DO UPDATE SET data = excluded.data, hash = excluded.hash, rev = excluded.rev, updated = now()
		WHERE v.data IS NULL OR v.hash <> excluded.hash`,
		t.site, id, lang, data, HashOf(data), t.rev+1)
	if err != nil {
		return false, wrap("put version "+id+"/"+lang, err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	t.changed = true
	return true, nil
}

// PutAll stores files (versions: ID, Lang and Data) as Put does, in a few
// round trips however many there are, and returns how many changed: what
// an import of a whole tree uses.
func (t *Tx) PutAll(ctx context.Context, files []File) (int, error) {
	if len(files) == 0 {
		return 0, nil
	}
	rows := make([][]any, len(files))
	for i, f := range files {
		if f.ID == "" || f.Lang == "" || f.Data == nil {
			return 0, errors.New("pgstore: put needs an id, a language and data")
		}
		rows[i] = []any{f.ID, f.Lang, f.Data, HashOf(f.Data)}
	}
	if _, err := t.tx.Exec(ctx, `CREATE TEMPORARY TABLE tolk_put (id text, lang text, data bytea, hash text) ON COMMIT DROP`); err != nil {
		return 0, wrap("put versions", err)
	}
	if _, err := t.tx.CopyFrom(ctx, pgx.Identifier{"tolk_put"}, []string{"id", "lang", "data", "hash"}, pgx.CopyFromRows(rows)); err != nil {
		return 0, wrap("put versions", err)
	}
	tag, err := t.tx.Exec(ctx, `INSERT INTO tolk_versions AS v (site, id, lang, data, hash, rev, updated)
		SELECT $1, id, lang, data, hash, $2, now() FROM tolk_put
		ON CONFLICT (site, id, lang) DO UPDATE SET data = excluded.data, hash = excluded.hash, rev = excluded.rev, updated = now()
		WHERE v.data IS NULL OR v.hash <> excluded.hash`, t.site, t.rev+1)
	if err == nil {
		_, err = t.tx.Exec(ctx, `DROP TABLE tolk_put`)
	}
	if err != nil {
		return 0, wrap("put versions", err)
	}
	if tag.RowsAffected() > 0 {
		t.changed = true
	}
	return int(tag.RowsAffected()), nil
}

// Delete deletes version id/lang and reports whether there was one.
func (t *Tx) Delete(ctx context.Context, id, lang string) (bool, error) {
	tag, err := t.tx.Exec(ctx, `UPDATE tolk_versions SET data = NULL, hash = '', rev = $4, updated = now()
		WHERE site = $1 AND id = $2 AND lang = $3 AND data IS NOT NULL`, t.site, id, lang, t.rev+1)
	if err != nil {
		return false, wrap("delete version "+id+"/"+lang, err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	t.changed = true
	return true, nil
}

// PutSiteYAML stores data as the site's site.yaml and reports whether the
// stored bytes changed.
func (t *Tx) PutSiteYAML(ctx context.Context, data []byte) (bool, error) {
	if data == nil {
		return false, errors.New("pgstore: put site.yaml needs data")
	}
	tag, err := t.tx.Exec(ctx, `INSERT INTO tolk_site_files AS f (site, path, data, hash, rev, updated)
		VALUES ($1, $2, $3, $4, $5, now())
		ON CONFLICT (site, path) DO UPDATE SET data = excluded.data, hash = excluded.hash, rev = excluded.rev, updated = now()
		WHERE f.data IS NULL OR f.hash <> excluded.hash`,
		t.site, SiteYAML, data, HashOf(data), t.rev+1)
	if err != nil {
		return false, wrap("put site.yaml", err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	t.changed = true
	return true, nil
}

// Log adds entries to the change log of this commit, after those of
// earlier calls; they are numbered at commit, consecutively after the
// head. An entry without At gets Now.
func (t *Tx) Log(entries ...journal.Entry) {
	t.entries = append(t.entries, entries...)
}

// commit writes the log rows, bumps the counters and notifies, when
// anything changed.
func (t *Tx) commit(ctx context.Context) (Result, error) {
	res := Result{Epoch: t.epoch, Rev: t.rev, Head: t.head}
	if !t.changed && len(t.entries) == 0 {
		return res, nil
	}
	rev := t.rev + 1
	res.Changed, res.Rev = true, rev
	res.Log = make([]Change, len(t.entries))
	rows := make([][]any, len(t.entries))
	for i, e := range t.entries {
		if e.ID == "" || e.Lang == "" || (e.Op != journal.Upsert && e.Op != journal.Delete) {
			return Result{}, fmt.Errorf("log entry %d: want an id, a language and op upsert or delete", i)
		}
		if e.At.IsZero() {
			e.At = t.now
		}
		e.At = microsecond(e.At)
		seq := t.head + uint64(i) + 1
		res.Log[i] = Change{Seq: seq, Rev: rev, Entry: e}
		rows[i] = []any{t.site, seq, rev, e.ID, e.Lang, string(e.Op), e.At, e.Slug, e.Hash, e.PreviousSlug, e.URL, e.PreviousURL, e.Silent}
	}
	res.Head = t.head + uint64(len(t.entries))
	if len(rows) > 0 {
		_, err := t.tx.CopyFrom(ctx, pgx.Identifier{"tolk_changes"},
			[]string{"site", "seq", "rev", "id", "lang", "op", "at", "slug", "hash", "previous_slug", "url", "previous_url", "silent"},
			pgx.CopyFromRows(rows))
		if err != nil {
			return Result{}, fmt.Errorf("write change log: %w", err)
		}
	}
	if _, err := t.tx.Exec(ctx, `UPDATE tolk_sites SET rev = $2, head = $3 WHERE name = $1`, t.site, rev, res.Head); err != nil {
		return Result{}, fmt.Errorf("advance site: %w", err)
	}
	if _, err := t.tx.Exec(ctx, `SELECT pg_notify($1, json_build_object('site', $2::text, 'rev', $3::bigint, 'head', $4::bigint)::text)`,
		Channel, t.site, rev, res.Head); err != nil {
		return Result{}, fmt.Errorf("notify: %w", err)
	}
	return res, nil
}
