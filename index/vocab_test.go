package index

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// termsOf returns the terms and counts of t, flat, in comparable form.
func termsOf(t *termTable) []string {
	var out []string
	for i := range t.len() {
		out = append(out, fmt.Sprintf("%s %d", t.term(i), t.freq[i]))
	}
	return out
}

// TestTermTableWith adds random sets of terms to a vocabulary table with
// with, which keeps the added terms apart and folds them in from time to
// time, and checks after each that the table holds what a flat table
// merged with every set holds (its terms and counts), and that it
// answers has, expand and fuzzy as that flat table does, while a table
// taken before the writes still answers as it did.
func TestTermTableWith(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	letters := []rune("abcdeåäöz漢字")
	word := func() string {
		rs := make([]rune, 1+r.IntN(7))
		for i := range rs {
			rs[i] = letters[r.IntN(len(letters))]
		}
		return string(rs)
	}
	words := make([]string, 8000)
	for i := range words {
		words[i] = word()
	}
	set := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = words[r.IntN(len(words))]
		}
		return out
	}
	flatOf := func(terms []string) *termTable {
		terms = slices.Compact(slices.Sorted(slices.Values(terms)))
		b := newTermTableBuilder(len(terms))
		for _, term := range terms {
			b.add(term, 1)
		}
		return b.table()
	}
	tab := flatOf(set(3000))
	want := tab
	before, beforeTerms := tab, termsOf(tab)
	probes := append(set(12), "", "a", "ab", "å", "漢", "zz", "q")
	folds := 0
	for step := range 150 {
		add := set(1 + r.IntN(80))
		had := tab.more != nil
		tab = tab.with(slices.Clone(add))
		want = merged(want, flatOf(add))
		if had && tab.more == nil {
			folds++
		}
		if tab.more != nil && tab.more.len() > foldTermsAt(tab.len()) {
			t.Fatalf("step %d: %d terms added, fold at %d", step, tab.more.len(), foldTermsAt(tab.len()))
		}
		if diff := cmp.Diff(termsOf(want), termsOf(tab.flat())); diff != "" {
			t.Fatalf("step %d: terms (-flat +with):\n%s", step, diff)
		}
		for _, p := range probes {
			if got, w := tab.has(p), want.has(p); got != w {
				t.Fatalf("step %d: has(%q) = %v, want %v", step, p, got, w)
			}
			if diff := cmp.Diff(want.expand(p, 5), tab.expand(p, 5)); diff != "" {
				t.Fatalf("step %d: expand(%q) (-flat +with):\n%s", step, p, diff)
			}
			for k := range 3 {
				wt, wd := want.fuzzy(p, k)
				gt, gd := tab.fuzzy(p, k)
				if diff := cmp.Diff([]any{wt, wd}, []any{gt, gd}); diff != "" {
					t.Fatalf("step %d: fuzzy(%q, %d) (-flat +with):\n%s", step, p, k, diff)
				}
			}
		}
		if got, w := tab.empty(), want.len() == 0; got != w {
			t.Fatalf("step %d: empty() = %v, want %v", step, got, w)
		}
	}
	if folds == 0 {
		t.Error("no write folded the table")
	}
	if diff := cmp.Diff(beforeTerms, termsOf(before)); diff != "" {
		t.Errorf("the table before the writes changed (-then +now):\n%s", diff)
	}
}
