// Package webhook delivers Tolk's change events to the URLs an operator
// configures: each event is POSTed as JSON, signed with HMAC-SHA256, and
// retried with exponential backoff and full jitter.
//
// The main rule: webhooks never delay or fail a write. Enqueue only copies
// the event into one bounded in-memory queue per receiver and returns; each
// receiver has its own worker, so a slow or dead receiver delays only its own
// deliveries, which it receives in order. When a queue is full the event is
// dropped for that receiver, logged and counted.
//
// After Follow, a Dispatcher delivers from the change journal instead of
// its queues: each receiver reads the journal from its own position, which
// is saved (in Options.State, atomically, after every delivery), so
// deliveries resume where they stopped after a restart and none pending
// at shutdown is lost. Without Follow, deliveries still queued when the
// server stops are abandoned (and logged with a count); receivers that
// must not miss a change should then reconcile with the change feed, GET
// /v1/changes.
//
// Deliver sends one event, with a delivery id the caller gives, signed and
// retried the same way, and keeps no position: it is for a caller that
// keeps positions of its own, as the database mode's relay does (one
// replica at a time, the id derived from the change-log entry, so that a
// redelivery after a failover carries the same id).
//
// Receivers live in other programs, so verification is not an API of this
// package: they check the X-Tolk-Signature header with the Go or shell
// snippet of docs/api.md, which the tests keep in step with Sign, and may
// deduplicate retries by X-Tolk-Delivery, which is the same on every attempt
// of one delivery.
package webhook
