package pgstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one file of migrations: NNNN_name.sql, applied in the order
// of NNNN, each once.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in order. Their names are
// checked by a test, so an error here is a broken build.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("pgstore: list migrations: %w", err)
	}
	var out []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("pgstore: migration %s: want NNNN_name.sql", base)
		}
		data, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("pgstore: read migration %s: %w", base, err)
		}
		out = append(out, migration{version: v, name: base, sql: string(data)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("pgstore: migration %s: want version %d (no gaps, no duplicates)", m.name, i+1)
		}
	}
	return out, nil
}

// SchemaVersion returns the version of the newest embedded migration: what
// Migrate brings a database to.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

// migrate applies the migrations the database lacks, each in its own
// transaction together with its row in tolk_migrations, while holding a
// session advisory lock, so that replicas starting at once apply each
// migration once. It refuses a database migrated by a newer program
// (ErrSchemaTooNew).
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtext('tolk-migrate:' || current_schema()))`); err != nil {
		return fmt.Errorf("pgstore: migrate: take lock: %w", err)
	}
	defer func() {
		// A fresh context: the lock must go even when ctx was canceled,
		// or this pooled connection would keep it.
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtext('tolk-migrate:' || current_schema()))`); err != nil {
			conn.Conn().Close(context.WithoutCancel(ctx)) // the lock dies with the session
		}
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS tolk_migrations (
		version integer PRIMARY KEY,
		name    text NOT NULL,
		applied timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	var have int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM tolk_migrations`).Scan(&have); err != nil {
		return fmt.Errorf("pgstore: migrate: read version: %w", err)
	}
	if have > len(ms) {
		return &SchemaTooNewError{Have: have, Want: len(ms)}
	}
	for _, m := range ms[have:] {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO tolk_migrations (version, name) VALUES ($1, $2)`, m.version, m.name)
			return err
		})
		if err != nil {
			return fmt.Errorf("pgstore: apply migration %s: %w", m.name, err)
		}
	}
	return nil
}
