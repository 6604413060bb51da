package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

// soakToken is the admin token of the soak's server.
const soakToken = "tolkbench-soak-admin-token-0123456789abcdef"

// soakInterval is one reporting interval of the soak.
type soakInterval struct {
	End         float64 `json:"end_seconds"`
	Reads       int64   `json:"reads"`
	ReadP50US   float64 `json:"read_p50_us"`
	ReadP99US   float64 `json:"read_p99_us"`
	Searches    int64   `json:"searches"`
	SearchP50US float64 `json:"search_p50_us"`
	SearchP99US float64 `json:"search_p99_us"`
	Writes      int64   `json:"writes"`
	WriteP99US  float64 `json:"write_p99_us"`
	Errors      int64   `json:"errors"`
	RSSKiB      int64   `json:"rss_kib"`
}

// soakStats collects one interval's latencies.
type soakStats struct {
	mu                  sync.Mutex
	reads, searches, wr histogram
	errors              atomic.Int64
}

func (s *soakStats) add(h *histogram, d time.Duration) {
	s.mu.Lock()
	h.record(d)
	s.mu.Unlock()
}

// soak runs tolk on a fresh, writable copy of the corpus for d and mixes
// article reads (8 clients), distinct searches (2 clients) and writes (one
// client, rewriting 50 articles in turn), reporting latency and resident
// memory every interval so that drift and growth show.
func soak(ctx context.Context, o options, log *slog.Logger, tolk, tmp string, stderr io.Writer) ([]soakInterval, error) {
	content := filepath.Join(tmp, "soak-content")
	log.Info("writing a writable corpus for the soak", "articles", o.articles)
	if err := writeCorpus(ctx, content, o.articles); err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	srv, err := startProcessEnv(tolk, []string{"serve", "--addr", addr, "--content", content, "--index", filepath.Join(tmp, "soak-index"),
		"--rate-limit", "0", "--log-level", "error"}, []string{"TOLK_ADMIN_TOKEN=" + soakToken}, &dropLines{w: stderr, drop: []byte("/readyz")})
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	base := "http://" + addr
	if err := waitReady(ctx, srv, base+"/readyz", 10*time.Minute); err != nil {
		return nil, err
	}
	g := newGenerator()
	var paths []string
	for i := range min(o.articles, 2000) {
		paths = append(paths, articlePath(g.article(i).id))
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}, Timeout: 10 * time.Second}
	do := func(req *http.Request) error {
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 400 {
			return fmt.Errorf("%s %s: %s", req.Method, req.URL.Path, resp.Status)
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, o.soak)
	defer cancel()
	var cur atomic.Pointer[soakStats]
	cur.Store(&soakStats{})
	var wg sync.WaitGroup
	worker := func(next func(i int) (*http.Request, func(*soakStats) *histogram)) {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				req, which := next(i)
				t0 := time.Now()
				err := do(req.WithContext(ctx))
				st := cur.Load()
				if err != nil {
					if ctx.Err() == nil {
						st.errors.Add(1)
						log.Warn("soak request failed", "err", err)
					}
					continue
				}
				st.add(which(st), time.Since(t0))
			}
		})
	}
	for w := range 8 {
		worker(func(i int) (*http.Request, func(*soakStats) *histogram) {
			req, _ := http.NewRequest("GET", base+paths[(w*7919+i)%len(paths)], nil)
			return req, func(s *soakStats) *histogram { return &s.reads }
		})
	}
	for w := range 2 {
		worker(func(i int) (*http.Request, func(*soakStats) *histogram) {
			q := searchQueries[rand.IntN(len(searchQueries))]
			req, _ := http.NewRequest("GET", base+"/v1/search?lang="+url.QueryEscape(q.lang)+"&q="+url.QueryEscape(fmt.Sprintf("%s %d%d", q.q, w, i)), nil)
			return req, func(s *soakStats) *histogram { return &s.searches }
		})
	}
	worker(func(i int) (*http.Request, func(*soakStats) *histogram) {
		time.Sleep(100 * time.Millisecond)
		body := fmt.Sprintf(`{"title": "Soak %d", "slug": "soak-%d", "published": "2024-01-01", "body_markdown": "Skrivning nummer %d under soak."}`, i, i%50, i)
		req, _ := http.NewRequest("PUT", fmt.Sprintf("%s/v1/articles/soak-%d/sv", base, i%50), strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+soakToken)
		req.Header.Set("Content-Type", "application/json")
		return req, func(s *soakStats) *histogram { return &s.wr }
	})

	var out []soakInterval
	start := time.Now()
	reported := start
	tick := time.NewTicker(o.soakInterval)
	defer tick.Stop()
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-tick.C:
		}
		st := cur.Swap(&soakStats{})
		// The requests in flight when the soak ends make a last interval
		// of a few milliseconds: not one to compare with the first.
		short := done && len(out) > 0 && time.Since(reported) < o.soakInterval/2
		reported = time.Now()
		st.mu.Lock()
		rss, _ := residentKiB(srv.pid())
		iv := soakInterval{
			End: time.Since(start).Seconds(), Reads: int64(st.reads.total), Searches: int64(st.searches.total), Writes: int64(st.wr.total),
			ReadP50US: us(st.reads.percentile(0.5)), ReadP99US: us(st.reads.percentile(0.99)),
			SearchP50US: us(st.searches.percentile(0.5)), SearchP99US: us(st.searches.percentile(0.99)),
			WriteP99US: us(st.wr.percentile(0.99)), Errors: st.errors.Load(), RSSKiB: rss,
		}
		st.mu.Unlock()
		if iv.Reads+iv.Searches+iv.Writes > 0 && !short {
			out = append(out, iv)
			log.Info("soak", "at", time.Duration(iv.End)*time.Second, "reads", iv.Reads, "searches", iv.Searches, "writes", iv.Writes, "errors", iv.Errors, "rss_mib", rss/1024)
		}
	}
	wg.Wait()
	if err := srv.exited(); err != nil {
		return out, fmt.Errorf("during the soak: %w", err)
	}
	return out, nil
}

func us(d time.Duration) float64 { return float64(d.Microseconds()) }

// printSoak prints the soak's intervals and its drift.
func printSoak(w io.Writer, ivs []soakInterval) {
	if len(ivs) == 0 {
		return
	}
	fmt.Fprintln(w, "\nSoak: 8 article readers, 2 searchers (distinct queries), 1 writer (the next write 100 ms after each answer):")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "at\treads\tread p50\tread p99\tsearches\tsearch p50\tsearch p99\twrites\twrite p99\terrors\tRSS MiB\t")
	d := func(v float64) time.Duration { return time.Duration(v) * time.Microsecond }
	for _, iv := range ivs {
		fmt.Fprintf(tw, "%.0fs\t%d\t%s\t%s\t%d\t%s\t%s\t%d\t%s\t%d\t%d\t\n", iv.End, iv.Reads, d(iv.ReadP50US), d(iv.ReadP99US),
			iv.Searches, d(iv.SearchP50US), d(iv.SearchP99US), iv.Writes, d(iv.WriteP99US), iv.Errors, iv.RSSKiB/1024)
	}
	tw.Flush()
	first, last := ivs[0], ivs[len(ivs)-1]
	var errs int64
	for _, iv := range ivs {
		errs += iv.Errors
	}
	fmt.Fprintf(w, "errors %d; read p99 %s → %s, search p99 %s → %s; resident memory %d → %d MiB\n",
		errs, d(first.ReadP99US), d(last.ReadP99US), d(first.SearchP99US), d(last.SearchP99US), first.RSSKiB/1024, last.RSSKiB/1024)
}

// startProcessEnv is startProcess with extra environment variables.
func startProcessEnv(name string, args, env []string, stderr io.Writer) (*process, error) {
	return startProcessWith(name, args, append(os.Environ(), env...), stderr)
}
