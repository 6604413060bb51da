// Package cachetest proves Tolk's caching headers through a real shared
// cache: its tests put nginx with proxy_cache in front of a running
// "tolk serve" and check that no cached answer crosses languages, scripts
// or encodings, that private answers are never stored, and that
// revalidation with If-None-Match works through the cache.
//
// The package has no code of its own; it exists so that these tests, which
// need the tolk binary and nginx, run apart from the unit tests.
package cachetest
