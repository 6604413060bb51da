package analyzers

import (
	"fmt"
	"strings"
	"testing"
)

func TestStrTable(t *testing.T) {
	nums := map[string]uint64{"skola": 1, "förskola": 1, "kommun": 1 << 40, "a": 7, strings.Repeat("x", 70000): 1, "": 3}
	strs := map[string]string{"förskola": "skola", "kommun": "kommun"}
	for i := range 2000 {
		nums[fmt.Sprintf("w%d", i)] = uint64(i % 5)
	}
	tb := newStrTable(nums, strs)
	for k, want := range nums {
		got, ok := tb.num(k)
		stored := k != "" && len(k) <= 65535
		if ok != stored || ok && got != want {
			t.Errorf("num(%.20q) = %d, %v; want %d, %v", k, got, ok, want, stored)
		}
		if gotB, okB := tb.numBytes([]byte(k)); okB != ok || gotB != got {
			t.Errorf("numBytes(%.20q) = %d, %v; num says %d, %v", k, gotB, okB, got, ok)
		}
		s, _ := tb.str(k)
		if stored && s != strs[k] {
			t.Errorf("str(%q) = %q, want %q", k, s, strs[k])
		}
	}
	for _, k := range []string{"skol", "skolan", "w2000", "W1", "ä"} {
		if _, ok := tb.num(k); ok {
			t.Errorf("num(%q) found a key never added", k)
		}
	}
	heads := newStrTable(nil, strs)
	for k, want := range strs {
		got, ok := heads.str(k)
		n, _ := heads.num(k)
		if !ok || got != want || n != 0 {
			t.Errorf("keys of strs: str(%q) = %q, %v, num %d; want %q, true, 0", k, got, ok, n, want)
		}
	}
	if _, ok := heads.str("skola"); ok {
		t.Error("a table of strs' keys holds a key only nums had")
	}
	var empty *strTable
	if _, ok := empty.num("x"); ok {
		t.Error("a nil table holds x")
	}
}
