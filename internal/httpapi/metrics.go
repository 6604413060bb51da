package httpapi

import (
	"bytes"
	"fmt"
	"net/http/pprof"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"net/http"
)

// metrics are the server's Prometheus collectors.
type metrics struct {
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	search    *prometheus.HistogramVec
	languages *prometheus.CounterVec
	limited   prometheus.Counter
	registry  *prometheus.Registry

	// The children of search, looked up once.
	searchTime, suggestTime prometheus.Observer

	// Children of the vectors, cached: looking them up by label values
	// hashes the labels on every request.
	routes sync.Map // route template → *routeMetrics
	langs  sync.Map // tag → prometheus.Counter

	// The public /metrics's last scrape, shared for scrapeEvery.
	scrapeMu sync.Mutex
	scraped  *rep
	scrapeAt time.Time
}

// routeMetrics are one route's children of the request vectors: its
// latency histogram and, copied on write, a counter per method and status
// it has answered (a handful), so that counting a request takes one
// lookup by route and a short scan.
type routeMetrics struct {
	route    string
	latency  prometheus.Observer
	mu       sync.Mutex // serializes adding to counters
	counters atomic.Pointer[[]statusCounter]
}

type statusCounter struct {
	method string // a knownMethod
	status int
	c      prometheus.Counter
}

// counter returns the counter of method and status.
func (r *routeMetrics) counter(m *metrics, method string, status int) prometheus.Counter {
	if l := r.counters.Load(); l != nil {
		for _, sc := range *l {
			if sc.status == status && sc.method == method {
				return sc.c
			}
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var l []statusCounter
	if p := r.counters.Load(); p != nil {
		for _, sc := range *p {
			if sc.status == status && sc.method == method {
				return sc.c
			}
		}
		l = slices.Clip(*p)
	}
	c := m.requests.WithLabelValues(r.route, method, strconv.Itoa(status))
	l = append(l, statusCounter{method, status, c})
	r.counters.Store(&l)
	return c
}

func newMetrics(reg *prometheus.Registry, s *Server) (*metrics, error) {
	m := &metrics{
		registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tolk_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tolk_http_request_duration_seconds", Help: "Time to answer HTTP requests, by route.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		search: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tolk_search_duration_seconds", Help: "Time spent in the index per search or suggestion.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}, []string{"kind"}),
		languages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tolk_negotiated_language_total", Help: "Content responses by served language.",
		}, []string{"lang"}),
		limited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tolk_rate_limited_total", Help: "Requests refused by the per-client rate limit.",
		}),
	}
	m.searchTime, m.suggestTime = m.search.WithLabelValues("search"), m.search.WithLabelValues("suggest")
	docs := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tolk_index_documents", Help: "Article versions in the search index.",
	}, func() float64 {
		if c := s.current(); c != nil && c.ix != nil {
			return float64(c.ix.DocCount())
		}
		return 0
	})
	articles := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tolk_articles", Help: "Articles in the served library.",
	}, func() float64 {
		if c := s.current(); c != nil {
			return float64(c.lib.Len())
		}
		return 0
	})
	for _, c := range []prometheus.Collector{m.requests, m.latency, m.search, m.languages, m.limited, docs, articles,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	return m, nil
}

// knownMethod returns method when it is one of HTTP's registered methods
// and "other" otherwise, so a label value never comes from client text.
func knownMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return method
	}
	return "other"
}

// observe counts one request. route is a route template (or "unmatched")
// and status a status the server wrote, so every label comes from a fixed
// set; the method is reduced to the known ones.
func (m *metrics) observe(route, method string, status int, d time.Duration) {
	v, ok := m.routes.Load(route)
	if !ok {
		v, _ = m.routes.LoadOrStore(route, &routeMetrics{route: route, latency: m.latency.WithLabelValues(route)})
	}
	r := v.(*routeMetrics)
	r.counter(m, knownMethod(method), status).Inc()
	r.latency.Observe(d.Seconds())
}

func (m *metrics) lang(tag string) {
	c, ok := m.langs.Load(tag)
	if !ok {
		c, _ = m.langs.LoadOrStore(tag, m.languages.WithLabelValues(tag))
	}
	c.(prometheus.Counter).Inc()
}

// scrapeEvery is how long the public /metrics answers every scrape with
// the same gathered metrics: on the public address anyone can ask for
// them, and one gather (reading /proc, encoding every series) costs about
// a millisecond, so a flood of scrapes must cost what one scrape a second
// does. Prometheus scrapes every few seconds at most, so none sees a
// difference.
const scrapeEvery = time.Second

// scrape returns the metrics gathered at most scrapeEvery before now,
// gathering them when they are older; concurrent scrapes wait for one
// gather.
func (m *metrics) scrape(now time.Time) (*rep, error) {
	m.scrapeMu.Lock()
	defer m.scrapeMu.Unlock()
	if m.scraped != nil && now.Sub(m.scrapeAt) < scrapeEvery && !now.Before(m.scrapeAt) {
		return m.scraped, nil
	}
	w := &bufferWriter{h: make(http.Header)}
	m.handler().ServeHTTP(w, &http.Request{Method: http.MethodGet, Header: http.Header{}})
	if w.status != 0 && w.status != http.StatusOK {
		return nil, fmt.Errorf("gather metrics: status %d: %.200s", w.status, w.buf.Bytes())
	}
	r := newRep(w.h.Get("Content-Type"), w.buf.Bytes())
	r.cache = "no-store"
	m.scraped, m.scrapeAt = r, now
	return r, nil
}

// publicMetrics answers GET /metrics on the public address.
func (s *Server) publicMetrics(c *gin.Context) error {
	r, err := s.metrics.scrape(time.Now())
	if err != nil {
		return err
	}
	s.send(c, r, "")
	return nil
}

// bufferWriter is an http.ResponseWriter that keeps the response.
type bufferWriter struct {
	h      http.Header
	status int
	buf    bytes.Buffer
}

func (w *bufferWriter) Header() http.Header         { return w.h }
func (w *bufferWriter) Write(b []byte) (int, error) { return w.buf.Write(b) }
func (w *bufferWriter) WriteHeader(status int)      { w.status = status }

// handler serves the metrics in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// MetricsHandler serves /metrics and Go's profiles under /debug/pprof/,
// for a separate listener that only operators reach (the profiles are
// never served on the public address).
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.handler())
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	return mux
}
