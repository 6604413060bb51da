// Package pmap provides a persistent map: a Map is never changed once
// made, and an Edit makes a new Map that shares with the old one every
// shard it did not touch.
//
// A change therefore costs a copy of the shards it touches, about
// 1/128 of the map each, rather than a copy of the whole, and a reader
// holding an older Map keeps reading it unchanged while a writer makes
// the next one, without locks.
package pmap

import (
	"hash/maphash"
	"iter"
	"maps"
)

// shardCount is the number of shards of a Map: a change copies the maps
// of the shards it touches, each about 1/shardCount of the whole.
const shardCount = 128

// A Map is a persistent map from K to V. The zero Map is empty and ready
// to use. A Map is safe for concurrent readers: nothing changes it once
// made.
type Map[K comparable, V any] struct {
	seed   maphash.Seed
	shards *[shardCount]map[K]V
}

func (m Map[K, V]) shard(k K) int {
	return int(maphash.Comparable(m.seed, k) % shardCount)
}

// Get returns the value of k, and whether there is one.
func (m Map[K, V]) Get(k K) (V, bool) {
	if m.shards == nil {
		var zero V
		return zero, false
	}
	v, ok := m.shards[m.shard(k)][k]
	return v, ok
}

// Len returns the number of entries in m.
func (m Map[K, V]) Len() int {
	if m.shards == nil {
		return 0
	}
	n := 0
	for _, sh := range m.shards {
		n += len(sh)
	}
	return n
}

// All returns an iterator over the keys and values of m, in no
// particular order.
func (m Map[K, V]) All() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
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
}

// Edit starts a change of m. m itself is never changed: the new Map is
// the one Done returns.
func (m Map[K, V]) Edit() *Edit[K, V] {
	if m.shards == nil {
		m = Map[K, V]{seed: maphash.MakeSeed(), shards: new([shardCount]map[K]V)}
	}
	shards := *m.shards
	return &Edit[K, V]{m: Map[K, V]{seed: m.seed, shards: &shards}}
}

// NewEdit starts an empty Map to be filled with about n entries, so that
// its shards are made at their size once rather than grown.
func NewEdit[K comparable, V any](n int) *Edit[K, V] {
	e := Map[K, V]{}.Edit()
	e.hint = n/shardCount + 1
	return e
}

// An Edit makes a new Map from an old one, copying a shard the first time
// it changes it. An Edit is not safe for concurrent use.
type Edit[K comparable, V any] struct {
	m     Map[K, V]
	owned [shardCount]bool
	hint  int // size of a shard made from nothing
}

// own returns the shard of k, copied first if the edit does not own it
// yet.
func (e *Edit[K, V]) own(k K) map[K]V {
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

// Get returns the value of k in the Map being made, and whether there is
// one.
func (e *Edit[K, V]) Get(k K) (V, bool) { return e.m.Get(k) }

// Set sets the value of k in the Map being made.
func (e *Edit[K, V]) Set(k K, v V) { e.own(k)[k] = v }

// Delete removes k from the Map being made. Deleting a key that is not
// there copies nothing.
func (e *Edit[K, V]) Delete(k K) {
	if _, ok := e.m.Get(k); ok {
		delete(e.own(k), k)
	}
}

// Done returns the new Map. The Edit must not be used after.
func (e *Edit[K, V]) Done() Map[K, V] { return e.m }
