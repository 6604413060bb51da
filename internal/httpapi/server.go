package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/amal-kommun/tolk/index"
	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/langs"
	"github.com/amal-kommun/tolk/internal/store"
	"github.com/amal-kommun/tolk/internal/widget"
)

// Options configure a Server.
type Options struct {
	// CacheControl is the Cache-Control of successful public reads.
	CacheControl string
	// CORSOrigins are the origins allowed to read; "*" allows any.
	CORSOrigins []string
	// AdminToken enables the write API and preview; "" disables both.
	AdminToken string
	// Logger receives request logs and errors.
	Logger *slog.Logger
	// Registry receives the server's metrics; nil creates a private one.
	Registry *prometheus.Registry
	// MetricsElsewhere removes /metrics from Handler, for a separate
	// listener serving MetricsHandler.
	MetricsElsewhere bool
	// SearchTimeout bounds one search; 0 means 2 seconds.
	SearchTimeout time.Duration
	// ReplicaWait bounds how long a read sending Tolk-Min-Seq waits for
	// the content to reach that position before it is 503
	// replica_behind; 0 means 2 seconds.
	ReplicaWait time.Duration
	// MaxSearches bounds concurrent searches and suggestions; 0 means twice
	// GOMAXPROCS, which keeps a search flood from taking every CPU.
	MaxSearches int
	// RateLimit is search and suggest requests per second per client; 0
	// turns rate limiting off.
	RateLimit float64
	// RateBurst is the burst of the rate limit.
	RateBurst int
	// TrustedProxies are the addresses or CIDRs whose X-Forwarded-For is
	// believed; none by default.
	TrustedProxies []string
	// Version is reported by /healthz.
	Version string
	// Content is what the server serves and where writes go; nil serves
	// nothing (content routes and /readyz answer 503).
	Content Content
	// FrameAncestors are the CSP frame-ancestors sources of the demo page
	// (such as "https://www.example.se"); "" means 'self'.
	FrameAncestors string
	// AnswerCacheBytes bounds, in bytes, the answers cached for requests
	// whose parameters come from the client (lists, searches, suggestions,
	// feeds, the demo page); 0 means 16 MiB.
	AnswerCacheBytes int64
}

// Content is the server's view of the content store (*store.Store): the
// current generation, read with one atomic load for every request, and
// the writes of the write API.
type Content interface {
	// Current returns the generation served now; nil while the content
	// loads.
	Current() *store.Generation
	// ReadOnly reports whether writes are refused for good (the embedded
	// corpus).
	ReadOnly() bool
	// PutIf stores a version, with a precondition run under the store's
	// write lock (see store.Store.PutIf).
	PutIf(ctx context.Context, v *article.Version, check func(cur *article.Version) error) (store.Result, error)
	// DeleteIf removes a version, with a precondition (see
	// store.Store.DeleteIf), and returns the backend's position after it.
	DeleteIf(ctx context.Context, id, lang string, check func(cur *article.Version) error) (store.Position, error)
}

// snapshot is one consistent generation of what the server serves: the
// store's Generation and what the server derives from it once.
type snapshot struct {
	src      *store.Generation
	lib      *article.Library
	ix       *index.Index
	neg      *langs.Negotiator
	problems []article.Problem
	// reps caches the answers whose keys come from a fixed set bounded by
	// the content (articles × served languages, languages, sitemap):
	// repKey or string → *rep. Answers keyed by client input are in
	// Server.answers instead.
	reps sync.Map
	gen  uint64     // src.Seq, for keys of Server.answers
	urls urlPattern // the site's URL pattern, compiled
}

// onceRep is an answer of snapshot.reps built once however many requests
// ask for it at the same time.
type onceRep[T any] struct {
	once sync.Once
	v    T
	err  error
}

// whole returns the answer cached in cur.reps under key, calling build
// once for it however many requests ask at the same time: the first
// requests of a generation (a scanner's burst) would otherwise each build
// the whole answer, the sitemap a megabyte each, before one is cached. A
// failed build is not kept, so the next request tries again.
func whole[T any](cur *snapshot, key string, build func() (T, error)) (T, error) {
	v, ok := cur.reps.Load(key)
	if !ok {
		v, _ = cur.reps.LoadOrStore(key, new(onceRep[T]))
	}
	o := v.(*onceRep[T])
	o.once.Do(func() { o.v, o.err = build() })
	if o.err != nil {
		cur.reps.CompareAndDelete(key, o)
	}
	return o.v, o.err
}

// Server answers Tolk's HTTP API. Create it with New over Options.Content
// (until its first generation /readyz answers 503 and content routes 503),
// and serve Handler.
type Server struct {
	opts    Options
	log     *slog.Logger
	conv    *langs.Converter
	cur     atomic.Pointer[snapshot]
	engine  *gin.Engine
	metrics *metrics
	slots   chan struct{} // semaphore of running searches
	limiter *limiter
	// authFails throttles failed token checks per client.
	authFails *failLimiter
	answers   *answerCache // answers keyed by client input, bounded in bytes
	deriving  sync.Mutex   // serializes derive
	openapi   *rep         // the OpenAPI document, serialized once
	widget    *rep         // widget.js, compressed once

	cacheValue []string          // Cache-Control of public reads, shared by responses
	allow      map[string]string // route template → its Allow, for OPTIONS; read-only after New
	csp        []string          // Content-Security-Policy of the demo page

	idPrefix string        // random prefix of generated request ids
	idSeq    atomic.Uint64 // counter of generated request ids
	ids      sync.Pool     // of *idBlock: generated request ids not yet handed out
}

// New returns a Server without content.
func New(opts Options) (*Server, error) {
	if opts.CacheControl == "" {
		opts.CacheControl = "public, max-age=60, stale-while-revalidate=300"
	}
	if len(opts.CORSOrigins) == 0 {
		opts.CORSOrigins = []string{"*"}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	if opts.SearchTimeout <= 0 {
		opts.SearchTimeout = 2 * time.Second
	}
	if opts.ReplicaWait <= 0 {
		opts.ReplicaWait = 2 * time.Second
	}
	if opts.MaxSearches <= 0 {
		opts.MaxSearches = 2 * runtime.GOMAXPROCS(0)
	}
	conv := langs.NewConverter() // loads its dictionaries on first use
	lim, err := newLimiter(opts.RateLimit, opts.RateBurst, opts.TrustedProxies)
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:      opts,
		log:       opts.Logger,
		conv:      conv,
		slots:     make(chan struct{}, opts.MaxSearches),
		limiter:   lim,
		answers:   newAnswerCache(opts.AnswerCacheBytes),
		authFails: newFailLimiter(),

		cacheValue: []string{opts.CacheControl},
		idPrefix:   randomPrefix(),
		csp:        []string{demoCSP(opts.FrameAncestors)},
	}
	if s.openapi, err = openAPIDoc(); err != nil {
		return nil, err
	}
	s.widget = newRep("text/javascript; charset=utf-8", widget.Script())
	s.metrics, err = newMetrics(opts.Registry, s)
	if err != nil {
		return nil, err
	}
	s.engine = s.routes()
	return s, nil
}

// current returns the snapshot of the content's current generation, or
// nil before the first. It derives the snapshot once per generation (the
// negotiator, the caches of representations) and drops the answers of
// older ones.
func (s *Server) current() *snapshot {
	if s.opts.Content == nil {
		return nil
	}
	g := s.opts.Content.Current()
	if g == nil {
		return nil
	}
	if c := s.cur.Load(); c != nil && c.src == g {
		return c
	}
	return s.derive(g)
}

// derive returns the snapshot of g, making it the current one unless a
// newer generation's already is; for a site whose languages do not
// negotiate it returns the current snapshot instead.
func (s *Server) derive(g *store.Generation) *snapshot {
	s.deriving.Lock()
	defer s.deriving.Unlock()
	c := s.cur.Load()
	if c != nil && c.src == g {
		return c
	}
	site := g.Library.Site()
	derived := make(map[string]string)
	for _, d := range site.Derived {
		derived[d.Tag] = d.From
	}
	neg, err := langs.NewNegotiator(site.Languages, derived, site.DefaultLanguage, site.Fallback)
	if err != nil {
		// Never expected: the store accepts only a site.yaml whose
		// languages negotiate. Keep serving the last generation.
		s.log.Error("languages of site.yaml; still serving the last content", "err", err)
		return c
	}
	snap := &snapshot{src: g, lib: g.Library, ix: g.Index, neg: neg, problems: g.Problems, gen: g.Seq, urls: compileURLPattern(site.SiteURL)}
	if c == nil || c.gen < g.Seq {
		s.cur.Store(snap)
		s.answers.dropBefore(g.Seq)
	}
	return snap
}

// Handler returns the HTTP handler of the whole API.
func (s *Server) Handler() http.Handler { return s.engine }

// content returns the current generation, or a 503 problem before the first.
func (s *Server) content() (*snapshot, error) {
	if c := s.current(); c != nil {
		return c, nil
	}
	p := problem(http.StatusServiceUnavailable, "unavailable", "the server is starting; try again shortly")
	p.retryAfter = "1"
	return nil, p
}

// errReplicaBehind is the error of a read whose Tolk-Min-Seq the content
// did not reach within Options.ReplicaWait.
var errReplicaBehind = errors.New("httpapi: the content did not reach Tolk-Min-Seq in time")

// readContent is content for a read that may send Tolk-Min-Seq: the
// current generation once its Position is at least the header's (a
// write's Tolk-Seq, from this replica or another), waiting for it at most
// Options.ReplicaWait. Without the header, or with a position already
// applied, it costs a map lookup and a compare more than content.
func (s *Server) readContent(c *gin.Context) (*snapshot, error) {
	cur, err := s.content()
	if err != nil {
		return nil, err
	}
	v, ok := c.Request.Header["Tolk-Min-Seq"] // net/http canonicalized the key
	if !ok {
		return cur, nil
	}
	n, err := strconv.ParseUint(v[0], 10, 64)
	if err != nil || len(v) > 1 {
		p := problem(http.StatusBadRequest, "invalid_parameter", "the Tolk-Min-Seq header must be one decimal position (a Tolk-Seq)")
		p.Param = "Tolk-Min-Seq"
		return nil, p
	}
	if cur.src.Position >= store.Position(n) {
		return cur, nil
	}
	return s.await(c.Request.Context(), cur.src, store.Position(n))
}

// await waits until the content's generation has reached position n,
// sleeping on each generation's Replaced rather than polling, and returns
// its snapshot; errReplicaBehind after Options.ReplicaWait, the context's
// error when the client goes away.
func (s *Server) await(ctx context.Context, g *store.Generation, n store.Position) (*snapshot, error) {
	t := time.NewTimer(s.opts.ReplicaWait)
	defer t.Stop()
	for g.Position < n {
		select {
		case <-g.Replaced():
			g = s.opts.Content.Current()
		case <-t.C:
			return nil, errReplicaBehind
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return s.content() // g or a later generation
}

// handler is a route's handler: it writes a success itself and returns the
// error that answers the request otherwise.
type handler func(c *gin.Context) error

// wrap adapts a handler to Gin, sending its error through writeError.
func (s *Server) wrap(h handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			s.writeError(c, err)
		}
	}
}

// writeError answers the request with the problem err maps to.
func (s *Server) writeError(c *gin.Context, err error) {
	s.writeProblem(c, asProblem(c.Request.Context(), s.log, err))
}

// randomPrefix returns 12 random hex digits and a dash.
func randomPrefix() string {
	var b [6]byte
	rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:]) + "-"
}
