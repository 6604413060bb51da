package pgstore_test

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/amal-kommun/tolk/internal/pgstore/pgtest"
)

// exec runs sql on its own connection to url.
func exec(t *testing.T, url, sql string, args ...any) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	if _, err := conn.Exec(t.Context(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// queryInt runs a query of one integer on its own connection to url.
func queryInt(t *testing.T, url, sql string, args ...any) int64 {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	var n int64
	if err := conn.QueryRow(t.Context(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// kill terminates the server sessions named app and returns how many.
func kill(t *testing.T, url, app string) int64 {
	t.Helper()
	return queryInt(t, url, `SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1) k`, app)
}

func pgtestURL(tb testing.TB) string { return pgtest.URL(tb) }
