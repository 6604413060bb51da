package analyzers

import (
	"hash/maphash"
	"math/bits"
)

// strTable is an immutable hash table from strings to a uint64 and a
// string. Its keys and string values live in one string and its slots hold
// offsets, not pointers, so the garbage collector never scans its entries:
// the Swedish dictionaries hold about a million of them.
type strTable struct {
	blob  string
	slots []strSlot // a power of two long, at most three quarters full
	nums  []uint64  // distinct numeric values, indexed by strSlot.num
	seed  maphash.Seed
}

// strSlot is one entry; klen 0 marks an empty slot (keys are never empty).
type strSlot struct {
	koff, voff uint32
	klen, vlen uint16
	num        uint32
}

// newEmptyStrTable returns a table with room for n keys and no blob.
func newEmptyStrTable(n int) *strTable {
	return &strTable{seed: maphash.MakeSeed(), slots: make([]strSlot, 1<<bits.Len(uint(n+n/3)))}
}

// place puts s, the slot of key k, in the first free slot from k's hash;
// k must not be in t yet and t must have room.
func (t *strTable) place(k string, s strSlot) {
	mask := uint64(len(t.slots) - 1)
	for i := maphash.String(t.seed, k) & mask; ; i = (i + 1) & mask {
		if t.slots[i].klen == 0 {
			t.slots[i] = s
			return
		}
	}
}

// slot returns the slot of key k, or nil.
func (t *strTable) slot(k string) *strSlot {
	if t == nil || k == "" {
		return nil
	}
	mask := uint64(len(t.slots) - 1)
	for i := maphash.String(t.seed, k) & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.klen == 0 {
			return nil
		}
		if int(s.klen) == len(k) && t.blob[s.koff:s.koff+uint32(s.klen)] == k {
			return s
		}
	}
}

// slotBytes is slot for a key held in a byte slice.
func (t *strTable) slotBytes(k []byte) *strSlot {
	if t == nil || len(k) == 0 {
		return nil
	}
	mask := uint64(len(t.slots) - 1)
	for i := maphash.Bytes(t.seed, k) & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.klen == 0 {
			return nil
		}
		if int(s.klen) == len(k) && t.blob[s.koff:s.koff+uint32(s.klen)] == string(k) {
			return s
		}
	}
}

// numBytes is num for a key held in a byte slice.
func (t *strTable) numBytes(k []byte) (uint64, bool) {
	s := t.slotBytes(k)
	if s == nil {
		return 0, false
	}
	return t.nums[s.num], true
}

// num returns the numeric value of k and whether k is in t.
func (t *strTable) num(k string) (uint64, bool) {
	s := t.slot(k)
	if s == nil {
		return 0, false
	}
	return t.nums[s.num], true
}

// str returns the string value of k and whether k is in t.
func (t *strTable) str(k string) (string, bool) {
	s := t.slot(k)
	if s == nil {
		return "", false
	}
	return t.blob[s.voff : s.voff+uint32(s.vlen)], true
}

// len returns the number of keys in t.
func (t *strTable) len() int {
	n := 0
	for _, s := range t.slots {
		if s.klen != 0 {
			n++
		}
	}
	return n
}
