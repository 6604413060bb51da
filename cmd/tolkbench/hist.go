package main

import (
	"math"
	"math/bits"
	"time"
)

// histSubBits sets the histogram's precision: 2^histSubBits buckets per
// power of two above 2^histSubBits ns, so a bucket is at most 1/128 of its
// values wide and its midpoint within 0.4% of any value in it.
const histSubBits = 8

const (
	histSub     = 1 << histSubBits
	histHalf    = histSub / 2
	histBuckets = (64-histSubBits+1)*histHalf + histSub
)

// histogram records durations in log-linear buckets, like HdrHistogram:
// exact below 256 ns, then with a relative error under 0.4%. The zero
// value is empty and ready to use; it is not safe for concurrent use, so
// each load goroutine keeps its own and they are merged at the end.
type histogram struct {
	counts   []uint64 // allocated on first record
	total    uint64
	min, max time.Duration
	sum      time.Duration
}

// bucketOf returns the bucket of v ≥ 0 nanoseconds.
func bucketOf(v uint64) int {
	if v < histSub {
		return int(v)
	}
	e := bits.Len64(v) - histSubBits // ≥ 1
	return e*histHalf + int(v>>e)
}

// bucketRange returns the smallest value of bucket i and its width.
func bucketRange(i int) (low, width uint64) {
	if i < histSub {
		return uint64(i), 1
	}
	e := i/histHalf - 1
	m := uint64(i - e*histHalf)
	return m << e, 1 << e
}

// record adds one latency.
func (h *histogram) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	if h.counts == nil {
		h.counts = make([]uint64, histBuckets)
	}
	h.counts[bucketOf(uint64(d))]++
	if h.total == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.total++
	h.sum += d
}

// merge adds every latency recorded in o to h.
func (h *histogram) merge(o *histogram) {
	if o.total == 0 {
		return
	}
	if h.counts == nil {
		h.counts = make([]uint64, histBuckets)
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.total == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.total += o.total
	h.sum += o.sum
}

// percentile returns the latency that q (0 < q ≤ 1) of the recorded ones
// do not exceed, by nearest rank: the ⌈q·n⌉-th smallest. It returns the
// midpoint of that latency's bucket, clamped to the recorded minimum and
// maximum, and 0 when nothing was recorded.
func (h *histogram) percentile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.total)))
	rank = min(max(rank, 1), h.total)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			low, width := bucketRange(i)
			v := time.Duration(low + (width-1)/2)
			return min(max(v, h.min), h.max)
		}
	}
	return h.max
}

// mean returns the mean latency, or 0 when nothing was recorded.
func (h *histogram) mean() time.Duration {
	if h.total == 0 {
		return 0
	}
	return h.sum / time.Duration(h.total)
}
