package webhook_test

import (
	"testing"

	"github.com/amal-kommun/tolk/internal/webhook"
)

// BenchmarkEnqueue measures the cost a write pays for webhooks: one Enqueue
// to three receivers whose queues have room (Run is not started, so
// nothing competes for the CPU). Run it with -benchtime at most 65536x.
func BenchmarkEnqueue(b *testing.B) {
	d, err := webhook.New(webhook.Options{Secret: "s", QueueSize: 1 << 16,
		URLs: []string{"http://a.invalid/", "http://b.invalid/", "http://c.invalid/"}})
	if err != nil {
		b.Fatal(err)
	}
	ev := event(1)
	for b.Loop() {
		d.Enqueue(ev)
	}
}

// BenchmarkSign measures signing a typical event body.
func BenchmarkSign(b *testing.B) {
	body := []byte(`{"event":"article.upsert","id":"a1","lang":"sv","slug":"ny","url":"https://example.org/sv/ny","previous_url":null,"at":"2026-11-29T12:00:00Z"}`)
	for b.Loop() {
		webhook.Sign("s3cret", body)
	}
}
