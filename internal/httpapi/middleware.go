package httpapi

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// recoverPanics answers a panicking handler with a 500 problem and logs the
// panic with its stack; the stack never reaches the client.
func (s *Server) recoverPanics(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.ErrorContext(c.Request.Context(), "panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()),
				"route", c.FullPath(), "request_id", c.Writer.Header().Get("X-Request-ID"))
			if !c.Writer.Written() {
				s.writeProblem(c, problem(http.StatusInternalServerError, "internal", "an internal error occurred; it has been logged"))
			}
			c.Abort()
		}
	}()
	c.Next()
}

// requestID honours a sane X-Request-ID or generates one, and echoes it.
// Generated ids are a random per-process prefix and a counter: unique,
// unguessable enough for correlation, and cheap.
func (s *Server) requestID(c *gin.Context) {
	var v []string
	if id := first(c.Request.Header, "X-Request-Id"); saneID(id) {
		v = []string{id}
	} else {
		v = s.newID()
	}
	c.Writer.Header()["X-Request-Id"] = v
	c.Next()
}

// idBlockLen is how many request ids are generated at once.
const idBlockLen = 64

// idBlock is a run of generated request ids, made with two allocations
// (the ids' bytes and their header values) and handed out one per request,
// so that a request whose client sends no id allocates none for it.
type idBlock struct {
	vals []string
	next int
}

// newID returns a generated request id as a header value of its own
// (capacity one, so no append reaches a neighbour).
func (s *Server) newID() []string {
	b, _ := s.ids.Get().(*idBlock)
	if b == nil || b.next == len(b.vals) {
		b = s.makeIDs()
	}
	v := b.vals[b.next : b.next+1 : b.next+1]
	b.next++
	s.ids.Put(b)
	return v
}

// makeIDs returns a block of the next idBlockLen ids.
func (s *Server) makeIDs() *idBlock {
	first := s.idSeq.Add(idBlockLen) - idBlockLen + 1
	buf := make([]byte, 0, idBlockLen*(len(s.idPrefix)+6))
	var ends [idBlockLen]int
	for i := range ends {
		buf = append(buf, s.idPrefix...)
		buf = strconv.AppendUint(buf, first+uint64(i), 36)
		ends[i] = len(buf)
	}
	all := string(buf)
	b := &idBlock{vals: make([]string, idBlockLen)}
	start := 0
	for i, end := range ends {
		b.vals[i] = all[start:end]
		start = end
	}
	return b
}

// saneID reports whether a client's request id is safe to echo and log:
// 1 to 128 characters of letters, digits and -_.:
func saneID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.' || b == ':') {
			return false
		}
	}
	return true
}

// observe logs one line per request and records its metrics. Raw query text
// is never logged; only its length.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	d := time.Since(start)
	s.metrics.observe(route, c.Request.Method, status, d)
	lang := first(c.Writer.Header(), "Content-Language")
	if lang != "" {
		s.metrics.lang(lang)
	}
	level := levelOf(status)
	if c.Request.Context().Err() != nil {
		level = slog.LevelInfo // the client went away; nothing is wrong here
	}
	if s.log.Enabled(c.Request.Context(), level) {
		s.log.LogAttrs(c.Request.Context(), level, "request",
			slog.String("method", truncate(c.Request.Method, 16)), slog.String("route", route), slog.Int("status", status),
			slog.Duration("duration", d), slog.String("lang", lang), slog.Int("query_len", len(c.Request.URL.RawQuery)),
			slog.String("request_id", first(c.Writer.Header(), "X-Request-Id")))
	}
}

// Shared CORS header values.
var (
	anyOrigin = []string{"*"}
	exposed   = []string{"ETag, Link, Content-Language, X-Request-ID, Retry-After"}
)

// readMethods are the methods CORS allows.
const readMethods = "GET, HEAD, OPTIONS"

// cors adds CORS headers to reads from allowed origins and answers
// preflights of read routes. Write routes get no CORS headers: browsers
// then refuse cross-origin writes.
func (s *Server) cors(c *gin.Context) {
	origin := first(c.Request.Header, "Origin")
	h := c.Writer.Header()
	m := c.Request.Method
	allow := s.allow[c.FullPath()]
	if m == http.MethodOptions && allow == "" {
		c.Next() // not a route: the 404 (or a 405) answers
		return
	}
	if allow != "" && allow != readMethods {
		// A write route: no CORS at all, so browsers refuse cross-origin
		// writes; OPTIONS only says what the route allows.
		if m == http.MethodOptions {
			h.Set("Allow", allow)
			h.Set("Cache-Control", "no-store")
			c.Writer.WriteHeader(http.StatusNoContent)
			c.Writer.WriteHeaderNow()
			c.Abort()
			return
		}
		c.Next()
		return
	}
	read := m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
	any := slices.Contains(s.opts.CORSOrigins, "*")
	if !any {
		h.Add("Vary", "Origin")
	}
	// With "*", every read carries the header, Origin or not, so a cached
	// same-origin answer serves cross-origin pages too.
	switch {
	case !read:
	case any:
		h["Access-Control-Allow-Origin"] = anyOrigin
		if origin != "" { // only a CORS request reads the exposed headers
			h["Access-Control-Expose-Headers"] = exposed
		}
	case origin != "" && slices.Contains(s.opts.CORSOrigins, origin):
		h.Set("Access-Control-Allow-Origin", origin)
		h["Access-Control-Expose-Headers"] = exposed
	}
	if m == http.MethodOptions {
		reqMethod := strings.ToUpper(c.Request.Header.Get("Access-Control-Request-Method"))
		if h.Get("Access-Control-Allow-Origin") != "" && (reqMethod == "GET" || reqMethod == "HEAD") {
			h.Set("Access-Control-Allow-Methods", readMethods)
			if rh := c.Request.Header.Get("Access-Control-Request-Headers"); rh != "" {
				h.Set("Access-Control-Allow-Headers", sanitizeHeaderList(rh))
			}
			h.Set("Access-Control-Max-Age", "86400")
			h.Add("Vary", "Access-Control-Request-Method, Access-Control-Request-Headers")
		} else {
			h.Del("Access-Control-Allow-Origin")
			h.Del("Access-Control-Expose-Headers")
		}
		h.Set("Allow", readMethods)
		h.Set("Cache-Control", "no-store")
		c.Writer.WriteHeader(http.StatusNoContent)
		c.Writer.WriteHeaderNow()
		c.Abort()
		return
	}
	c.Next()
}

// sanitizeHeaderList keeps only header-name characters of a preflight's
// Access-Control-Request-Headers before echoing it.
func sanitizeHeaderList(s string) string {
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f != "" && len(f) <= 64 && strings.IndexFunc(f, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-')
		}) < 0 {
			out = append(out, f)
		}
		if len(out) == 16 {
			break
		}
	}
	return strings.Join(out, ", ")
}

// levelOf logs server errors at Error, refusals for load or start-up
// (503) at Warn, and everything else at Info.
func levelOf(status int) slog.Level {
	switch {
	case status == 503:
		return slog.LevelWarn
	case status >= 500:
		return slog.LevelError
	}
	return slog.LevelInfo
}
