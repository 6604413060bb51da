//go:build race

package index

// raceEnabled reports whether the race detector is on: it allocates on
// its own, so allocation bounds mean nothing then.
const raceEnabled = true
