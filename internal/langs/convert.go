package langs

import (
	"container/list"
	"fmt"
	"strings"
	"sync"

	"github.com/longbridgeapp/opencc"
	"golang.org/x/net/html"
)

// CacheBytes bounds the memory of a Converter's cache of results: the sum of
// the lengths of cached inputs and outputs.
const CacheBytes = 32 << 20

// Converter converts Simplified Chinese to Traditional Chinese with
// OpenCC. It is safe for concurrent use and caches its results in a
// least-recently-used cache of at most CacheBytes, so converting the same
// text again costs a map lookup.
//
// Each variant's dictionaries load on its first conversion (about 0.1 s and
// 10 MB each), so a server whose readers never ask for Traditional Chinese
// spends neither.
type Converter struct {
	// The OpenCC converters only read their dictionaries once loaded, so
	// they are safe to share.
	tw, hk func() (*opencc.OpenCC, error)
	// The phrase corrections of each variant, applied before OpenCC.
	twFix, hkFix *phrases

	mu    sync.Mutex
	cache map[cacheKey]*list.Element
	lru   list.List // of *cacheEntry, most recent first
	size  int       // bytes held, at most limit
	limit int
}

// kind separates cached results of different operations on the same input.
type kind uint8

const (
	kindText kind = iota
	kindHTML
)

type cacheKey struct {
	v    Variant
	kind kind
	in   string
}

type cacheEntry struct {
	key cacheKey
	out string
}

// NewConverter returns a Converter that loads the OpenCC dictionaries of
// s2twp (Taiwan) and s2hk (Hong Kong) on first use, and applies the phrase
// corrections (Corrections) before them.
func NewConverter() *Converter {
	load := func(name string) func() (*opencc.OpenCC, error) {
		return sync.OnceValues(func() (*opencc.OpenCC, error) {
			cc, err := opencc.New(name)
			if err != nil {
				return nil, fmt.Errorf("load OpenCC %s: %w", name, err)
			}
			return cc, nil
		})
	}
	c := &Converter{tw: load("s2twp"), hk: load("s2hk"), cache: make(map[cacheKey]*list.Element), limit: CacheBytes}
	// The table is embedded and TestCorrections parses it, so an error
	// here is a broken build; OpenCC alone converts then.
	if cs, err := loadCorrections(); err == nil {
		c.twFix, c.hkFix = newPhrases(cs, Taiwan), newPhrases(cs, HongKong)
	}
	return c
}

// Text returns s converted to Traditional Chinese in variant v. It returns
// s unchanged for None and for text without non-ASCII characters.
func (c *Converter) Text(v Variant, s string) string {
	cc := c.opencc(v)
	if cc == nil || isASCII(s) {
		return s
	}
	k := cacheKey{v, kindText, s}
	if out, ok := c.get(k); ok {
		return out
	}
	out := c.fix(v).convert(cc, s)
	c.put(k, out)
	return out
}

// HTML returns the HTML fragment with the text of its text nodes converted to
// Traditional Chinese in variant v. Markup, comments, attribute values and
// the contents of script and style elements are copied byte for byte, and so
// are character references, so the output is well-formed wherever the input
// is. A phrase is never converted across a tag, so a <mark> boundary stays
// where it was.
func (c *Converter) HTML(v Variant, fragment string) string {
	cc := c.opencc(v)
	if cc == nil || isASCII(fragment) {
		return fragment
	}
	k := cacheKey{v, kindHTML, fragment}
	if out, ok := c.get(k); ok {
		return out
	}
	fix := c.fix(v)
	out := convertHTML(fragment, func(s string) string { return fix.convert(cc, s) })
	c.put(k, out)
	return out
}

func (c *Converter) opencc(v Variant) *opencc.OpenCC {
	var cc *opencc.OpenCC
	switch v {
	case Taiwan:
		cc, _ = c.tw()
	case HongKong:
		cc, _ = c.hk()
	}
	return cc
}

func (c *Converter) fix(v Variant) *phrases {
	if v == HongKong {
		return c.hkFix
	}
	return c.twFix
}

func (c *Converter) get(k cacheKey) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.cache[k]
	if !ok {
		return "", false
	}
	c.lru.MoveToFront(e)
	return e.Value.(*cacheEntry).out, true
}

func (c *Converter) put(k cacheKey, out string) {
	n := len(k.in) + len(out)
	if n > c.limit/4 {
		return // one huge input must not empty the cache
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cache[k]; ok {
		return // converted concurrently by another request
	}
	c.cache[k] = c.lru.PushFront(&cacheEntry{key: k, out: out})
	c.size += n
	for c.size > c.limit {
		last := c.lru.Back()
		e := last.Value.(*cacheEntry)
		c.lru.Remove(last)
		delete(c.cache, e.key)
		c.size -= len(e.key.in) + len(e.out)
	}
}

// convert runs OpenCC on s. OpenCC fails only when a dictionary is missing,
// which NewConverter has ruled out, so an error leaves s as it is.
func convert(cc *opencc.OpenCC, s string) string {
	out, err := cc.Convert(s)
	if err != nil {
		return s
	}
	return out
}

// convertHTML rewrites the text nodes of fragment with conv. Everything
// else, and every character reference inside text, is copied unchanged.
func convertHTML(fragment string, conv func(string) string) string {
	var b strings.Builder
	b.Grow(len(fragment) + len(fragment)/8)
	z := html.NewTokenizer(strings.NewReader(fragment))
	raw := false // inside script or style
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			// io.EOF (a strings.Reader gives no other error). Raw holds
			// what the tokenizer could not finish, such as "<a" at the end.
			b.Write(z.Raw())
			return b.String()
		case html.TextToken:
			if raw {
				b.Write(z.Raw())
			} else {
				convertText(&b, string(z.Raw()), conv)
			}
		case html.StartTagToken:
			b.Write(z.Raw())
			name, _ := z.TagName()
			raw = string(name) == "script" || string(name) == "style"
		case html.EndTagToken:
			b.Write(z.Raw())
			raw = false
		default:
			b.Write(z.Raw())
		}
	}
}

// convertText writes the raw text of a text node with conv applied to the
// runs between character references.
func convertText(b *strings.Builder, raw string, conv func(string) string) {
	for raw != "" {
		i := strings.IndexByte(raw, '&')
		if i < 0 {
			b.WriteString(convertRun(raw, conv))
			return
		}
		b.WriteString(convertRun(raw[:i], conv))
		raw = raw[i:]
		j := 1
		for j < len(raw) && isRefByte(raw[j]) {
			j++
		}
		if j < len(raw) && raw[j] == ';' {
			j++
		}
		b.WriteString(raw[:j])
		raw = raw[j:]
	}
}

func convertRun(s string, conv func(string) string) string {
	if isASCII(s) {
		return s
	}
	return conv(s)
}

func isRefByte(c byte) bool {
	return c == '#' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
