package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/webhook"
)

// TestDeliver: Deliver sends one event with the caller's delivery id,
// without Run and without a position, signed and retried as queued
// deliveries are; it returns nil once delivered or given up, ctx's error
// when ctx ends first, ErrUnknownReceiver for another URL.
func TestDeliver(t *testing.T) {
	flaky := newReceiver(t, func(n int, w http.ResponseWriter) {
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	refusing := newReceiver(t, func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusGone) })
	slow := hanging(t)
	d, reg := newDispatcher(t, webhook.Options{URLs: []string{flaky.URL, refusing.URL, slow.URL}})
	ctx := t.Context()

	ev := webhook.EntryEvent(journal.Entry{Op: journal.Upsert, ID: "a1", Lang: "sv", Slug: "ny", URL: "https://example.org/sv/ny", At: t0})
	if err := d.Deliver(ctx, flaky.URL, "delivery-7", ev); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	for i := range 2 { // the 503, then the retry
		req := flaky.next(t)
		if got := req.Header.Get("X-Tolk-Delivery"); got != "delivery-7" {
			t.Errorf("attempt %d: X-Tolk-Delivery %q, want the caller's id", i+1, got)
		}
		if !verify(secret, req.Body, req.Header.Get("X-Tolk-Signature")) || req.Header.Get("X-Tolk-Event") != webhook.EventUpsert {
			t.Errorf("attempt %d: signature or event header wrong: %v", i+1, req.Header)
		}
		want := `{"event":"article.upsert","id":"a1","lang":"sv","slug":"ny","url":"https://example.org/sv/ny","previous_url":null,"at":"2026-11-29T12:00:00Z"}`
		if diff := cmp.Diff(want, string(req.Body)); diff != "" {
			t.Errorf("attempt %d: body (-want +got):\n%s", i+1, diff)
		}
	}
	flaky.quiet(t)

	if err := d.Deliver(ctx, refusing.URL, "delivery-8", ev); err != nil {
		t.Errorf("Deliver to a receiver that refuses: %v, want nil (given up)", err)
	}
	refusing.next(t)
	waitCounts(t, reg, result(1, 1, 1, 0))

	cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if err := d.Deliver(cctx, slow.URL, "delivery-9", ev); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Deliver whose context ends first: %v, want its error", err)
	}
	if err := d.Deliver(ctx, "https://elsewhere.example/hook", "x", ev); !errors.Is(err, webhook.ErrUnknownReceiver) {
		t.Errorf("Deliver to another URL: %v, want ErrUnknownReceiver", err)
	}
}
