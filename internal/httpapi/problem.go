package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/amal-kommun/tolk/index"
	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/langs"
	"github.com/amal-kommun/tolk/internal/store"
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

// notFound is the 404 of an unknown resource.
func notFound(format string, args ...any) *Problem {
	return problem(http.StatusNotFound, "not_found", format, args...)
}

// problemRow is one row of the table from errors to problems: the errors
// it matches (errors.Is with a sentinel or errors.As with a type), and the
// problem that answers them.
type problemRow struct {
	match  func(error) bool
	status int
	code   string
	// detail is the text for people; detailOf, when set, derives it from
	// the error instead (text that the error's package promises is fit
	// for clients).
	detail   string
	detailOf func(error) string
	// param names the query parameter the error is about.
	param string
	// fields returns the content problems of a validation_failed, which
	// become its errors and its detail (validationFailed).
	fields func(error) []article.Problem
	// retryAfter is the Retry-After header, in seconds.
	retryAfter string
	// warn, when set, logs the error as a warning with this message: it
	// is the server's state, not the client's fault, and the answer hides
	// it.
	warn string
}

// is matches errors wrapping target.
func is(target error) func(error) bool {
	return func(err error) bool { return errors.Is(err, target) }
}

// isA matches errors wrapping a T.
func isA[T error](err error) bool {
	_, ok := errors.AsType[T](err)
	return ok
}

// via derives what a row needs from the T that err wraps; the row's match
// has made sure there is one.
func via[T error, R any](f func(T) R) func(error) R {
	return func(err error) R {
		t, _ := errors.AsType[T](err)
		return f(t)
	}
}

// problems is the one table from errors to problems, in the order the
// rows are tried; every handler's error goes through it (asProblem). A
// *Problem answers itself; an error no row matches is a 500 that is logged
// and whose text never reaches the client.
var problems = [...]problemRow{
	{match: is(langs.ErrUnsupported), status: http.StatusBadRequest, code: "unsupported_language",
		detailOf: error.Error},
	{match: is(journal.ErrBadCursor), status: http.StatusBadRequest, code: "invalid_parameter", param: "since",
		detail: "since is not a cursor this server issued"},
	{match: is(journal.ErrCursorExpired), status: http.StatusGone, code: "cursor_expired",
		detail: "the cursor can no longer be honoured (the journal was reset); resync from the beginning without since"},
	// A broken index (a full disk, a panic inside Bleve, a query whose
	// budget ran out) is the server's state, not the client's fault.
	{match: is(index.ErrUnavailable), status: http.StatusServiceUnavailable, code: "unavailable",
		detail: "search is unavailable right now; try again shortly", retryAfter: "5", warn: "search unavailable"},
	{match: is(index.ErrClosed), status: http.StatusServiceUnavailable, code: "unavailable",
		detail: "search is unavailable right now; try again shortly", retryAfter: "5", warn: "search unavailable"},
	{match: is(errReplicaBehind), status: http.StatusServiceUnavailable, code: "replica_behind",
		detail: "this replica has not yet applied the change Tolk-Min-Seq names; try again", retryAfter: "1"},
	{match: is(context.DeadlineExceeded), status: http.StatusServiceUnavailable, code: "unavailable",
		detail: "the request took too long; try again", retryAfter: "1"},
	// The client went away; nobody reads this answer.
	{match: is(context.Canceled), status: http.StatusServiceUnavailable, code: "unavailable",
		detail: "request canceled"},
	{match: isA[*http.MaxBytesError], status: http.StatusRequestEntityTooLarge, code: "payload_too_large",
		detailOf: via(func(e *http.MaxBytesError) string { return fmt.Sprintf("the body must be at most %d bytes", e.Limit) })},
	{match: isA[*store.ValidationError], status: http.StatusUnprocessableEntity, code: "validation_failed",
		fields: via(func(e *store.ValidationError) []article.Problem { return e.Problems })},
	{match: is(store.ErrReadOnly), status: http.StatusConflict, code: "read_only",
		detail: "the content tree is read-only"},
	{match: is(store.ErrNotFound), status: http.StatusNotFound, code: "not_found",
		detail: "no such article version"},
	// Before ErrConflict, which a ConflictError also is: the reason names
	// only article ids and languages.
	{match: isA[*store.ConflictError], status: http.StatusConflict, code: "conflict",
		detailOf: via(func(e *store.ConflictError) string { return e.Reason })},
	{match: is(store.ErrConflict), status: http.StatusConflict, code: "conflict",
		detail: "the change conflicts with other versions of the article"},
	{match: is(store.ErrNoSpace), status: http.StatusInsufficientStorage, code: "insufficient_storage",
		detail: "the server cannot store the change: no space left; nothing was written"},
	{match: is(store.ErrUnavailable), status: http.StatusServiceUnavailable, code: "unavailable",
		detail: "the content directory cannot be written; nothing was written", retryAfter: "30"},
}

// asProblem returns the problem that answers err: err itself when it is a
// *Problem, else the first row of problems that matches it, else a 500.
func asProblem(ctx context.Context, log *slog.Logger, err error) *Problem {
	if p, ok := errors.AsType[*Problem](err); ok {
		return p
	}
	for _, row := range problems {
		if !row.match(err) {
			continue
		}
		if row.warn != "" {
			log.WarnContext(ctx, row.warn, "err", err)
		}
		if row.fields != nil {
			return validationFailed(fieldErrors(row.fields(err)))
		}
		p := problem(row.status, row.code, "%s", row.detail)
		if row.detailOf != nil {
			p.Detail = row.detailOf(err)
		}
		p.Param = row.param
		p.retryAfter = row.retryAfter
		return p
	}
	log.ErrorContext(ctx, "internal error", "err", err)
	return problem(http.StatusInternalServerError, "internal", "an internal error occurred; it has been logged")
}

// fieldErrors locates content problems in the write request's body.
func fieldErrors(ps []article.Problem) []FieldError {
	var errs []FieldError
	for _, p := range ps {
		errs = append(errs, FieldError{Pointer: pointerOf(p.Key), Detail: p.Message})
	}
	return errs
}
