package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/amal-kommun/tolk/index"
	"github.com/amal-kommun/tolk/internal/langs"
)

// Problem is an RFC 9457 problem detail. It is also an error, so handlers
// return it directly.
type Problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail,omitempty"`
	Code      string       `json:"code"`
	Param     string       `json:"param,omitempty"`
	Languages []string     `json:"languages,omitempty"`
	Errors    []FieldError `json:"errors,omitempty"`

	retryAfter string // Retry-After header, for 429 and 503
	allow      string // Allow header, for 405
}

// FieldError is one invalid field of a write request, located by a JSON
// pointer.
type FieldError struct {
	Pointer string `json:"pointer"`
	Detail  string `json:"detail"`
}

func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Code, p.Detail) }

// problem returns a Problem with the standard title of status.
func problem(status int, code, format string, args ...any) *Problem {
	return &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Code: code, Detail: fmt.Sprintf(format, args...)}
}

// badParam is the 400 of an invalid query parameter.
func badParam(param, format string, args ...any) *Problem {
	p := problem(http.StatusBadRequest, "invalid_parameter", format, args...)
	p.Param = param
	return p
}

// errNotFound is the 404 of an unknown resource.
func notFound(format string, args ...any) *Problem {
	return problem(http.StatusNotFound, "not_found", format, args...)
}

// asProblem maps any error a handler returns to the problem that answers
// it. It is the one table from errors to statuses.
func asProblem(ctx context.Context, log *slog.Logger, err error) *Problem {
	var p *Problem
	switch {
	case errors.As(err, &p):
		return p
	case errors.Is(err, langs.ErrUnsupported):
		return problem(http.StatusBadRequest, "unsupported_language", "%s", err)
	case errors.Is(err, index.ErrUnavailable), errors.Is(err, index.ErrClosed):
		// A broken index (a full disk, a panic inside Bleve, a query whose
		// budget ran out) is the server's state, not the client's fault.
		log.WarnContext(ctx, "search unavailable", "err", err)
		p := problem(http.StatusServiceUnavailable, "unavailable", "search is unavailable right now; try again shortly")
		p.retryAfter = "5"
		return p
	case errors.Is(err, context.DeadlineExceeded):
		p := problem(http.StatusServiceUnavailable, "unavailable", "the request took too long; try again")
		p.retryAfter = "1"
		return p
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads this answer.
		return problem(http.StatusServiceUnavailable, "unavailable", "request canceled")
	}
	if p := storeProblem(err); p != nil {
		return p
	}
	log.ErrorContext(ctx, "internal error", "err", err)
	return problem(http.StatusInternalServerError, "internal", "an internal error occurred; it has been logged")
}
