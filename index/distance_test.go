package index

import "testing"

// TestLevenshtein checks the distance typos are matched with: a swap of
// neighbouring letters is one edit.
func TestLevenshtein(t *testing.T) {
	tests := []struct {
		a, b string
		k    int
		want int
	}{
		{"dunhuang", "dunhaung", 2, 1},
		{"teachers", "teahcers", 2, 1},
		{"swimming", "swimmign", 2, 1},
		{"skolan", "sklan", 1, 1},
		{"delegation", "delgation", 2, 1},
		{"delegation", "delegaton", 2, 1},
		{"abc", "abc", 1, 0},
		{"abc", "cab", 1, 2},
		{"ca", "abc", 3, 3},
		{"kitten", "sitting", 3, 3},
		{"kitten", "sitting", 1, 2}, // k+1 as soon as it must exceed k
		{"", "ab", 2, 2},
		{"ab", "", 2, 2},
	}
	for _, tt := range tests {
		a := []rune(tt.a)
		if got := levenshtein(a, tt.b, tt.k, make([]int, 3*(len(a)+1))); got != tt.want {
			t.Errorf("levenshtein(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.k, got, tt.want)
		}
	}
}
