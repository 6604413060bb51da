package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// exactPercentile is the nearest-rank percentile of sorted values.
func exactPercentile(sorted []time.Duration, q float64) time.Duration {
	rank := int(math.Ceil(q * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func TestHistogramPercentile(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name   string
		values func() []time.Duration
	}{
		{"one value", func() []time.Duration { return []time.Duration{1234567} }},
		{"small exact values", func() []time.Duration {
			return []time.Duration{5, 1, 4, 2, 3, 255, 0}
		}},
		{"log-normal latencies", func() []time.Duration {
			v := make([]time.Duration, 100000)
			for i := range v {
				v[i] = time.Duration(math.Exp(12 + 1.5*rng.NormFloat64())) // median ≈ 160µs, long tail
			}
			return v
		}},
		{"bimodal with outliers", func() []time.Duration {
			v := make([]time.Duration, 20000)
			for i := range v {
				switch {
				case i%1000 == 0:
					v[i] = 2*time.Second + time.Duration(rng.IntN(1e6))
				case i%2 == 0:
					v[i] = 80*time.Microsecond + time.Duration(rng.IntN(20000))
				default:
					v[i] = 3*time.Millisecond + time.Duration(rng.IntN(500000))
				}
			}
			return v
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values := tt.values()
			var h histogram
			for _, v := range values {
				h.record(v)
			}
			sorted := slices.Clone(values)
			slices.Sort(sorted)
			for _, q := range []float64{0.0001, 0.5, 0.9, 0.99, 0.999, 1} {
				want := exactPercentile(sorted, q)
				got := h.percentile(q)
				// Exact below 256ns; within half a bucket (1/256) above.
				if tol := float64(want) / 256; math.Abs(float64(got-want)) > tol {
					t.Errorf("percentile(%v) = %v, want %v ± %.0fns", q, got, want, tol)
				}
			}
			if h.total != uint64(len(values)) || h.min != sorted[0] || h.max != sorted[len(sorted)-1] {
				t.Errorf("total, min, max = %d, %v, %v; want %d, %v, %v", h.total, h.min, h.max, len(values), sorted[0], sorted[len(sorted)-1])
			}
		})
	}
}

func TestHistogramEmptyAndMerge(t *testing.T) {
	var empty histogram
	if got := empty.percentile(0.99); got != 0 {
		t.Errorf("empty percentile = %v, want 0", got)
	}
	var a, b, all histogram
	for i := range 1000 {
		d := time.Duration(i*i) * time.Microsecond
		all.record(d)
		if i%3 == 0 {
			a.record(d)
		} else {
			b.record(d)
		}
	}
	a.merge(&b)
	a.merge(&empty)
	for _, q := range []float64{0.5, 0.99, 0.999} {
		if got, want := a.percentile(q), all.percentile(q); got != want {
			t.Errorf("merged percentile(%v) = %v, want %v", q, got, want)
		}
	}
	if a.total != all.total || a.min != all.min || a.max != all.max || a.mean() != all.mean() {
		t.Errorf("merged = %d/%v/%v/%v, want %d/%v/%v/%v", a.total, a.min, a.max, a.mean(), all.total, all.min, all.max, all.mean())
	}
}

// TestBucketsCover checks that the buckets tile the values without gaps
// or overlaps, the property the percentile arithmetic relies on.
func TestBucketsCover(t *testing.T) {
	next := uint64(0)
	for i := range bucketOf(math.MaxInt64) + 1 {
		low, width := bucketRange(i)
		if low != next {
			t.Fatalf("bucket %d starts at %d, want %d", i, low, next)
		}
		if bucketOf(low) != i || bucketOf(low+width-1) != i {
			t.Fatalf("bucket %d = [%d, %d) does not map back to itself", i, low, low+width)
		}
		next = low + width
	}
	if bucketOf(math.MaxInt64) >= histBuckets {
		t.Fatalf("bucketOf(MaxInt64) = %d, beyond %d buckets", bucketOf(math.MaxInt64), histBuckets)
	}
}
