package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/amal-kommun/tolk/index"
	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/langs"
	"github.com/amal-kommun/tolk/internal/store"
)

// TestProblemTable maps every error a handler may return, wrapped as the
// packages below wrap them, to the whole problem that answers it.
func TestProblemTable(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("put x/sv: %w", err) }
	own := badParam("page", "page must be a number")
	tests := []struct {
		name string
		err  error
		want *Problem
	}{
		{"a problem answers itself", wrap(own), own},
		{"unsupported language", fmt.Errorf("lang %q: %w", "xx", langs.ErrUnsupported),
			&Problem{Type: "about:blank", Title: "Bad Request", Status: 400, Code: "unsupported_language", Detail: `lang "xx": unsupported language`}},
		{"a cursor this server never issued", fmt.Errorf("since %q: %w", "x", journal.ErrBadCursor),
			&Problem{Type: "about:blank", Title: "Bad Request", Status: 400, Code: "invalid_parameter", Param: "since", Detail: "since is not a cursor this server issued"}},
		{"an expired cursor", fmt.Errorf("since: %w", journal.ErrCursorExpired),
			&Problem{Type: "about:blank", Title: "Gone", Status: 410, Code: "cursor_expired", Detail: "the cursor can no longer be honoured (the journal was reset); resync from the beginning without since"}},
		{"a body too large", fmt.Errorf("read body: %w", &http.MaxBytesError{Limit: maxBody}),
			&Problem{Type: "about:blank", Title: "Request Entity Too Large", Status: 413, Code: "payload_too_large", Detail: "the body must be at most 1048576 bytes"}},
		{"index unavailable", wrap(index.ErrUnavailable),
			&Problem{Type: "about:blank", Title: "Service Unavailable", Status: 503, Code: "unavailable", Detail: "search is unavailable right now; try again shortly", retryAfter: "5"}},
		{"index closed", wrap(index.ErrClosed),
			&Problem{Type: "about:blank", Title: "Service Unavailable", Status: 503, Code: "unavailable", Detail: "search is unavailable right now; try again shortly", retryAfter: "5"}},
		{"deadline", wrap(context.DeadlineExceeded),
			&Problem{Type: "about:blank", Title: "Service Unavailable", Status: 503, Code: "unavailable", Detail: "the request took too long; try again", retryAfter: "1"}},
		{"canceled", wrap(context.Canceled),
			&Problem{Type: "about:blank", Title: "Service Unavailable", Status: 503, Code: "unavailable", Detail: "request canceled"}},
		{"validation", wrap(&store.ValidationError{Problems: []article.Problem{{Key: "slug", Message: "slug is taken"}, {Key: "body", Message: "body is empty"}}}),
			&Problem{Type: "about:blank", Title: "Unprocessable Entity", Status: 422, Code: "validation_failed", Detail: "the article version is invalid: 2 problem(s)",
				Errors: []FieldError{{Pointer: "/slug", Detail: "slug is taken"}, {Pointer: "/body_markdown", Detail: "body is empty"}}}},
		{"read-only", wrap(store.ErrReadOnly),
			&Problem{Type: "about:blank", Title: "Conflict", Status: 409, Code: "read_only", Detail: "the content tree is read-only"}},
		{"no such version", wrap(store.ErrNotFound),
			&Problem{Type: "about:blank", Title: "Not Found", Status: 404, Code: "not_found", Detail: "no such article version"}},
		{"conflict with a reason", wrap(&store.ConflictError{Reason: "x/sv is the original of x/en"}),
			&Problem{Type: "about:blank", Title: "Conflict", Status: 409, Code: "conflict", Detail: "x/sv is the original of x/en"}},
		{"conflict", wrap(store.ErrConflict),
			&Problem{Type: "about:blank", Title: "Conflict", Status: 409, Code: "conflict", Detail: "the change conflicts with other versions of the article"}},
		{"no space", wrap(store.ErrNoSpace),
			&Problem{Type: "about:blank", Title: "Insufficient Storage", Status: 507, Code: "insufficient_storage", Detail: "the server cannot store the change: no space left; nothing was written"}},
		{"store unavailable", wrap(store.ErrUnavailable),
			&Problem{Type: "about:blank", Title: "Service Unavailable", Status: 503, Code: "unavailable", Detail: "the content directory cannot be written; nothing was written", retryAfter: "30"}},
		{"anything else", errors.New("open /srv/secret/path: permission denied"),
			&Problem{Type: "about:blank", Title: "Internal Server Error", Status: 500, Code: "internal", Detail: "an internal error occurred; it has been logged"}},
		{"a closed store", wrap(store.ErrClosed),
			&Problem{Type: "about:blank", Title: "Internal Server Error", Status: 500, Code: "internal", Detail: "an internal error occurred; it has been logged"}},
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := asProblem(context.Background(), log, tt.err)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(Problem{})); diff != "" {
				t.Errorf("asProblem(%v) (-want +got):\n%s", tt.err, diff)
			}
			if got.Title != http.StatusText(got.Status) {
				t.Errorf("title %q of status %d", got.Title, got.Status)
			}
		})
	}
}

// TestChangesCursorProblems sends /v1/changes cursors it cannot honour: one
// it never issued is 400 with param since, one of another journal (a reset)
// is 410 cursor_expired.
func TestChangesCursorProblems(t *testing.T) {
	a, _, _ := newWriteAPI(t, Options{})
	other, _, _ := newWriteAPI(t, Options{})
	foreign := decode[changesJSON](t, other.get("/v1/changes?limit=3")).Next
	tests := []struct {
		name, since string
		want        Problem
	}{
		{"garbage", "garbage", Problem{Type: "about:blank", Title: "Bad Request", Status: 400, Code: "invalid_parameter", Param: "since",
			Detail: "since is not a cursor this server issued"}},
		{"another journal", foreign, Problem{Type: "about:blank", Title: "Gone", Status: 410, Code: "cursor_expired",
			Detail: "the cursor can no longer be honoured (the journal was reset); resync from the beginning without since"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := a.get("/v1/changes?since=" + tt.since)
			if r.Code != tt.want.Status || r.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%d %q %s", r.Code, r.Header().Get("Content-Type"), r.body)
			}
			if diff := cmp.Diff(tt.want, decode[Problem](t, r), cmp.AllowUnexported(Problem{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
