package gcpolicy

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
)

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	for _, tt := range []struct {
		live      int64
		percent   int
		minGrowth int64
		want      int
	}{
		{live: 40 * mib, percent: 50, minGrowth: 64 * mib, want: 160},   // a small corpus: the floor
		{live: 200 * mib, percent: 50, minGrowth: 64 * mib, want: 50},   // a large one: the percent
		{live: 128 * mib, percent: 50, minGrowth: 64 * mib, want: 50},   // exactly at the floor
		{live: 100 * mib, percent: 50, minGrowth: 64 * mib, want: 64},   // just under it
		{live: 40 * mib, percent: 50, minGrowth: 0, want: 50},           // no floor
		{live: 0, percent: 50, minGrowth: 64 * mib, want: 6400},         // an empty heap counts as 1 MiB
		{live: 1, percent: 50, minGrowth: 1 << 40, want: maxPercent},    // bounded
		{live: 3 * mib, percent: 100, minGrowth: 10 * mib, want: 334},   // rounded up
		{live: 500 * mib, percent: 200, minGrowth: 64 * mib, want: 200}, // a high percent stays
	} {
		if got := Percent(tt.live, tt.percent, tt.minGrowth); got != tt.want {
			t.Errorf("Percent(%d MiB, %d, %d MiB) = %d, want %d", tt.live/mib, tt.percent, tt.minGrowth/mib, got, tt.want)
		}
	}
}

// TestStep: a step sets the percent the live heap of the last collection
// asks for, and leaves a close enough one alone.
func TestStep(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	keep := make([]byte, 8<<20) // live across the collection
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	live := int64(s[0].Value.Uint64())
	p := &policy{percent: 50, minGrowth: 256 << 20, sample: s}
	want := Percent(live, 50, 256<<20)
	if got := p.step(); got != want || want <= 50 {
		t.Fatalf("step set %d, want %d (live %d bytes)", got, want, live)
	}
	if old := debug.SetGCPercent(want); old != want {
		t.Errorf("GOGC is %d, want %d", old, want)
	}
	p.set = want * 20 / 19 // within a twentieth: left alone
	if got := p.step(); got != want*20/19 {
		t.Errorf("step changed a close percent to %d", got)
	}
	runtime.KeepAlive(keep)
}
