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
	vals map[string][]string
	bad  map[string]bool // keys with a value that did not decode
}

// maxParams bounds the work a hostile query string can cause.
const maxParams = 64

func parseParams(raw string) params {
	p := params{vals: make(map[string][]string)}
	n := 0
	for raw != "" && n < maxParams {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		if kv == "" {
			continue
		}
		n++
		k, v, _ := strings.Cut(kv, "=")
		key, err := url.QueryUnescape(k)
		if err != nil || !utf8.ValidString(key) {
			continue // an undecodable name cannot be a known parameter
		}
		val, err := url.QueryUnescape(v)
		if err != nil || !utf8.ValidString(val) || strings.IndexByte(val, 0) >= 0 {
			if p.bad == nil {
				p.bad = make(map[string]bool)
			}
			p.bad[key] = true
			continue
		}
		p.vals[key] = append(p.vals[key], val)
	}
	return p
}

// has reports whether name was given at all.
func (p params) has(name string) bool { return len(p.vals[name]) > 0 || p.bad[name] }

// one returns the single value of name; ok is false when it is absent.
func (p params) one(name string) (v string, ok bool, err error) {
	if p.bad[name] {
		return "", false, badParam(name, "%s is not valid percent-encoded UTF-8", name)
	}
	vs := p.vals[name]
	switch {
	case len(vs) == 0:
		return "", false, nil
	case len(vs) > 1:
		return "", false, badParam(name, "%s is given %d times; give it once", name, len(vs))
	case vs[0] == "":
		return "", false, badParam(name, "%s is empty", name)
	}
	return vs[0], true, nil
}

// list returns every value of a repeatable parameter, each non-empty.
func (p params) list(name string) ([]string, error) {
	if p.bad[name] {
		return nil, badParam(name, "%s is not valid percent-encoded UTF-8", name)
	}
	for _, v := range p.vals[name] {
		if v == "" {
			return nil, badParam(name, "%s is empty", name)
		}
	}
	return p.vals[name], nil
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
