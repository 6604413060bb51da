package pgstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestUnavailable: which failures mean "the database cannot be used now"
// (ErrUnavailable: writes answer 503, retry later) rather than an answer
// from it.
func TestUnavailable(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"connection closed", pgconn.ErrConnClosed, true},
		{"wrapped EOF", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, true},
		{"starting up", &pgconn.PgError{Code: "57P03"}, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"a standby after failover", &pgconn.PgError{Code: "25006"}, true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"syntax error", &pgconn.PgError{Code: "42601"}, false},
		{"canceled", context.Canceled, false},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), false},
		{"no rows", pgx.ErrNoRows, false},
		{"no site", ErrNoSite, false},
		{"schema too new", &SchemaTooNewError{Have: 2, Want: 1}, false},
		{"other", errors.New("other"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := unavailable(tc.err); got != tc.want {
				t.Errorf("unavailable(%v) = %v, want %v", tc.err, got, tc.want)
			}
			if got := errors.Is(wrap("op", tc.err), ErrUnavailable); got != tc.want {
				t.Errorf("wrap(%v) is ErrUnavailable: %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
