package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"
)

// abuseReport is what the abuse scenario measured: a server with default
// limits receiving requests with unique junk in every parameter, header
// and method of every GET route, while article reads are measured.
type abuseReport struct {
	Requests       int            `json:"requests"`
	RatePerSecond  float64        `json:"rate_per_second"` // 0: as fast as 32 connections go
	Seconds        float64        `json:"seconds"`
	Statuses       map[int]int    `json:"statuses"`
	ServerErrors   int            `json:"server_errors"` // 5xx answers
	ServerErrorFor []string       `json:"server_error_examples,omitempty"`
	TransportErrs  int            `json:"transport_errors"`
	RSSBeforeKiB   int64          `json:"rss_before_kib"`
	RSSPeakKiB     int64          `json:"rss_peak_kib"`
	RSSAfterKiB    int64          `json:"rss_after_kib"`
	HeapBeforeKiB  int64          `json:"heap_inuse_before_kib"`
	HeapAfterKiB   int64          `json:"heap_inuse_after_kib"`
	ArticleCalmRPS float64        `json:"article_calm_rps"`
	ArticleRPS     float64        `json:"article_rps_during_abuse"`
	ArticleRatio   float64        `json:"article_ratio"`
	ByRoute        map[string]int `json:"requests_by_route"`
	CPU            abuseCPU       `json:"cpu"`
}

// abuseRoutes are the GET routes, with the parameters each reads and a
// valid value of each (so that half the requests are answers that could be
// cached, made unique only by what the server must ignore).
var abuseRoutes = []struct {
	path   string
	params map[string]string
}{
	{"/", map[string]string{"q": "skola", "lang": "sv"}},
	{"/widget.js", nil},
	{"/healthz", nil},
	{"/readyz", nil},
	{"/metrics", nil},
	{"/openapi.json", nil},
	{"/v1/languages", nil},
	{"/v1/articles", map[string]string{"lang": "en", "tag": "international", "page": "1", "per_page": "100", "sort": "title", "slug": "x", "fallback": "none", "preview": "true"}},
	{"/v1/articles/{id}", map[string]string{"lang": "zh-TW", "fallback": "none", "preview": "true"}},
	{"/v1/search", map[string]string{"q": "school", "lang": "en", "tag": "international", "page": "1", "per_page": "10"}},
	{"/v1/suggest", map[string]string{"q": "sko", "lang": "sv"}},
	{"/v1/translations", map[string]string{"page": "1", "per_page": "100"}},
	{"/v1/changes", map[string]string{"since": "", "limit": "1000"}},
	{"/v1/feed.atom", map[string]string{"lang": "sv", "tag": "international"}},
	{"/v1/sitemap.xml", nil},
	{"/v1/no-such-route", nil},
}

// junkAlphabet is what junk is made of: URL-unreserved ASCII and a few
// letters outside ASCII (Swedish and Chinese).
var junkAlphabet = func() []string {
	var a []string
	for _, r := range "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~åäö学校" {
		a = append(a, string(r))
	}
	return a
}()

// junkPool is random junk text that requests take slices of, raw (for
// header values) and percent-encoded (for paths and query strings), so
// that a request costs its generator a copy rather than a random draw per
// character. Every slice follows a unique prefix, so no two requests
// repeat their junk.
type junkPool struct {
	raw, esc []byte
}

// junkPoolSize is the size of the raw pool, many times the longest junk.
const junkPoolSize = 256 << 10

func newJunkPool(r *rand.Rand) *junkPool {
	p := &junkPool{}
	for len(p.raw) < junkPoolSize {
		p.raw = append(p.raw, junkAlphabet[r.IntN(len(junkAlphabet))]...)
	}
	const hex = "0123456789ABCDEF"
	for _, c := range p.raw {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			p.esc = append(p.esc, c)
		} else {
			p.esc = append(p.esc, '%', hex[c>>4], hex[c&15])
		}
	}
	return p
}

// junkGen builds the abuse scenario's requests as the bytes sent on the
// wire, into buffers it reuses, so that the generator (which shares the
// CPUs with the server it measures) spends little on each one.
type junkGen struct {
	r    *rand.Rand
	pool *junkPool
	wire []byte // the request being built
	keys map[string][]string
}

func newJunkGen(r *rand.Rand, pool *junkPool) *junkGen {
	g := &junkGen{r: r, pool: pool, keys: make(map[string][]string)}
	for _, rt := range abuseRoutes {
		keys := make([]string, 0, len(rt.params))
		for k := range rt.params {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		g.keys[rt.path] = keys
	}
	return g
}

// junk appends to b a string no earlier call for another seq returned: the
// counter and random characters, up to n bytes long, sometimes outside
// ASCII (whole UTF-8 sequences only).
func (g *junkGen) junk(b []byte, seq uint64, n int) []byte {
	start := len(b)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, '-')
	need := n - (len(b) - start)
	if need <= 0 {
		return b
	}
	raw := g.pool.raw
	off := g.r.IntN(len(raw) - need)
	end := off + need
	for off < end && !utf8.RuneStart(raw[off]) {
		off++
	}
	for end > off && end < len(raw) && !utf8.RuneStart(raw[end]) {
		end--
	}
	return append(b, raw[off:end]...)
}

// escaped appends junk of up to n bytes to b, percent-encoded so that it
// is one path segment or query component.
func (g *junkGen) escaped(b []byte, seq uint64, n int) []byte {
	start := len(b)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, '-')
	need := n - (len(b) - start)
	if need <= 0 {
		return b
	}
	esc := g.pool.esc
	off := g.r.IntN(len(esc) - need)
	end := off + need
	inEscape := func(i int) bool { // i is the second or third byte of a %XX
		return i >= 1 && esc[i-1] == '%' || i >= 2 && esc[i-2] == '%'
	}
	for off < end && inEscape(off) {
		off++
	}
	for end > off && end < len(esc) && inEscape(end) {
		end--
	}
	return append(b, esc[off:end]...)
}

// token appends a unique HTTP token (a valid method or header name).
func (g *junkGen) token(b []byte, seq uint64, n int) []byte {
	start := len(b)
	b = append(b, 'X')
	b = strconv.AppendUint(b, seq, 10)
	for len(b)-start < n {
		x := g.r.Uint64()
		for k := 0; k < 12 && len(b)-start < n; k++ {
			b = append(b, byte('A'+x%26))
			x /= 26
		}
	}
	return b
}

// header appends a header field whose value is junk of up to n bytes.
func (g *junkGen) header(name string, seq uint64, n int) {
	g.wire = append(g.wire, name...)
	g.wire = append(g.wire, ": "...)
	g.wire = g.junk(g.wire, seq, n)
	g.wire = append(g.wire, "\r\n"...)
}

// abuseRequest builds request seq for host: a random GET route with
// junk. It returns the request's bytes (valid until the next call), its
// method, whether it is a HEAD, and the route template.
func (g *junkGen) request(host, articleID string, seq uint64) (wire []byte, method string, head bool, route string) {
	r := g.r
	rt := abuseRoutes[r.IntN(len(abuseRoutes))]
	w := g.wire[:0]
	switch n := r.IntN(10); {
	case n == 0:
		method, head = http.MethodHead, true
	case n == 1:
		method = http.MethodOptions
	case n <= 3:
		method = "" // the finding: unique methods
	default:
		method = http.MethodGet
	}
	if method == "" {
		w = g.token(w, seq, 2+r.IntN(2000))
	} else {
		w = append(w, method...)
	}
	w = append(w, ' ')
	if strings.Contains(rt.path, "{id}") {
		w = append(w, "/v1/articles/"...)
		if r.IntN(4) == 0 {
			w = g.escaped(w, seq, 1+r.IntN(200))
		} else {
			w = append(w, articleID...)
		}
	} else {
		w = append(w, rt.path...)
	}
	w = append(w, '?')
	valid := r.IntN(2) == 0
	for _, k := range g.keys[rt.path] {
		if valid {
			if v := rt.params[k]; v != "" {
				w = append(w, k...)
				w = append(w, '=')
				w = append(w, url.QueryEscape(v)...)
				w = append(w, '&')
			}
			continue
		}
		w = append(w, k...)
		w = append(w, '=')
		w = g.escaped(w, seq, 1+r.IntN(300))
		w = append(w, '&')
	}
	if rt.path == "/v1/feed.atom" && valid && r.IntN(2) == 0 {
		w = append(w, "tag="...)
		w = g.escaped(w, seq, 1000+r.IntN(20_000)) // the finding: unique tags
		w = append(w, '&')
	}
	w = g.escaped(w, seq, 1+r.IntN(40)) // an unknown parameter
	w = append(w, '=')
	w = g.escaped(w, seq, r.IntN(400))
	w = append(w, " HTTP/1.1\r\nHost: "...)
	w = append(w, host...)
	w = append(w, "\r\n"...)
	g.wire = w
	g.wire = append(g.wire, "Accept-Language: "...)
	g.wire = g.junk(g.wire, seq, 1+r.IntN(300))
	g.wire = append(g.wire, ";q=0."...)
	g.wire = strconv.AppendInt(g.wire, int64(r.IntN(10)), 10)
	g.wire = append(g.wire, ", zh-HK\r\nIf-None-Match: \""...)
	g.wire = g.junk(g.wire, seq, 1+r.IntN(100))
	g.wire = append(g.wire, "\"\r\n"...)
	g.header("X-Request-Id", seq, 1+r.IntN(200))
	g.wire = append(g.wire, "Origin: https://"...)
	g.wire = g.token(g.wire, seq, 8)
	g.wire = append(g.wire, ".example\r\n"...)
	g.header("User-Agent", seq, 1+r.IntN(300))
	g.wire = g.token(g.wire, seq, 4+r.IntN(40))
	g.wire = append(g.wire, ": "...)
	g.wire = g.junk(g.wire, seq, r.IntN(1000))
	g.wire = append(g.wire, "\r\n"...)
	if r.IntN(8) == 0 {
		g.wire = append(g.wire, "Authorization: Bearer "...)
		g.wire = g.junk(g.wire, seq, 1+r.IntN(100))
		g.wire = append(g.wire, "\r\n"...)
	}
	if r.IntN(2) == 0 {
		g.wire = append(g.wire, "Accept-Encoding: gzip\r\n"...)
	}
	g.wire = append(g.wire, "\r\n"...)
	return g.wire, method, head, rt.path
}

// randomLoopback returns a random loopback address (Linux routes all of
// 127.0.0.0/8 to lo).
func randomLoopback(r *rand.Rand) net.IP {
	return net.IPv4(127, byte(1+r.IntN(250)), byte(r.IntN(256)), byte(1+r.IntN(250)))
}

// abuseClient is one of the abuse scenario's connections: raw keep-alive
// HTTP/1.1 from one loopback address at a time, like a wrk connection.
type abuseClient struct {
	addr  string
	local net.IP
	conn  net.Conn
	br    *bufio.Reader
	buf   []byte
	stop  func() bool // of the context.AfterFunc that closes conn
}

// send writes wire and reads the response, dialing first when needed.
func (c *abuseClient) send(ctx context.Context, wire []byte, head bool) (int, error) {
	if c.conn == nil {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: c.local}, Timeout: 5 * time.Second}
		conn, err := d.DialContext(ctx, "tcp", c.addr)
		if err != nil {
			return 0, err
		}
		conn.SetDeadline(time.Now().Add(30 * time.Second)) // a connection lives for at most 100 requests
		c.conn, c.stop = conn, context.AfterFunc(ctx, func() { conn.Close() })
		if c.br == nil {
			c.br, c.buf = bufio.NewReaderSize(conn, 32<<10), make([]byte, 32<<10)
		} else {
			c.br.Reset(conn)
		}
	}
	if _, err := c.conn.Write(wire); err != nil {
		c.close()
		return 0, err
	}
	status, closed, err := readResponseTo(c.br, c.buf, head)
	if err != nil || closed {
		c.close()
	}
	return status, err
}

// move closes the connection and sends the next requests from local.
func (c *abuseClient) move(local net.IP) {
	c.close()
	c.local = local
}

func (c *abuseClient) close() {
	if c.conn != nil {
		c.stop()
		c.conn.Close()
		c.conn = nil
	}
}

// requestLine returns the request line of wire, shortened, for a report.
func requestLine(wire []byte) string {
	line, _, _ := bytes.Cut(wire, []byte("\r\n"))
	if len(line) > 140 {
		line = line[:140]
	}
	return string(line)
}

// cpuSeconds returns the user and system CPU time process pid has used
// (/proc/PID/stat, in the kernel's USER_HZ of 100 a second).
func cpuSeconds(pid int) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(data, ')') // the command may hold spaces
	if i < 0 {
		return 0, errors.New("cpu time: malformed /proc stat")
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("cpu time: short /proc stat")
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("cpu time: %w", err)
	}
	return (utime + stime) / 100, nil
}

// abuseScenario starts a server with default limits and sends it n
// requests with unique junk from 32 connections (at most perSecond of
// them a second; 0 for no pacing), while 16 connections read
// the article; it reports resident memory, statuses, the article
// throughput against a calm measurement of the same server, and the CPU
// time the server and the generator spent.
func abuseScenario(ctx context.Context, n int, perSecond float64, log *slog.Logger, tolk, content, indexDir, articlePath string, prof *profiler, stderr io.Writer) (*abuseReport, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	var profArgs []string
	if prof != nil {
		// A server of its own: a new operator listener.
		if prof, profArgs, err = newProfiler(prof.dir); err != nil {
			return nil, err
		}
	}
	srv, err := startProcess(tolk, append([]string{"serve", "--addr", addr, "--content", content, "--index", indexDir, "--rescan", "0", "--log-level", "error"}, profArgs...),
		&dropLines{w: stderr, drop: []byte("/readyz")})
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	if err := waitReady(ctx, srv, "http://"+addr+"/readyz", 10*time.Minute); err != nil {
		return nil, err
	}
	cpu := func() (server, gen float64) {
		server, _ = cpuSeconds(srv.pid())
		gen, _ = cpuSeconds(os.Getpid())
		return server, gen
	}
	article := []request{{path: articlePath}}
	if _, err := goLoad(ctx, addr, article, 16, 2*time.Second); err != nil {
		return nil, err
	}
	wait := prof.start(ctx, "abuse-calm", 5*time.Second)
	s0, g0 := cpu()
	calm, err := goLoad(ctx, addr, article, 16, 5*time.Second)
	if err := errors.Join(err, wait()); err != nil {
		return nil, err
	}
	s1, g1 := cpu()
	pace := rate.NewLimiter(rate.Inf, 1)
	if perSecond > 0 {
		pace = rate.NewLimiter(rate.Limit(perSecond), 32)
	}
	rep := &abuseReport{Requests: n, RatePerSecond: perSecond, Statuses: map[int]int{}, ByRoute: map[string]int{}, ArticleCalmRPS: calm.rps()}
	rep.CPU.ArticleCalm = calm.requests
	rep.CPU.ServerCalm, rep.CPU.GeneratorCalm = s1-s0, g1-g0
	rep.RSSBeforeKiB, _ = residentKiB(srv.pid())
	rep.HeapBeforeKiB = heapInUseKiB(ctx, prof.metricsURL(addr))
	rep.RSSPeakKiB = rep.RSSBeforeKiB
	articleID := strings.TrimPrefix(strings.SplitN(articlePath, "?", 2)[0], "/v1/articles/")

	pool := newJunkPool(rand.New(rand.NewPCG(1, 42)))
	abuseCtx, stopAbuse := context.WithCancel(ctx)
	defer stopAbuse()
	var mu sync.Mutex
	var next atomic.Uint64
	var wg sync.WaitGroup
	// sender sends requests until their number passes limit.
	sender := func(seed, limit uint64) {
		r := rand.New(rand.NewPCG(seed, 42))
		g := newJunkGen(r, pool)
		c := &abuseClient{addr: addr}
		defer c.close()
		statuses, routes := map[int]int{}, map[string]int{}
		defer func() {
			mu.Lock()
			defer mu.Unlock()
			for k, v := range statuses {
				rep.Statuses[k] += v
			}
			for k, v := range routes {
				rep.ByRoute[k] += v
			}
		}()
		for i := 0; ; i++ {
			seq := next.Add(1)
			if seq > limit || abuseCtx.Err() != nil {
				return
			}
			if pace.Wait(abuseCtx) != nil {
				return
			}
			if i%100 == 0 {
				// A new client address every 100 requests, as from
				// many machines: the per-client state must stay bounded.
				c.move(randomLoopback(r))
			}
			wire, _, head, route := g.request(addr, articleID, seq)
			routes[route]++
			status, err := c.send(abuseCtx, wire, head)
			if err != nil {
				if abuseCtx.Err() == nil {
					mu.Lock()
					rep.TransportErrs++
					mu.Unlock()
				}
				continue
			}
			statuses[status]++
			// 503 is the admission gate's honest refusal under load
			// (problem JSON with Retry-After); any other 5xx is a fault.
			if status >= 500 && status != http.StatusServiceUnavailable {
				mu.Lock()
				rep.ServerErrors++
				if len(rep.ServerErrorFor) < 10 {
					rep.ServerErrorFor = append(rep.ServerErrorFor, fmt.Sprintf("%d %s", status, requestLine(wire)))
				}
				mu.Unlock()
			}
		}
	}

	// launch starts the 32 senders of the requests up to number limit.
	launch := func(limit uint64) {
		for w := range 32 {
			wg.Go(func() {
				sender(uint64(w)+limit<<8, limit)
			})
		}
	}

	// First a tenth of the junk alone, for its own cost.
	stopSelf, err := prof.self("generator-abuse")
	if err != nil {
		return nil, err
	}
	defer stopSelf()
	start := time.Now()
	alone := uint64(n / 10)
	waitAlone := prof.start(ctx, "abuse-alone", time.Duration(float64(alone)/max(perSecond, 2000)*float64(time.Second)))
	s0, g0 = cpu()
	launch(alone)
	wg.Wait()
	s1, g1 = cpu()
	if err := waitAlone(); err != nil {
		return nil, err
	}
	rep.CPU.JunkAlone, rep.CPU.ServerJunkAlone, rep.CPU.GeneratorJunkAlone = int64(alone), s1-s0, g1-g0
	next.Store(alone) // the senders that stopped each took a number past it

	// Then the rest while article reads are measured.
	abused := prof.start(ctx, "abuse", 10*time.Second)
	s0, g0 = cpu()
	launch(uint64(n))
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	// Article reads in slices while the abuse lasts; memory sampled between.
	var served, seconds float64
	for running := true; running; {
		select {
		case <-done:
			running = false
			continue
		case <-ctx.Done():
			return nil, ctx.Err()
		default:
		}
		res, err := goLoad(ctx, addr, article, 16, 2*time.Second)
		if err != nil {
			return nil, err
		}
		served += res.rps() * 2
		rep.CPU.ArticleDuring += res.requests
		seconds += 2
		if kib, err := residentKiB(srv.pid()); err == nil {
			rep.RSSPeakKiB = max(rep.RSSPeakKiB, kib)
		}
		log.Info("abuse", "sent", min(next.Load(), uint64(n)), "of", n, "article_rps", int(res.rps()))
	}
	s1, g1 = cpu()
	stopSelf()
	rep.CPU.ServerAbuse, rep.CPU.GeneratorAbuse = s1-s0, g1-g0
	rep.Seconds = time.Since(start).Seconds()
	if err := abused(); err != nil {
		return nil, err
	}
	if seconds > 0 {
		rep.ArticleRPS = served / seconds
	}
	if calm.rps() > 0 {
		rep.ArticleRatio = rep.ArticleRPS / calm.rps()
	}
	rep.RSSAfterKiB, _ = residentKiB(srv.pid())
	rep.HeapAfterKiB = heapInUseKiB(ctx, prof.metricsURL(addr))
	rep.RSSPeakKiB = max(rep.RSSPeakKiB, rep.RSSAfterKiB)
	if err := srv.exited(); err != nil {
		return nil, fmt.Errorf("during the abuse: %w", err)
	}
	return rep, nil
}

// abuseCPU is the CPU time the server and the generator (tolkbench, with
// its article readers) spent in the calm and the abused phase, and the
// article reads of each, from which the cost of one junk request follows.
type abuseCPU struct {
	ServerCalm     float64 `json:"server_calm_seconds"`
	GeneratorCalm  float64 `json:"generator_calm_seconds"`
	ServerAbuse    float64 `json:"server_abuse_seconds"`
	GeneratorAbuse float64 `json:"generator_abuse_seconds"`
	ArticleCalm    int64   `json:"article_reads_calm"`
	ArticleDuring  int64   `json:"article_reads_during"`
	// The first tenth of the junk is sent alone, before the article
	// readers start: its CPU time is the junk's own.
	JunkAlone          int64   `json:"junk_alone"`
	ServerJunkAlone    float64 `json:"server_junk_alone_seconds"`
	GeneratorJunkAlone float64 `json:"generator_junk_alone_seconds"`
}

// perJunk estimates the CPU time one junk request cost the server and the
// generator while the articles were read: the abused phase's CPU less what
// its article reads cost at the calm phase's rate, divided among its n
// junk requests. Reads cost more under load than calm, so it overstates
// the junk's share; junkAlone measures it directly.
func (c abuseCPU) perJunk(n int) (server, gen time.Duration) {
	if n <= 0 || c.ArticleCalm <= 0 {
		return 0, 0
	}
	share := float64(c.ArticleDuring) / float64(c.ArticleCalm)
	each := func(abuse, calm float64) time.Duration {
		return time.Duration(max(0, abuse-calm*share) / float64(n) * float64(time.Second))
	}
	return each(c.ServerAbuse, c.ServerCalm), each(c.GeneratorAbuse, c.GeneratorCalm)
}

// printAbuse writes the abuse scenario's table.
func printAbuse(w io.Writer, a *abuseReport) {
	if a == nil {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	pace := "as fast as 32 connections go"
	if a.RatePerSecond > 0 {
		pace = fmt.Sprintf("paced at %.0f/s", a.RatePerSecond)
	}
	fmt.Fprintf(tw, "\nabuse: %d requests with unique junk, %s, in %.0f s\n", a.Requests, pace, a.Seconds)
	fmt.Fprintf(tw, "resident memory\tbefore %d MiB\tpeak %d MiB\tafter %d MiB\tgrowth %d MiB\n",
		a.RSSBeforeKiB>>10, a.RSSPeakKiB>>10, a.RSSAfterKiB>>10, (a.RSSPeakKiB-a.RSSBeforeKiB)>>10)
	fmt.Fprintf(tw, "Go heap in use\tbefore %d MiB\tafter %d MiB\n", a.HeapBeforeKiB>>10, a.HeapAfterKiB>>10)
	fmt.Fprintf(tw, "article reads c16\tcalm %.0f/s\tduring %.0f/s\tratio %.2f\n", a.ArticleCalmRPS, a.ArticleRPS, a.ArticleRatio)
	codes := make([]int, 0, len(a.Statuses))
	for c := range a.Statuses {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d×%d", c, a.Statuses[c]))
	}
	fmt.Fprintf(tw, "statuses\t%s\n", strings.Join(parts, " "))
	if a.CPU.ArticleCalm > 0 {
		server, gen := a.CPU.perJunk(a.Requests - int(a.CPU.JunkAlone))
		fmt.Fprintf(tw, "CPU per article read (calm)\tserver %.1f µs\tgenerator %.1f µs\n",
			a.CPU.ServerCalm/float64(a.CPU.ArticleCalm)*1e6, a.CPU.GeneratorCalm/float64(a.CPU.ArticleCalm)*1e6)
		if a.CPU.JunkAlone > 0 {
			fmt.Fprintf(tw, "CPU per junk request, alone\tserver %.1f µs\tgenerator %.1f µs\t(the first %d, before the readers)\n",
				a.CPU.ServerJunkAlone/float64(a.CPU.JunkAlone)*1e6, a.CPU.GeneratorJunkAlone/float64(a.CPU.JunkAlone)*1e6, a.CPU.JunkAlone)
		}
		fmt.Fprintf(tw, "CPU per junk request, during\tserver %.1f µs\tgenerator %.1f µs\t(abused phase less its reads at the calm cost: server %.1f s, generator %.1f s)\n",
			float64(server)/1e3, float64(gen)/1e3, a.CPU.ServerAbuse, a.CPU.GeneratorAbuse)
	}
	fmt.Fprintf(tw, "5xx other than 503\t%d\ttransport errors\t%d\n", a.ServerErrors, a.TransportErrs)
	for _, e := range a.ServerErrorFor {
		fmt.Fprintf(tw, "\t%s\n", e)
	}
	tw.Flush()
}

// heapInUseKiB reads the server's go_memstats_heap_inuse_bytes from
// /metrics; 0 when it cannot.
func heapInUseKiB(ctx context.Context, metricsURL string) int64 {
	_, body, err := fetch(ctx, metricsURL)
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(line, "go_memstats_heap_inuse_bytes "); ok {
			var f float64
			fmt.Sscan(strings.TrimSpace(v), &f)
			return int64(f) >> 10
		}
	}
	return 0
}
