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
// is immutable once built (the gzip variant is made the first time a
// client asks for it), so cached reps are shared between requests.
type rep struct {
	contentType  string
	body         []byte
	etag         string
	lang         string // Content-Language; "" for none
	lastModified string // HTTP date; "" for none
	link         string // Link header; "" for none
	cache        string // Cache-Control overriding the configured one

	once sync.Once
	hdr  *repHeaders

	gzOnce sync.Once
	gz     *gzipped // nil until gzipped is called
}

// gzipped is a rep's gzip variant and its header values.
type gzipped struct {
	body        []byte
	etag        string
	etagValue   []string
	lengthValue []string
}

var gzipPool = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// newRep builds the representation of body, hashing it.
func newRep(contentType string, body []byte) *rep {
	return &rep{contentType: contentType, body: body, etag: etagOf(body)}
}

// compressible reports whether r has a gzip variant: a body over gzipMin
// bytes.
func (r *rep) compressible() bool { return len(r.body) > gzipMin }

// gzipped returns r's gzip variant, compressing the body the first time;
// nil when r is not compressible. An answer no client asks for in gzip
// (most of those a scanner's junk makes) is never compressed.
func (r *rep) gzipped() *gzipped {
	if !r.compressible() {
		return nil
	}
	r.gzOnce.Do(func() {
		var buf bytes.Buffer
		zw := gzipPool.Get().(*gzip.Writer)
		zw.Reset(&buf)
		zw.Write(r.body) // writes to a bytes.Buffer cannot fail
		zw.Close()
		gzipPool.Put(zw)
		etag := etagOf(buf.Bytes())
		r.gz = &gzipped{body: buf.Bytes(), etag: etag, etagValue: []string{etag}, lengthValue: []string{strconv.Itoa(buf.Len())}}
	})
	return r.gz
}

// etags returns the ETags r is sent with: the identity one and, when r is
// compressible, the gzip one.
func (r *rep) etags() []string {
	if gz := r.gzipped(); gz != nil {
		return []string{r.etag, gz.etag}
	}
	return []string{r.etag}
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

// first returns the first value of key in h, which must be in canonical
// form: net/http canonicalizes the keys of requests it reads, so the hot
// path looks them up directly instead of canonicalizing again, as
// Header.Get does.
func first(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header["Accept-Encoding"] {
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
	for _, v := range r.Header["If-None-Match"] {
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
	hv := r.headerValues(vary)
	h := c.Writer.Header()
	body, etag, length := r.body, hv.etag, hv.length
	if r.compressible() && acceptsGzip(c.Request) {
		gz := r.gzipped()
		body, etag, length = gz.body, gz.etagValue, gz.lengthValue
		h["Content-Encoding"] = gzipValue
	}
	if hv.vary != nil {
		if old := h["Vary"]; len(old) > 0 {
			h["Vary"] = append(old, hv.vary...)
		} else {
			h["Vary"] = hv.vary
		}
	}
	h["Etag"] = etag
	switch {
	case hv.cache != nil:
		h["Cache-Control"] = hv.cache
	case first(c.Request.Header, "Authorization") != "":
		h["Cache-Control"] = privateValue
	default:
		h["Cache-Control"] = s.cacheValue
	}
	if hv.lang != nil {
		h["Content-Language"] = hv.lang
	}
	if hv.lastModified != nil {
		h["Last-Modified"] = hv.lastModified
	}
	if hv.link != nil {
		h["Link"] = hv.link
	}
	if noneMatch(c.Request, etag[0]) {
		delete(h, "Content-Encoding")
		c.Writer.WriteHeader(http.StatusNotModified)
		c.Writer.WriteHeaderNow()
		return
	}
	h["Content-Type"] = hv.contentType
	h["Content-Length"] = length
	c.Writer.WriteHeader(http.StatusOK)
	if c.Request.Method != http.MethodHead {
		c.Writer.Write(body)
	} else {
		c.Writer.WriteHeaderNow()
	}
}

// Header values shared by every response; net/http never modifies them.
var (
	gzipValue    = []string{"gzip"}
	privateValue = []string{"private, no-store"}
)

// repHeaders are a rep's header values, built once and shared by every
// response that sends it, so a cached response allocates no header slices.
type repHeaders struct {
	etag, length                          []string
	vary, cache, lang, lastModified, link []string
	contentType                           []string
}

// headerValues returns r's header values; vary is the same on every call
// for one rep (it belongs to the route that built it).
func (r *rep) headerValues(vary string) *repHeaders {
	r.once.Do(func() {
		one := func(s string) []string {
			if s == "" {
				return nil
			}
			return []string{s}
		}
		if r.compressible() {
			vary = joinVary(vary, "Accept-Encoding")
		}
		r.hdr = &repHeaders{
			etag: one(r.etag), length: one(strconv.Itoa(len(r.body))),
			vary: one(vary), cache: one(r.cache), lang: one(r.lang),
			lastModified: one(r.lastModified), link: one(r.link), contentType: one(r.contentType),
		}
	})
	return r.hdr
}

func joinVary(a, b string) string {
	if a == "" {
		return b
	}
	return a + ", " + b
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
	if negotiatedRoutes[c.FullPath()] {
		// The status or body depended on negotiation: a shared cache must
		// keep this answer apart per language.
		h.Add("Vary", "Accept-Language")
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
