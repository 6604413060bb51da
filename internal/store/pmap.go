package store

import (
	"hash/maphash"
	"maps"
)

// shardCount is the number of shards of a pmap: a change copies the maps
// of the shards it touches, each about 1/shardCount of the whole.
const shardCount = 128

// pmap is a persistent map: a value is never changed once shared, and an
// edit makes a new pmap that shares every shard it did not touch with the
// old one, so that each generation keeps its own look-ups for what a
// write costs to change, not for what the tree holds. The zero pmap is
// empty.
type pmap[K comparable, V any] struct {
	seed   maphash.Seed
	shards *[shardCount]map[K]V
}

func (m pmap[K, V]) shard(k K) int {
	return int(maphash.Comparable(m.seed, k) % shardCount)
}

// get returns the value of k, and whether there is one.
func (m pmap[K, V]) get(k K) (V, bool) {
	if m.shards == nil {
		var zero V
		return zero, false
	}
	v, ok := m.shards[m.shard(k)][k]
	return v, ok
}

// all calls yield with every key and value, in no particular order, until
// it returns false.
func (m pmap[K, V]) all(yield func(K, V) bool) {
	if m.shards == nil {
		return
	}
	for _, sh := range m.shards {
		for k, v := range sh {
			if !yield(k, v) {
				return
			}
		}
	}
}

// pmapEdit makes a new pmap from an old one, copying a shard the first
// time it changes one.
type pmapEdit[K comparable, V any] struct {
	m     pmap[K, V]
	owned [shardCount]bool
	hint  int // size of a shard made from nothing
}

// edit starts a change of m, for about n entries in all when m is empty;
// m itself is never changed.
func (m pmap[K, V]) edit(n int) *pmapEdit[K, V] {
	if m.shards == nil {
		m = pmap[K, V]{seed: maphash.MakeSeed(), shards: new([shardCount]map[K]V)}
	}
	shards := *m.shards
	return &pmapEdit[K, V]{m: pmap[K, V]{seed: m.seed, shards: &shards}, hint: n/shardCount + 1}
}

func (e *pmapEdit[K, V]) own(k K) map[K]V {
	i := e.m.shard(k)
	if !e.owned[i] {
		if old := e.m.shards[i]; old != nil {
			e.m.shards[i] = maps.Clone(old)
		} else {
			e.m.shards[i] = make(map[K]V, e.hint)
		}
		e.owned[i] = true
	}
	return e.m.shards[i]
}

// get returns the value of k in the pmap being made.
func (e *pmapEdit[K, V]) get(k K) (V, bool) { return e.m.get(k) }

func (e *pmapEdit[K, V]) set(k K, v V) { e.own(k)[k] = v }

func (e *pmapEdit[K, V]) delete(k K) {
	if _, ok := e.m.get(k); ok {
		delete(e.own(k), k)
	}
}

// done returns the new pmap. The edit must not be used after.
func (e *pmapEdit[K, V]) done() pmap[K, V] { return e.m }
