//go:build !race

package webhook_test

// enqueueBudget is the time 1000 Enqueue calls may take; see race_test.go.
const enqueueBudget = 50_000_000 // ns
