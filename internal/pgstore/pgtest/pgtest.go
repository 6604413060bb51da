// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// schema of the database TOLK_TEST_DATABASE_URL names, dropped when the
// test ends. It is for tests only.
//
// Its main rule: a test that needs PostgreSQL never passes without it in CI.
// Without TOLK_TEST_DATABASE_URL the test is skipped, unless CI=true, when
// it fails: .ci/run starts PostgreSQL and sets the variable.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL is the environment variable naming the test database.
const EnvURL = "TOLK_TEST_DATABASE_URL"

// URL returns the URL of a new, empty schema in the test database, first
// on the search_path of every connection made with it, and drops the schema
// with everything in it when t ends. It skips t when EnvURL is unset,
// and fails it instead when CI is "true".
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must run the PostgreSQL tests (.ci/run starts PostgreSQL and sets it)", EnvURL)
		}
		t.Skipf("%s is not set; set it to a PostgreSQL database to run this test", EnvURL)
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s: want a postgres:// URL, got %q", EnvURL, base)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "tolktest_" + hex.EncodeToString(b[:])

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
