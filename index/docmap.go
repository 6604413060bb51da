package index

import (
	"iter"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/pmap"
)

// docMap is the indexed versions by document id, a pmap.Map so that a
// write copies only the shard it touches (about 1/128 of the documents)
// and searches of an older snapshot keep reading its documents while a
// write makes the next one. The zero docMap is empty.
type docMap struct {
	m pmap.Map[string, *article.Version]
}

// newDocMap returns a docMap holding docs.
func newDocMap(docs map[string]*article.Version) docMap {
	e := pmap.NewEdit[string, *article.Version](len(docs))
	for id, v := range docs {
		e.Set(id, v)
	}
	return docMap{e.Done()}
}

// get returns the version of document id, or nil.
func (d docMap) get(id string) *article.Version {
	v, _ := d.m.Get(id)
	return v
}

// len returns the number of documents.
func (d docMap) len() int { return d.m.Len() }

// all yields every document id and version, in no order.
func (d docMap) all() iter.Seq2[string, *article.Version] { return d.m.All() }

// plain returns the documents as a new map, for a rebuild.
func (d docMap) plain() map[string]*article.Version {
	out := make(map[string]*article.Version, d.len()+1)
	for id, v := range d.all() {
		out[id] = v
	}
	return out
}

// with returns d with document id set to v, or removed when v is nil; d
// itself is unchanged.
func (d docMap) with(id string, v *article.Version) docMap {
	e := d.m.Edit()
	if v == nil {
		e.Delete(id)
	} else {
		e.Set(id, v)
	}
	return docMap{e.Done()}
}
