package webhook

import (
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, v string
		want    time.Duration
	}{
		{"absent", "", -1},
		{"seconds", "120", 120 * time.Second},
		{"zero", "0", 0},
		{"spaces", " 5 ", 5 * time.Second},
		{"negative", "-1", -1},
		{"fraction", "1.5", -1},
		{"too large", "99999999999", -1},
		{"HTTP date", "Sun, 29 Nov 2026 12:01:30 GMT", 90 * time.Second},
		{"HTTP date in the past", "Sun, 29 Nov 2026 11:00:00 GMT", 0},
		{"garbage", "soon", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := parseRetryAfter(tc.v, now); got != tc.want {
				t.Errorf("parseRetryAfter(%q) = %v, want %v", tc.v, got, tc.want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	d := &Dispatcher{baseDelay: time.Second, maxDelay: 5 * time.Minute}
	for _, tc := range []struct {
		name    string
		attempt int
		wait    time.Duration
		ceiling time.Duration // every draw is in [0, ceiling)
	}{
		{"first retry", 1, -1, time.Second},
		{"third retry", 3, -1, 4 * time.Second},
		{"capped", 10, -1, 5 * time.Minute},
		{"far beyond the cap", 1000, -1, 5 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var top time.Duration
			for range 2000 {
				got := d.backoff(tc.attempt, tc.wait)
				if got < 0 || got >= tc.ceiling {
					t.Fatalf("backoff(%d) = %v, want in [0, %v)", tc.attempt, got, tc.ceiling)
				}
				top = max(top, got)
			}
			if top < tc.ceiling/2 { // the chance of this with full jitter is 2^-2000
				t.Errorf("backoff(%d) never exceeded %v in 2000 draws: not jittered over [0, %v)", tc.attempt, top, tc.ceiling)
			}
		})
	}
	for _, tc := range []struct {
		name       string
		wait, want time.Duration
	}{
		{"Retry-After honoured", 30 * time.Second, 30 * time.Second},
		{"Retry-After zero", 0, 0},
		{"Retry-After capped", time.Hour, 5 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := d.backoff(1, tc.wait); got != tc.want {
				t.Errorf("backoff(1, %v) = %v, want %v", tc.wait, got, tc.want)
			}
		})
	}
}
