//go:build race

package httpapi

// raceEnabled reports whether the race detector is on: it allocates on
// its own, so allocation counts mean nothing then.
const raceEnabled = true
