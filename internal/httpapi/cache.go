package httpapi

import (
	"container/list"
	"sync"

	"github.com/amal-kommun/tolk/internal/article"
)

// defaultAnswerCacheBytes is the byte bound of the answer cache when
// Options.AnswerCacheBytes is 0.
const defaultAnswerCacheBytes = 16 << 20

// entryOverhead approximates what one cached answer costs besides its key
// and bodies: the rep, its headers, the list element and the map entry.
const entryOverhead = 512

// answerCache is a least-recently-used cache of answers to requests whose
// parameters come from the client (lists, searches, suggestions, feeds,
// the demo page), bounded by the bytes it holds rather than by entries.
// Keys are built from the normalized parameters an answer depends on and
// the content generation it was built from, so junk parameters map to the
// answer without them and a new generation never serves an old answer.
type answerCache struct {
	max int64

	mu   sync.Mutex
	size int64
	ll   *list.List // front: most recently used; values are *cached
	m    map[cacheKey]*list.Element
}

// cacheKey identifies an answer: its generation and normalized key.
type cacheKey struct {
	gen uint64
	key string
}

type cached struct {
	k    cacheKey
	r    *rep
	size int64
}

func newAnswerCache(max int64) *answerCache {
	if max <= 0 {
		max = defaultAnswerCacheBytes
	}
	return &answerCache{max: max, ll: list.New(), m: make(map[cacheKey]*list.Element)}
}

// costOf is what caching r under key counts against the bound. A gzip
// variant, made when a client first asks for one, is counted as the
// body's size (it is never larger by more than a few bytes), so that the
// bound holds whether or not it is made.
func costOf(key string, r *rep) int64 {
	n := len(key) + len(r.body) + len(r.link) + len(r.lang) + len(r.lastModified)
	if r.compressible() {
		n += len(r.body)
	}
	return int64(n) + entryOverhead
}

// get returns the answer cached under (gen, key). The key "" is never
// cached.
func (c *answerCache) get(gen uint64, key string) (*rep, bool) {
	if key == "" {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[cacheKey{gen, key}]
	if !ok {
		return nil, false
	}
	c.ll.MoveToFront(e)
	return e.Value.(*cached).r, true
}

// put caches r under (gen, key), evicting the least recently used answers
// until the bound holds, and returns the rep to send (an earlier one when
// another request cached it first). An answer larger than an eighth of
// the bound is not cached.
func (c *answerCache) put(gen uint64, key string, r *rep) *rep {
	size := costOf(key, r)
	if key == "" || size > c.max/8 {
		return r
	}
	k := cacheKey{gen, key}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		c.ll.MoveToFront(e)
		return e.Value.(*cached).r
	}
	c.m[k] = c.ll.PushFront(&cached{k: k, r: r, size: size})
	c.size += size
	for c.size > c.max {
		c.removeLocked(c.ll.Back())
	}
	return r
}

// dropBefore removes every answer of a generation older than gen, so a new
// generation frees the old one's answers at once.
func (c *answerCache) dropBefore(gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for e := c.ll.Front(); e != nil; {
		next := e.Next()
		if e.Value.(*cached).k.gen < gen {
			c.removeLocked(e)
		}
		e = next
	}
}

func (c *answerCache) removeLocked(e *list.Element) {
	v := c.ll.Remove(e).(*cached)
	delete(c.m, v.k)
	c.size -= v.size
}

// bytes returns what the cache holds, as counted against its bound.
func (c *answerCache) bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}

// len returns the number of cached answers.
func (c *answerCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// cacheable returns key, or "" (never cached) when tags names a tag the
// site does not define: such an answer matches nothing and is cheap to
// make, and its body repeats the client's text, so caching it would let
// every unknown tag take a share of the cache.
func cacheable(key string, site *article.Site, tags []string) string {
	for _, t := range tags {
		if _, ok := site.Tags[t]; !ok {
			return ""
		}
	}
	return key
}
