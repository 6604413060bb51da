package httpapi

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// params is a request's query string, decoded strictly: a known parameter
// that is empty, repeated or undecodable is a 400 naming it, and unknown
// parameters are ignored.
type params struct {
	kvs []kv
}

type kv struct {
	key, val string
	bad      bool // the value did not decode
}

// maxParams bounds the work a hostile query string can cause.
const maxParams = 64

func parseParams(raw string) params {
	var p params
	for raw != "" && len(p.kvs) < maxParams {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := unescape(k)
		if err != nil || !utf8.ValidString(key) {
			continue // an undecodable name cannot be a known parameter
		}
		val, err := unescape(v)
		bad := err != nil || !utf8.ValidString(val) || strings.IndexByte(val, 0) >= 0
		p.kvs = append(p.kvs, kv{key: key, val: val, bad: bad})
	}
	return p
}

// unescape decodes a query component, skipping the work when there is
// nothing to decode.
func unescape(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, nil
	}
	return url.QueryUnescape(s)
}

// values returns the values of name and whether any failed to decode.
func (p params) values(name string) (vals []string, bad bool) {
	for _, e := range p.kvs {
		if e.key == name {
			bad = bad || e.bad
			vals = append(vals, e.val)
		}
	}
	return vals, bad
}

// one returns the single value of name; ok is false when it is absent.
func (p params) one(name string) (v string, ok bool, err error) {
	n := 0
	for _, e := range p.kvs {
		if e.key != name {
			continue
		}
		if e.bad {
			return "", false, badParam(name, "%s is not valid percent-encoded UTF-8", name)
		}
		n++
		v = e.val
	}
	switch {
	case n == 0:
		return "", false, nil
	case n > 1:
		return "", false, badParam(name, "%s is given %d times; give it once", name, n)
	case v == "":
		return "", false, badParam(name, "%s is empty", name)
	}
	return v, true, nil
}

// list returns every value of a repeatable parameter, each non-empty.
func (p params) list(name string) ([]string, error) {
	vals, bad := p.values(name)
	if bad {
		return nil, badParam(name, "%s is not valid percent-encoded UTF-8", name)
	}
	for _, v := range vals {
		if v == "" {
			return nil, badParam(name, "%s is empty", name)
		}
	}
	return vals, nil
}

// integer returns the integer value of name in [lo, hi], or def when absent.
func (p params) integer(name string, def, lo, hi int) (int, error) {
	v, ok, err := p.one(name)
	if err != nil || !ok {
		return def, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		if hi == maxInt {
			return 0, badParam(name, "%s must be an integer of at least %d", name, lo)
		}
		return 0, badParam(name, "%s must be between %d and %d", name, lo, hi)
	}
	return n, nil
}

const maxInt = int(^uint(0) >> 1)

// paging reads page and per_page, enforcing page × per_page ≤ 10,000.
func (p params) paging(defPer, maxPer int) (page, perPage int, err error) {
	if page, err = p.integer("page", 1, 1, maxInt); err != nil {
		return 0, 0, err
	}
	if perPage, err = p.integer("per_page", defPer, 1, maxPer); err != nil {
		return 0, 0, err
	}
	if page > maxDepth/perPage {
		return 0, 0, badParam("page", "page × per_page must not exceed %d; use the change feed to enumerate everything", maxDepth)
	}
	return page, perPage, nil
}

// maxDepth is how deep lists and searches may be paged.
const maxDepth = 10_000
