package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// dbToken is the admin token of the database scenario's replicas.
const dbToken = "tolkbench-database-admin-token-0123456789"

// dbWriteKeys is how many articles the database scenario's writer
// rewrites in turn (each created by its first write).
const dbWriteKeys = 50

// dbReport is what the database scenario measured: two replicas of one
// site in PostgreSQL, A taking the writes and B the reads.
type dbReport struct {
	Site     string `json:"site"`
	Versions int    `json:"versions"`
	// ImportSeconds is tolk import of the corpus (which also undoes the
	// writes of an earlier run).
	ImportSeconds float64 `json:"import_seconds"`
	// ColdStartSeconds are A's and B's cold starts: process start to
	// /readyz 200, from the database with an empty index directory.
	ColdStartSeconds []float64 `json:"cold_start_seconds"`
	// WarmStartSeconds is B's restart on its index directory after the
	// writes: process start to /readyz 200.
	WarmStartSeconds float64 `json:"warm_start_seconds"`
	// The steady stream: writes on A at WriteRate per second for
	// StreamSeconds; each write's round trip, and from its answer on A
	// to B serving it (a GET on B sending the write's Tolk-Seq as
	// Tolk-Min-Seq, which B answers once it has applied it).
	StreamSeconds float64 `json:"stream_seconds"`
	WriteRate     float64 `json:"write_rate_per_second"`
	Writes        int64   `json:"writes"`
	WriteP50US    float64 `json:"write_p50_us"`
	WriteP99US    float64 `json:"write_p99_us"`
	LagP50US      float64 `json:"propagation_p50_us"`
	LagP99US      float64 `json:"propagation_p99_us"`
	LagMaxUS      float64 `json:"propagation_max_us"`
	// Behind counts reads on B that gave up waiting (503 replica_behind)
	// or did not serve the write.
	Behind int64 `json:"behind"`
	// WriteThroughput is writes per second on A from 4 closed-loop
	// writers, over BurstSeconds.
	WriteThroughput float64 `json:"write_throughput_per_second"`
	BurstSeconds    float64 `json:"burst_seconds"`
	// Reads are B's read throughput, with writes streaming in on A and
	// without, in alternating slices.
	Reads []dbReadCell `json:"reads"`
}

// dbReadCell is one read route on B: quiet slices (no writes anywhere)
// and writing slices (the steady stream on A) alternating.
type dbReadCell struct {
	Route       string    `json:"route"`
	Concurrency int       `json:"concurrency"`
	QuietRPS    float64   `json:"quiet_rps"`
	WritingRPS  float64   `json:"writing_rps"`
	Ratio       float64   `json:"ratio"` // median of RoundRatios
	RoundRatios []float64 `json:"round_ratios"`
	QuietCPUUS  float64   `json:"quiet_cpu_us_per_request"`
	WritingCPU  float64   `json:"writing_cpu_us_per_request"`
	Errors      int64     `json:"errors"`
}

// dbReadConns is the read load's connection count on B.
const dbReadConns = 16

// dbScenario runs the database scenario: it imports the corpus at content
// into o.database as o.site, starts replicas A and B on it (each cold),
// streams writes on A while measuring B, and alternates B's read load with
// and without writes. Both replicas are stopped when it returns.
func dbScenario(ctx context.Context, o options, log *slog.Logger, load loader, tolk, content, tmp string, stderr io.Writer) (*dbReport, error) {
	rep := &dbReport{Site: o.site, WriteRate: o.writeRate}
	env := append(os.Environ(), "TOLK_DATABASE_URL="+o.database, "TOLK_SITE="+o.site, "TOLK_ADMIN_TOKEN="+dbToken)

	log.Info("importing the corpus", "site", o.site)
	t0 := time.Now()
	cmd := exec.CommandContext(ctx, tolk, "import", "--content", content)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("tolk import: %w\n%s", err, out)
	}
	rep.ImportSeconds = time.Since(t0).Seconds()
	log.Info("imported", "took", time.Since(t0).Round(time.Millisecond))

	// start starts a replica on an index directory of its own (empty the
	// first time: a cold start; kept after, a warm one) and returns it and
	// its address once /readyz says 200.
	profs := map[string]*profiler{} // by replica started; nil without --profile
	start := func(name string) (*process, string, error) {
		addr, err := freeAddr()
		if err != nil {
			return nil, "", err
		}
		prof, profArgs, err := newProfiler(o.profile)
		if err != nil {
			return nil, "", err
		}
		_, warm := profs[name] // started before: its index directory is kept
		t0 := time.Now()
		p, err := startProcessWith(tolk, append([]string{"serve", "--addr", addr, "--index", filepath.Join(tmp, "index-"+name),
			"--rate-limit", "0", "--log-level", "warn"}, profArgs...), env, &dropLines{w: stderr, drop: []byte("/readyz")})
		if err != nil {
			return nil, "", err
		}
		if err := waitReady(ctx, p, "http://"+addr+"/readyz", 10*time.Minute); err != nil {
			p.stop()
			return nil, "", err
		}
		profs[name] = prof
		if warm {
			rep.WarmStartSeconds = time.Since(t0).Seconds()
		} else {
			rep.ColdStartSeconds = append(rep.ColdStartSeconds, time.Since(t0).Seconds())
		}
		log.Info("replica ready", "replica", name, "start", time.Since(t0).Round(time.Millisecond))
		return p, addr, nil
	}
	a, aAddr, err := start("A")
	if err != nil {
		return nil, err
	}
	defer a.stop()
	b, bAddr, err := start("B")
	if err != nil {
		return nil, err
	}
	defer b.stop()
	if rep.Versions, err = versionCount(ctx, "http://"+bAddr); err != nil {
		return nil, err
	}

	w := &dbWriter{a: "http://" + aAddr, b: "http://" + bAddr, client: &http.Client{Timeout: 10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
	// Create the articles the stream rewrites, so that it measures
	// replacements, as an editor's saves are.
	for k := range dbWriteKeys {
		if _, err := w.put(ctx, k, "förberedelse"); err != nil {
			return nil, err
		}
	}

	log.Info("streaming writes on A, reading them on B", "rate", o.writeRate, "for", o.stream)
	var writes, lags histogram
	waitA, waitB := profs["A"].start(ctx, "database-stream-A", o.stream), profs["B"].start(ctx, "database-stream-B", o.stream)
	n, behind, err := w.stream(ctx, o.writeRate, o.stream, &writes, &lags)
	if err := errors.Join(err, waitA(), waitB()); err != nil {
		return nil, err
	}
	rep.StreamSeconds, rep.Writes, rep.Behind = o.stream.Seconds(), n, behind
	rep.WriteP50US, rep.WriteP99US = us(writes.percentile(0.5)), us(writes.percentile(0.99))
	rep.LagP50US, rep.LagP99US, rep.LagMaxUS = us(lags.percentile(0.5)), us(lags.percentile(0.99)), us(lags.max)
	log.Info("stream done", "writes", n, "write_p99", writes.percentile(0.99), "lag_p50", lags.percentile(0.5), "lag_p99", lags.percentile(0.99))

	burst := min(o.stream, 5*time.Second)
	if rep.WriteThroughput, err = w.burst(ctx, 4, burst); err != nil {
		return nil, err
	}
	rep.BurstSeconds = burst.Seconds()

	// B's reads, alternating quiet and writing slices of equal length.
	slice := o.duration / time.Duration(o.rounds)
	routes, err := buildRoutes([]string{"search", "article"}, articlePath(newGenerator().article(0).id), "")
	if err != nil {
		return nil, err
	}
	if err := preflight(ctx, bAddr, routes); err != nil {
		return nil, err
	}
	if _, err := load(ctx, bAddr, append(routes[0].reqs, routes[1].reqs...), dbReadConns, max(o.warmup, time.Second)); err != nil {
		return nil, err
	}
	for _, r := range routes {
		c := dbReadCell{Route: r.name, Concurrency: dbReadConns}
		var quiet, writing []*result
		for range o.rounds {
			q, err := measureCPU(ctx, load, b, bAddr, r.reqs, slice)
			if err != nil {
				return nil, err
			}
			wctx, stop := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() {
				var wh, lh histogram
				_, _, err := w.stream(wctx, o.writeRate, slice+time.Second, &wh, &lh)
				done <- err
			}()
			time.Sleep(200 * time.Millisecond) // the stream under way
			wr, err := measureCPU(ctx, load, b, bAddr, r.reqs, slice)
			stop()
			if err := errors.Join(err, <-done); err != nil {
				return nil, err
			}
			quiet, writing = append(quiet, q), append(writing, wr)
			if q.rps() > 0 {
				c.RoundRatios = append(c.RoundRatios, wr.rps()/q.rps())
			}
			c.Errors += q.errors + wr.errors
		}
		c.QuietRPS, c.WritingRPS = medianResult(quiet).rps(), medianResult(writing).rps()
		c.QuietCPUUS, c.WritingCPU = cpuPerRequest(quiet), cpuPerRequest(writing)
		if len(c.RoundRatios) > 0 {
			c.Ratio = median(c.RoundRatios)
		}
		log.Info("measured", "route", r.name, "quiet_rps", int(c.QuietRPS), "writing_rps", int(c.WritingRPS), "ratio", c.Ratio)
		rep.Reads = append(rep.Reads, c)
	}
	if err := errors.Join(a.exited(), b.exited()); err != nil {
		return nil, fmt.Errorf("during the database scenario: %w", err)
	}

	// B again, on the index directory it kept.
	b.stop()
	b, _, err = start("B")
	if err != nil {
		return nil, err
	}
	defer b.stop()
	return rep, nil
}

// measureCPU runs load on addr for d and records the CPU time p used.
func measureCPU(ctx context.Context, load loader, p *process, addr string, reqs []request, d time.Duration) (*result, error) {
	cpu0, cpuErr := cpuSeconds(p.pid())
	res, err := load(ctx, addr, reqs, dbReadConns, d)
	if err != nil {
		return nil, err
	}
	if cpu1, err := cpuSeconds(p.pid()); err == nil && cpuErr == nil {
		res.serverCPU = cpu1 - cpu0
	}
	return res, nil
}

// versionCount returns how many versions the server at base serves in
// the corpus's stored languages: the totals of /v1/articles in each,
// without fallback.
func versionCount(ctx context.Context, base string) (int, error) {
	n := 0
	for _, lang := range langTags {
		resp, body, err := fetch(ctx, base+"/v1/articles?fallback=none&per_page=1&lang="+lang)
		if err != nil {
			return 0, err
		}
		var list struct {
			Total *int `json:"total"`
		}
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &list) != nil || list.Total == nil {
			return 0, fmt.Errorf("GET /v1/articles?lang=%s: %s, no total in %.200s", lang, resp.Status, body)
		}
		n += *list.Total
	}
	return n, nil
}

// dbWriter writes on replica a and reads the writes back on replica b.
type dbWriter struct {
	a, b   string
	client *http.Client
	mu     sync.Mutex
	n      int // writes so far, numbering their words
}

// put writes the Swedish version of the k-th stream article with a body
// holding word, and returns the answer's Tolk-Seq.
func (w *dbWriter) put(ctx context.Context, k int, word string) (string, error) {
	id := fmt.Sprintf("dbbench-%d", k)
	body := fmt.Sprintf(`{"title": "Replikering %d", "slug": "%s", "published": "2024-01-01", "body_markdown": "Skrivning %s på replik A."}`, k, id, word)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, w.a+"/v1/articles/"+id+"/sv", strings.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+dbToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.client.Do(req)
	if err != nil {
		return "", err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("PUT %s on A: %s: %.300s", id, resp.Status, b)
	}
	seq := resp.Header.Get("Tolk-Seq")
	if seq == "" {
		return "", fmt.Errorf("PUT %s on A: no Tolk-Seq", id)
	}
	return seq, nil
}

// next returns the number of the next write.
func (w *dbWriter) next() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.n++
	return w.n
}

// stream writes on A at rate per second for d (or until ctx is done),
// recording each write's round trip in writes and, for each, the time
// from its answer to B serving it in lags. It returns the writes made and
// how many B did not serve within its wait (2 s).
func (w *dbWriter) stream(ctx context.Context, rate float64, d time.Duration, writes, lags *histogram) (int64, int64, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer tick.Stop()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		n, late int64
	)
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return n, late, nil
		case <-tick.C:
		}
		i := w.next()
		word := fmt.Sprintf("ord%d", i)
		t0 := time.Now()
		seq, err := w.put(ctx, i%dbWriteKeys, word)
		if err != nil {
			if ctx.Err() != nil {
				continue // cut off by the end of the stream
			}
			wg.Wait()
			return n, late, err
		}
		acked := time.Now()
		n++
		writes.record(acked.Sub(t0))
		wg.Go(func() {
			// The read's own context: the stream's end must not cut a
			// propagation short.
			ok := w.served(context.WithoutCancel(ctx), i%dbWriteKeys, seq, word)
			lag := time.Since(acked)
			mu.Lock()
			defer mu.Unlock()
			if !ok {
				late++
				return
			}
			lags.record(lag)
		})
	}
}

// served reports whether B serves the k-th stream article with word when
// asked with Tolk-Min-Seq: seq (it waits up to 2 s for B to apply it).
func (w *dbWriter) served(ctx context.Context, k int, seq, word string) bool {
	resp, body, err := fetch(ctx, w.b+fmt.Sprintf("/v1/articles/dbbench-%d?lang=sv", k), "Tolk-Min-Seq", seq)
	return err == nil && resp.StatusCode == http.StatusOK && strings.Contains(string(body), word)
}

// burst writes on A from conns closed-loop writers for d and returns the
// writes per second.
func (w *dbWriter) burst(ctx context.Context, conns int, d time.Duration) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		n    int64
		errs []error
	)
	for c := range conns {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := w.next()
				// Each writer its own articles: a burst of writers on one
				// article is a race an editor does not run.
				if _, err := w.put(ctx, c+conns*(i%(dbWriteKeys/conns)), fmt.Sprintf("ord%d", i)); err != nil {
					if ctx.Err() == nil {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
						cancel()
					}
					return
				}
				mu.Lock()
				n++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	return float64(n) / min(time.Since(start), d).Seconds(), nil
}

// printDatabase prints the database scenario's figures.
func printDatabase(w io.Writer, r *dbReport) {
	if r == nil {
		return
	}
	d := func(v float64) string { return fmtMicros(v) }
	fmt.Fprintf(w, "\nDatabase mode: site %q, %d versions; replica A takes the writes, replica B the reads\n", r.Site, r.Versions)
	fmt.Fprintf(w, "tolk import of the corpus: %.1fs\n", r.ImportSeconds)
	for i, s := range r.ColdStartSeconds {
		fmt.Fprintf(w, "cold start of replica %c (process start to /readyz 200, empty index directory): %.1fs\n", 'A'+i, s)
	}
	fmt.Fprintf(w, "restart of replica B on its index directory, after the writes: %.1fs\n", r.WarmStartSeconds)
	fmt.Fprintf(w, "steady stream, %.0f writes/s on A for %.0fs: %d writes, write p50 %s p99 %s\n", r.WriteRate, r.StreamSeconds, r.Writes, d(r.WriteP50US), d(r.WriteP99US))
	fmt.Fprintf(w, "propagation, A's answer to B serving it: p50 %s p99 %s max %s; %d not served within 2 s\n", d(r.LagP50US), d(r.LagP99US), d(r.LagMaxUS), r.Behind)
	fmt.Fprintf(w, "write throughput on A, 4 closed-loop writers for %.0fs: %.1f writes/s\n", r.BurstSeconds, r.WriteThroughput)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "reads on B\tconc\tno writes req/s\twrites req/s\tratio (rounds)\tCPU/req no writes\tCPU/req writes\terrors\t")
	for _, c := range r.Reads {
		var rs []string
		for _, x := range c.RoundRatios {
			rs = append(rs, fmt.Sprintf("%.2f", x))
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.0f\t%.2f (%s)\t%.1fµs\t%.1fµs\t%d\t\n", c.Route, c.Concurrency, c.QuietRPS, c.WritingRPS, c.Ratio,
			strings.Join(rs, " "), c.QuietCPUUS, c.WritingCPU, c.Errors)
	}
	tw.Flush()
}

// checkSite refuses a --site that tolk would refuse, before minutes of
// corpus generation.
func checkSite(site string) error {
	if site == "" || strings.Trim(site, "abcdefghijklmnopqrstuvwxyz0123456789_-") != "" {
		return fmt.Errorf("--site %q: want lower-case letters, digits, _ and -", site)
	}
	return nil
}
