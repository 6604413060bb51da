//go:build race

package webhook_test

// enqueueBudget is raised under the race detector, which makes every
// channel operation and allocation of Enqueue about 30 times slower
// (BenchmarkEnqueue: about 0.25 µs without it, 6–30 µs with it on a shared
// 2-core machine). A blocked Enqueue would still exceed it by far: it would
// wait for the hanging receiver's 10 s client timeout.
const enqueueBudget = 500_000_000 // ns
