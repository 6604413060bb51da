package article

import (
	"runtime"
	"sync"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/amal-kommun/tolk/internal/pmap"
)

// titleKeys holds the collation key of the title of each version of a
// Library, in the version's own language.
type titleKeys struct {
	keys pmap.Map[*Version, []byte]
}

// titles returns the collation keys of the titles, making them on the
// first call.
func (l *Library) titles() *titleKeys {
	l.titleOnce.Do(func() {
		if l.title.Load() == nil {
			l.title.Store(l.collateTitles())
		}
	})
	return l.title.Load()
}

// collateTitles makes the collation key of every version's title in its
// own language. It splits the work over the processors, as the first sort
// by title waits for it.
func (l *Library) collateTitles() *titleKeys {
	vs := l.versions
	type part struct {
		keys  []byte
		spans []span // of the part's versions, in order
	}
	parts := make([]part, min(runtime.GOMAXPROCS(0), len(vs)/1000+1))
	bound := func(p int) int { return p * len(vs) / len(parts) }
	var wg sync.WaitGroup
	for p := range parts {
		wg.Go(func() { parts[p].keys, parts[p].spans = titleKeysOf(vs[bound(p):bound(p+1)]) })
	}
	wg.Wait()
	keys := pmap.NewEdit[*Version, []byte](len(vs))
	for i, p := range parts {
		for j, k := range p.spans {
			keys.Set(vs[bound(i)+j], p.keys[k.off:k.off+k.n:k.off+k.n])
		}
	}
	return &titleKeys{keys: keys.Done()}
}

// titleKeysOf returns the collation keys of the titles of vs, one after
// the other, and where each one is.
func titleKeysOf(vs []*Version) ([]byte, []span) {
	size := 0
	for _, v := range vs {
		size += len(v.Title)
	}
	keys := make([]byte, 0, 5*size) // about what Swedish and Chinese titles take
	spans := make([]span, len(vs))
	collators := make(map[string]*collate.Collator)
	buf := new(collate.Buffer)
	for i, v := range vs {
		c := collators[v.Lang]
		if c == nil {
			c = collate.New(language.Make(v.Lang), collate.IgnoreCase)
			collators[v.Lang] = c
		}
		k := c.KeyFromString(buf, v.Title)
		spans[i] = span{uint32(len(keys)), uint32(len(k))}
		keys = append(keys, k...)
		buf.Reset()
	}
	return keys, spans
}

// update returns the keys of a Library that has the versions of t but
// those in gone, and those in added.
func (t *titleKeys) update(gone, added []*Version) *titleKeys {
	e := t.keys.Edit()
	for _, v := range gone {
		e.Delete(v)
	}
	keys, spans := titleKeysOf(added)
	for i, v := range added {
		k := spans[i]
		e.Set(v, keys[k.off:k.off+k.n:k.off+k.n])
	}
	return &titleKeys{keys: e.Done()}
}

// key returns the collation key of v's title, empty for a version not in
// the Library.
func (t *titleKeys) key(v *Version) []byte {
	k, _ := t.keys.Get(v)
	return k
}
