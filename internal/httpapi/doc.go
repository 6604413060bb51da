// Package httpapi serves Tolk's HTTP API: the one package that imports Gin.
//
// Every route is in routes.go. Handlers return an error; one function,
// writeError, turns errors into RFC 9457 problem responses, so a handler
// never writes an error body itself and a 500 never carries internal text.
// Successful representations are serialized once, hashed into a strong ETag
// and cached, so a cached article request does not marshal JSON.
//
// # Caches and their bounds
//
// Memory is bounded by construction: nothing a client sends can make a
// cache grow past its bound.
//
//   - Per content generation (snapshot.reps): articles, keyed by id, served
//     language, variant, requested language and fallback (all from fixed
//     sets: the content's ids and the served languages), the languages
//     answer, the sitemap, the demo page without a search and the empty
//     feed a feed for unknown tags is spliced from (one per served
//     language and variant). Bounded by the content, not by requests;
//     dropped with the generation. A whole answer is built once however
//     many requests ask for it at once (whole, server.go).
//   - The answer cache (Server.answers, cache.go): lists, searches,
//     suggestions, Atom feeds of the site's tags, the demo page's
//     server-side searches, the change feed (also keyed by the journal's
//     end) and the coverage list.
//     It is keyed by the generation and the normalized parameters the answer
//     depends on (never the raw query string, so unknown parameters share
//     the answer without them), is a least-recently-used cache bounded in
//     bytes (bodies, gzip bodies, made only when a client asks for gzip but
//     counted as the body's size from the start, keys and a fixed per-entry
//     overhead) by
//     Options.AnswerCacheBytes, 16 MiB by default, caches no answer over an
//     eighth of the bound, and drops an old generation's answers when a new
//     one is served.
//   - The rate limiter (limiter.go): one token bucket per client (an IPv4
//     address or an IPv6 /64), at most 100,000; past that, idle buckets
//     are swept.
//   - The failed-authentication limiter (auth.go): one small record per
//     client, bounded the same way.
//   - Metrics: label values come only from fixed sets (route templates or
//     "unmatched", the registered HTTP methods or "other", statuses the
//     server writes, served languages). The public /metrics keeps its last
//     scrape for a second (one representation), so a flood of scrapes
//     gathers once a second.
//   - Generated request ids: a block of 64 per processor, in a sync.Pool.
package httpapi
