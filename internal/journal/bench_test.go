package journal

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkAppend measures one durable Append of one entry (write + fsync)
// to a file in a temporary directory.
func BenchmarkAppend(b *testing.B) {
	j := open(b, b.TempDir())
	e := entry(0)
	for b.Loop() {
		if err := j.Append(e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendBatch10 measures one Append of ten entries, as a change to
// an original with translations may produce.
func BenchmarkAppendBatch10(b *testing.B) {
	j := open(b, b.TempDir())
	es := entries(0, 10)
	for b.Loop() {
		if err := j.Append(es...); err != nil {
			b.Fatal(err)
		}
	}
}

const benchEntries = 100_000

// BenchmarkSince measures a page of 100 entries from a random position in
// a journal of 100,000 entries.
func BenchmarkSince(b *testing.B) {
	j := open(b, "")
	if err := j.Append(entries(0, benchEntries)...); err != nil {
		b.Fatal(err)
	}
	cursors := make([]string, 1024)
	for i := range cursors {
		cursors[i] = encodeCursor(cursorValue{epoch: j.epoch, seq: rand.Uint64N(benchEntries)})
	}
	i := 0
	for b.Loop() {
		if _, _, err := j.Since(cursors[i%len(cursors)], 100); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkOpen measures the start-up cost of reading a journal file of
// 100,000 entries.
func BenchmarkOpen(b *testing.B) {
	dir := b.TempDir()
	j := open(b, dir)
	if err := j.Append(entries(0, benchEntries)...); err != nil {
		b.Fatal(err)
	}
	j.Close()
	for b.Loop() {
		j, err := Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		j.Close()
	}
}
