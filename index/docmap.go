package index

import (
	"hash/maphash"
	"iter"
	"maps"

	"github.com/amal-kommun/tolk/internal/article"
)

// docShards is the number of shards of a docMap: a write copies the one
// shard it touches, about 1/docShards of the documents (230 of 30,000),
// instead of all of them.
const docShards = 128

// docMap is the indexed versions by document id, persistent: a shard is
// never changed once a snapshot shares it, so searches of an older
// snapshot read its documents while a write makes the next one. (Like
// article's pmap.)
type docMap struct {
	seed   maphash.Seed
	shards *[docShards]map[string]*article.Version
	n      int
}

// newDocMap returns a docMap holding docs.
func newDocMap(docs map[string]*article.Version) docMap {
	m := docMap{seed: maphash.MakeSeed(), shards: new([docShards]map[string]*article.Version), n: len(docs)}
	for id, v := range docs {
		sh := m.shard(id)
		if m.shards[sh] == nil {
			m.shards[sh] = make(map[string]*article.Version, len(docs)/docShards+1)
		}
		m.shards[sh][id] = v
	}
	return m
}

func (m docMap) shard(id string) int { return int(maphash.String(m.seed, id) % docShards) }

// get returns the version of document id, or nil.
func (m docMap) get(id string) *article.Version {
	if m.shards == nil {
		return nil
	}
	return m.shards[m.shard(id)][id]
}

// len returns the number of documents.
func (m docMap) len() int { return m.n }

// all yields every document id and version, in no order.
func (m docMap) all() iter.Seq2[string, *article.Version] {
	return func(yield func(string, *article.Version) bool) {
		if m.shards == nil {
			return
		}
		for _, sh := range m.shards {
			for id, v := range sh {
				if !yield(id, v) {
					return
				}
			}
		}
	}
}

// plain returns the documents as a new map, for a rebuild.
func (m docMap) plain() map[string]*article.Version {
	out := make(map[string]*article.Version, m.n+1)
	for id, v := range m.all() {
		out[id] = v
	}
	return out
}

// with returns m with document id set to v, or removed when v is nil; m
// itself is unchanged.
func (m docMap) with(id string, v *article.Version) docMap {
	if m.shards == nil {
		m = newDocMap(nil)
	}
	shards := *m.shards
	n := docMap{seed: m.seed, shards: &shards, n: m.n}
	i := m.shard(id)
	_, had := shards[i][id]
	if v == nil && !had {
		return m
	}
	sh := maps.Clone(shards[i])
	if sh == nil {
		sh = make(map[string]*article.Version)
	}
	if v == nil {
		delete(sh, id)
		n.n--
	} else {
		sh[id] = v
		if !had {
			n.n++
		}
	}
	shards[i] = sh
	return n
}
