package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

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

// junk returns a string no earlier call returned: a counter and random
// bytes, up to n bytes long, sometimes with non-ASCII characters.
func junk(r *rand.Rand, seq uint64, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d-", seq)
	alphabet := "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~åäö学校"
	runes := []rune(alphabet)
	for b.Len() < n {
		b.WriteRune(runes[r.IntN(len(runes))])
	}
	return b.String()
}

// token returns a unique HTTP token (a valid method or header name).
func token(r *rand.Rand, seq uint64, n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	var b strings.Builder
	fmt.Fprintf(&b, "X%d", seq)
	for b.Len() < n {
		b.WriteByte(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

// abuseRequest builds request seq: a random GET route with junk.
func abuseRequest(r *rand.Rand, base, articleID string, seq uint64) (*http.Request, string) {
	rt := abuseRoutes[r.IntN(len(abuseRoutes))]
	path := strings.ReplaceAll(rt.path, "{id}", articleID)
	if r.IntN(4) == 0 && strings.Contains(rt.path, "{id}") {
		path = "/v1/articles/" + url.PathEscape(junk(r, seq, 1+r.IntN(200)))
	}
	q := url.Values{}
	valid := r.IntN(2) == 0
	keys := make([]string, 0, len(rt.params))
	for k := range rt.params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if valid {
			if v := rt.params[k]; v != "" {
				q.Set(k, v)
			}
		} else {
			q.Set(k, junk(r, seq, 1+r.IntN(300)))
		}
	}
	if rt.path == "/v1/feed.atom" && valid && r.IntN(2) == 0 {
		q.Set("tag", junk(r, seq, 1000+r.IntN(20_000))) // the finding: unique tags
	}
	q.Set(junk(r, seq, 1+r.IntN(40)), junk(r, seq, r.IntN(400))) // an unknown parameter
	method := http.MethodGet
	switch n := r.IntN(10); {
	case n == 0:
		method = http.MethodHead
	case n == 1:
		method = http.MethodOptions
	case n <= 3:
		method = token(r, seq, 2+r.IntN(2000)) // the finding: unique methods
	}
	req, err := http.NewRequest(method, base+path+"?"+q.Encode(), nil)
	if err != nil {
		panic(err) // every part is escaped
	}
	h := req.Header
	h.Set("Accept-Language", junk(r, seq, 1+r.IntN(300))+";q=0."+fmt.Sprint(r.IntN(10))+", zh-HK")
	h.Set("If-None-Match", `"`+junk(r, seq, 1+r.IntN(100))+`"`)
	h.Set("X-Request-ID", junk(r, seq, 1+r.IntN(200)))
	h.Set("Origin", "https://"+token(r, seq, 8)+".example")
	h.Set("User-Agent", junk(r, seq, 1+r.IntN(300)))
	h.Set(token(r, seq, 4+r.IntN(40)), junk(r, seq, r.IntN(1000)))
	if r.IntN(8) == 0 {
		h.Set("Authorization", "Bearer "+junk(r, seq, 1+r.IntN(100)))
	}
	if r.IntN(2) == 0 {
		h.Set("Accept-Encoding", "gzip")
	}
	return req, rt.path
}

// clientFrom returns a client whose connections come from a random
// loopback address (Linux routes all of 127.0.0.0/8 to lo).
func clientFrom(r *rand.Rand) *http.Client {
	ip := net.IPv4(127, byte(1+r.IntN(250)), byte(r.IntN(256)), byte(1+r.IntN(250)))
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: d.DialContext, DisableCompression: true, MaxIdleConnsPerHost: 1,
	}}
}

// abuseScenario starts a server with default limits and sends it n
// requests with unique junk from 32 connections (at most perSecond of
// them a second; 0 for no pacing), while 16 connections read
// the article; it reports resident memory, statuses and the article
// throughput against a calm measurement of the same server.
func abuseScenario(ctx context.Context, n int, perSecond float64, log *slog.Logger, tolk, content, indexDir, articlePath string, stderr io.Writer) (*abuseReport, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	srv, err := startProcess(tolk, []string{"serve", "--addr", addr, "--content", content, "--index", indexDir, "--rescan", "0", "--log-level", "error"},
		&dropLines{w: stderr, drop: []byte("/readyz")})
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	if err := waitReady(ctx, srv, "http://"+addr+"/readyz", 10*time.Minute); err != nil {
		return nil, err
	}
	article := []request{{path: articlePath}}
	if _, err := goLoad(ctx, addr, article, 16, 2*time.Second); err != nil {
		return nil, err
	}
	calm, err := goLoad(ctx, addr, article, 16, 5*time.Second)
	if err != nil {
		return nil, err
	}
	pace := rate.NewLimiter(rate.Inf, 1)
	if perSecond > 0 {
		pace = rate.NewLimiter(rate.Limit(perSecond), 32)
	}
	rep := &abuseReport{Requests: n, RatePerSecond: perSecond, Statuses: map[int]int{}, ByRoute: map[string]int{}, ArticleCalmRPS: calm.rps()}
	rep.RSSBeforeKiB, _ = residentKiB(srv.pid())
	rep.HeapBeforeKiB = heapInUseKiB(ctx, addr)
	rep.RSSPeakKiB = rep.RSSBeforeKiB
	articleID := strings.TrimPrefix(strings.SplitN(articlePath, "?", 2)[0], "/v1/articles/")

	abuseCtx, stopAbuse := context.WithCancel(ctx)
	defer stopAbuse()
	var mu sync.Mutex
	var next atomic.Uint64
	var wg sync.WaitGroup
	start := time.Now()
	for w := range 32 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 42))
			var client *http.Client
			for i := 0; ; i++ {
				seq := next.Add(1)
				if seq > uint64(n) || abuseCtx.Err() != nil {
					return
				}
				if pace.Wait(abuseCtx) != nil {
					return
				}
				if i%100 == 0 {
					// A new client address every 100 requests, as from
					// many machines: the per-client state must stay bounded.
					if client != nil {
						client.CloseIdleConnections()
					}
					client = clientFrom(r)
				}
				req, route := abuseRequest(r, "http://"+addr, articleID, seq)
				resp, err := client.Do(req.WithContext(abuseCtx))
				mu.Lock()
				rep.ByRoute[route]++
				if err != nil {
					rep.TransportErrs++
					mu.Unlock()
					continue
				}
				rep.Statuses[resp.StatusCode]++
				// 503 is the admission gate's honest refusal under load
				// (problem JSON with Retry-After); any other 5xx is a fault.
				if resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable {
					rep.ServerErrors++
					if len(rep.ServerErrorFor) < 10 {
						rep.ServerErrorFor = append(rep.ServerErrorFor, fmt.Sprintf("%d %s %.120s", resp.StatusCode, req.Method[:min(len(req.Method), 20)], req.URL.RequestURI()))
					}
				}
				mu.Unlock()
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
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
		seconds += 2
		if kib, err := residentKiB(srv.pid()); err == nil {
			rep.RSSPeakKiB = max(rep.RSSPeakKiB, kib)
		}
		log.Info("abuse", "sent", min(next.Load(), uint64(n)), "of", n, "article_rps", int(res.rps()))
	}
	rep.Seconds = time.Since(start).Seconds()
	if seconds > 0 {
		rep.ArticleRPS = served / seconds
	}
	if calm.rps() > 0 {
		rep.ArticleRatio = rep.ArticleRPS / calm.rps()
	}
	rep.RSSAfterKiB, _ = residentKiB(srv.pid())
	rep.HeapAfterKiB = heapInUseKiB(ctx, addr)
	rep.RSSPeakKiB = max(rep.RSSPeakKiB, rep.RSSAfterKiB)
	if err := srv.exited(); err != nil {
		return nil, fmt.Errorf("during the abuse: %w", err)
	}
	return rep, nil
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
	fmt.Fprintf(tw, "5xx other than 503\t%d\ttransport errors\t%d\n", a.ServerErrors, a.TransportErrs)
	for _, e := range a.ServerErrorFor {
		fmt.Fprintf(tw, "\t%s\n", e)
	}
	tw.Flush()
}

// heapInUseKiB reads the server's go_memstats_heap_inuse_bytes from
// /metrics; 0 when it cannot.
func heapInUseKiB(ctx context.Context, addr string) int64 {
	_, body, err := fetch(ctx, "http://"+addr+"/metrics")
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
