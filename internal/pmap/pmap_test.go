package pmap

import (
	"maps"
	"math/rand/v2"
	"reflect"
	"testing"
)

// op is one change of an edit: a Set of k to v, or a Delete of k when del.
type op struct {
	k   string
	v   int
	del bool
}

func apply(m Map[string, int], ops []op) Map[string, int] {
	e := m.Edit()
	for _, o := range ops {
		if o.del {
			e.Delete(o.k)
		} else {
			e.Set(o.k, o.v)
		}
	}
	return e.Done()
}

func contents(m Map[string, int]) map[string]int {
	out := make(map[string]int)
	for k, v := range m.All() {
		out[k] = v
	}
	return out
}

func TestEdit(t *testing.T) {
	base := apply(Map[string, int]{}, []op{{k: "a", v: 1}, {k: "b", v: 2}})
	tests := []struct {
		name string
		from Map[string, int]
		ops  []op
		want map[string]int
	}{
		{"zero map, no change", Map[string, int]{}, nil, map[string]int{}},
		{"zero map, sets", Map[string, int]{}, []op{{k: "x", v: 1}, {k: "y", v: 2}}, map[string]int{"x": 1, "y": 2}},
		{"delete of a missing key", Map[string, int]{}, []op{{k: "x", del: true}}, map[string]int{}},
		{"set then delete", base, []op{{k: "c", v: 3}, {k: "c", del: true}}, map[string]int{"a": 1, "b": 2}},
		{"replace", base, []op{{k: "a", v: 10}}, map[string]int{"a": 10, "b": 2}},
		{"delete", base, []op{{k: "b", del: true}}, map[string]int{"a": 1}},
		{"delete then set", base, []op{{k: "a", del: true}, {k: "a", v: 5}}, map[string]int{"a": 5, "b": 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := contents(tc.from)
			got := apply(tc.from, tc.ops)
			if c := contents(got); !maps.Equal(c, tc.want) {
				t.Errorf("All() = %v, want %v", c, tc.want)
			}
			if got.Len() != len(tc.want) {
				t.Errorf("Len() = %d, want %d", got.Len(), len(tc.want))
			}
			for k, v := range tc.want {
				if g, ok := got.Get(k); !ok || g != v {
					t.Errorf("Get(%q) = %d, %v, want %d, true", k, g, ok, v)
				}
			}
			if g, ok := got.Get("missing"); ok || g != 0 {
				t.Errorf("Get(missing) = %d, %v, want 0, false", g, ok)
			}
			if c := contents(tc.from); !maps.Equal(c, before) {
				t.Errorf("the map edited became %v, was %v", c, before)
			}
		})
	}
}

func TestNewEdit(t *testing.T) {
	e := NewEdit[int, string](1000)
	for i := range 1000 {
		e.Set(i, "v")
	}
	if v, ok := e.Get(999); !ok || v != "v" {
		t.Errorf("Edit.Get(999) = %q, %v, want v, true", v, ok)
	}
	if n := e.Done().Len(); n != 1000 {
		t.Errorf("Len() = %d, want 1000", n)
	}
}

func TestAllStops(t *testing.T) {
	m := apply(Map[string, int]{}, []op{{k: "a"}, {k: "b"}, {k: "c"}})
	n := 0
	for range m.All() {
		n++
		break
	}
	if n != 1 {
		t.Errorf("All() yielded %d after a break, want 1", n)
	}
}

// TestAgainstMap makes random sets and deletes to a Map and a plain map in
// step, and checks that every older Map still holds what it held.
func TestAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var m Map[string, int]
	plain := map[string]int{}
	type gen struct {
		m    Map[string, int]
		want map[string]int
	}
	var old []gen
	for round := range 200 {
		e := m.Edit()
		for range r.IntN(50) {
			k := string(rune('a'+r.IntN(26))) + string(rune('a'+r.IntN(26)))
			if r.IntN(3) == 0 {
				e.Delete(k)
				delete(plain, k)
			} else {
				v := r.Int()
				e.Set(k, v)
				plain[k] = v
			}
			if g, ok := e.Get(k); g != plain[k] || ok != hasKey(plain, k) {
				t.Fatalf("round %d: Edit.Get(%q) = %d, %v, want %d", round, k, g, ok, plain[k])
			}
		}
		m = e.Done()
		old = append(old, gen{m, maps.Clone(plain)})
		for i, g := range old {
			if c := contents(g.m); !maps.Equal(c, g.want) {
				t.Fatalf("round %d: map %d holds %v, want %v", round, i, c, g.want)
			}
			if g.m.Len() != len(g.want) {
				t.Fatalf("round %d: map %d Len() = %d, want %d", round, i, g.m.Len(), len(g.want))
			}
		}
	}
}

func hasKey(m map[string]int, k string) bool {
	_, ok := m[k]
	return ok
}

// TestShares checks why the package exists: an edit copies the one shard
// it changes and shares every other with the Map it was made from.
func TestShares(t *testing.T) {
	e := NewEdit[int, int](10000)
	for i := range 10000 {
		e.Set(i, i)
	}
	old := e.Done()
	tests := []struct {
		name   string
		change func(*Edit[int, int])
		copied int
	}{
		{"set", func(e *Edit[int, int]) { e.Set(7, -7) }, 1},
		{"delete", func(e *Edit[int, int]) { e.Delete(7) }, 1},
		{"delete of a missing key", func(e *Edit[int, int]) { e.Delete(-1) }, 0},
		{"no change", func(*Edit[int, int]) {}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := old.Edit()
			tc.change(e)
			next := e.Done()
			copied := 0
			for i := range old.shards {
				if reflect.ValueOf(old.shards[i]).Pointer() != reflect.ValueOf(next.shards[i]).Pointer() {
					copied++
				}
			}
			if copied != tc.copied {
				t.Errorf("copied %d shards, want %d", copied, tc.copied)
			}
		})
	}
}
