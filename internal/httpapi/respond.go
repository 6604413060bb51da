package httpapi

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
)

// gzipMin is the smallest body worth compressing.
const gzipMin = 1024

// rep is one serialized representation: its bytes, its strong ETag and, when
// the body is large enough, its gzip variant with an ETag of its own. A rep
// is immutable once built, so cached reps are shared between requests.
type rep struct {
	contentType  string
	body         []byte
	etag         string
	gz           []byte
	gzETag       string
	lang         string // Content-Language; "" for none
	lastModified string // HTTP date; "" for none
	link         string // Link header; "" for none
	cache        string // Cache-Control overriding the configured one
}

var gzipPool = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// newRep builds the representation of body, hashing it and compressing it
// when it is over gzipMin bytes.
func newRep(contentType string, body []byte) *rep {
	r := &rep{contentType: contentType, body: body, etag: etagOf(body)}
	if len(body) > gzipMin {
		var buf bytes.Buffer
		zw := gzipPool.Get().(*gzip.Writer)
		zw.Reset(&buf)
		zw.Write(body) // writes to a bytes.Buffer cannot fail
		zw.Close()
		gzipPool.Put(zw)
		r.gz = buf.Bytes()
		r.gzETag = etagOf(r.gz)
	}
	return r
}

// jsonRep marshals v without HTML escaping, so that snippets keep their
// literal <mark> and text stays readable.
func jsonRep(v any) (*rep, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return newRep("application/json; charset=utf-8", buf.Bytes()), nil
}

func etagOf(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for part := range strings.SplitSeq(v, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			name = strings.TrimSpace(name)
			if !strings.EqualFold(name, "gzip") && name != "*" && !strings.EqualFold(name, "x-gzip") {
				continue
			}
			if q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); ok {
				if f, err := strconv.ParseFloat(q, 64); err == nil && f == 0 {
					continue
				}
			}
			return true
		}
	}
	return false
}

// noneMatch reports whether If-None-Match names etag (weak comparison, as
// RFC 9110 asks for If-None-Match).
func noneMatch(r *http.Request, etag string) bool {
	for _, v := range r.Header.Values("If-None-Match") {
		for part := range strings.SplitSeq(v, ",") {
			part = strings.TrimSpace(part)
			if part == "*" || strings.TrimPrefix(part, "W/") == etag {
				return true
			}
		}
	}
	return false
}

// send writes a successful representation with its caching headers,
// answering 304 when the client already has it. vary lists the request
// headers besides Accept-Encoding that chose the representation.
func (s *Server) send(c *gin.Context, r *rep, vary string) {
	h := c.Writer.Header()
	body, etag := r.body, r.etag
	if r.gz != nil {
		vary = joinVary(vary, "Accept-Encoding")
		if acceptsGzip(c.Request) {
			body, etag = r.gz, r.gzETag
			h["Content-Encoding"] = []string{"gzip"}
		}
	}
	if vary != "" {
		h["Vary"] = append(h["Vary"], vary)
	}
	h["Etag"] = []string{etag}
	if r.cache != "" {
		h["Cache-Control"] = []string{r.cache}
	} else {
		h["Cache-Control"] = []string{s.cacheControl(c.Request)}
	}
	if r.lang != "" {
		h["Content-Language"] = []string{r.lang}
	}
	if r.lastModified != "" {
		h["Last-Modified"] = []string{r.lastModified}
	}
	if r.link != "" {
		h["Link"] = []string{r.link}
	}
	if noneMatch(c.Request, etag) {
		delete(h, "Content-Encoding")
		c.Writer.WriteHeader(http.StatusNotModified)
		c.Writer.WriteHeaderNow()
		return
	}
	h["Content-Type"] = []string{r.contentType}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	c.Writer.WriteHeader(http.StatusOK)
	if c.Request.Method != http.MethodHead {
		c.Writer.Write(body)
	} else {
		c.Writer.WriteHeaderNow()
	}
}

func joinVary(a, b string) string {
	if a == "" {
		return b
	}
	return a + ", " + b
}

// cacheControl is the Cache-Control of a successful read: private for a
// request that carries credentials, the configured value otherwise.
func (s *Server) cacheControl(r *http.Request) string {
	if r.Header.Get("Authorization") != "" {
		return "private, no-store"
	}
	return s.opts.CacheControl
}

// writeProblem writes p as application/problem+json.
func (s *Server) writeProblem(c *gin.Context, p *Problem) {
	h := c.Writer.Header()
	// A problem replaces whatever a handler had prepared.
	for _, k := range []string{"Etag", "Last-Modified", "Link", "Content-Encoding", "Content-Language"} {
		delete(h, k)
	}
	switch {
	case c.Request.Header.Get("Authorization") != "":
		h.Set("Cache-Control", "private, no-store")
	case p.Status == http.StatusNotFound:
		h.Set("Cache-Control", "public, max-age=30")
	default:
		h.Set("Cache-Control", "no-store")
	}
	if p.retryAfter != "" {
		h.Set("Retry-After", p.retryAfter)
	}
	if p.allow != "" {
		h.Set("Allow", p.allow)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(p) // a Problem always encodes
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	c.Writer.WriteHeader(p.Status)
	if c.Request.Method != http.MethodHead {
		c.Writer.Write(buf.Bytes())
	} else {
		c.Writer.WriteHeaderNow()
	}
}
