// Package gcpolicy sets the garbage collector's target for a server whose
// heap is mostly content that lives as long as the process: heap growth
// between collections in percent of the live heap (Go's GOGC), but never
// less than a fixed number of bytes.
//
// With GOGC alone, a small corpus collects far more often than a large
// one for the same allocation rate (a cycle every percent × live bytes
// allocated, each marking the live heap), so the collector's share of a
// request's CPU grows as the corpus shrinks. A floor on the growth keeps
// small servers from collecting every few megabytes and leaves large ones,
// whose growth in percent is already above the floor, as they are.
package gcpolicy

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// maxPercent bounds the percent Run sets, whatever the floor asks for a
// nearly empty heap.
const maxPercent = 10000

// Percent returns the GOGC that lets a heap of live bytes grow by at least
// minGrowth bytes before the next collection, and by percent of live when
// that is more. live is at least 1 MiB for the computation, so an empty
// heap does not ask for a huge percent.
func Percent(live int64, percent int, minGrowth int64) int {
	live = max(live, 1<<20)
	if minGrowth <= 0 || live*int64(percent)/100 >= minGrowth {
		return percent
	}
	p := (minGrowth*100 + live - 1) / live
	return int(min(p, maxPercent))
}

// Run sets the collector's target to Percent of the live heap and adjusts
// it every interval (after collections change the live heap) until ctx is
// done. GOMEMLIMIT, when set, still bounds the heap.
func Run(ctx context.Context, percent int, minGrowth int64, interval time.Duration) {
	p := &policy{percent: percent, minGrowth: minGrowth, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	p.step()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.step()
		}
	}
}

// policy is Run's state: the configuration and the percent it set last.
type policy struct {
	percent   int
	minGrowth int64
	set       int // the GOGC last set; 0 before the first
	sample    []metrics.Sample
}

// step reads the live heap of the last collection and sets the percent it
// asks for, unless it is within a twentieth of the one set already.
func (p *policy) step() int {
	metrics.Read(p.sample)
	var live int64
	if p.sample[0].Value.Kind() == metrics.KindUint64 {
		live = int64(p.sample[0].Value.Uint64())
	}
	want := Percent(live, p.percent, p.minGrowth)
	if p.set == 0 || want*20 < p.set*19 || want*20 > p.set*21 {
		debug.SetGCPercent(want)
		p.set = want
	}
	return p.set
}
