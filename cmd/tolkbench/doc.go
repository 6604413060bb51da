// Command tolkbench measures Tolk under load, against a bare Gin handler
// serving the same bytes, with one command:
//
//	go run ./cmd/tolkbench [--quick] [--json FILE]
//
// It generates a corpus of --articles articles in Swedish, English and
// Chinese (cached under the user cache directory, tolk-bench/<n>), builds
// tolk, indexes the corpus with tolk index, starts tolk serve and the
// baseline (tolkbench itself in a hidden mode) on 127.0.0.1, and drives
// both with the same closed-loop load: wrk when it is installed, its own
// Go generator otherwise. It prints requests per second, latency
// percentiles and errors per route and concurrency, the article route's
// ratio to the baseline, Tolk's resident memory, its start-up time and the
// index build rate.
//
// The route search-distinct sends a different two-word query in every
// request, drawn from the corpus's words, so that Tolk's answer cache is
// out of play, and compares it with a bare Bleve match query (top 10, no
// highlights, a field per language with Bleve's analyzer) over the same
// documents behind bare net/http: tolkbench itself in a second hidden mode
// (--bleve-serve), started in the same run.
//
// With --database URL it runs only the database scenario: it imports the
// corpus into a site of that PostgreSQL database with tolk import, starts
// two tolk serve --database replicas (each cold), streams writes on one and
// measures the other: propagation lag, write latency and throughput, cold
// starts, and reads with and without writes in alternating slices.
//
// Its main rule: every load goes to the loopback interface only, bounded
// in time, and every child process is stopped when tolkbench ends,
// including on SIGINT.
package main
