package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "tolkbench:", err)
		os.Exit(1)
	}
}

// options are tolkbench's flags.
type options struct {
	articles     int
	concurrency  []int
	duration     time.Duration
	rounds       int // alternating Tolk and baseline slices per compared cell
	warmup       time.Duration
	generator    string        // go, wrk or auto
	flood        bool          // also run the search-flood scenario
	soak         time.Duration // run the soak for this long; 0 skips it
	soakInterval time.Duration // reporting interval of the soak
	routes       []string
	tolk         string // a tolk binary; "" builds one
	jsonFile     string
	cacheDir     string  // "" keeps no cache
	abuse        int     // run only the abuse scenario with this many requests
	abuseRate    float64 // of the abuse scenario, per second; 0 unpaced
	profile      string  // directory for CPU profiles of the Tolk server; "" takes none
	database     string  // run only the database scenario on this PostgreSQL URL
	site         string  // of the database scenario
	writeRate    float64 // of the database scenario's steady stream, per second
	stream       time.Duration
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	o := options{concurrency: []int{1, 16, 64}, routes: routeNames, site: "tolkbench", writeRate: 10, stream: 30 * time.Second}
	if dir, err := os.UserCacheDir(); err == nil {
		o.cacheDir = filepath.Join(dir, "tolk-bench")
	}
	fs := flag.NewFlagSet("tolkbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.articles, "articles", 10000, "articles in the generated corpus (each in sv, en and zh-Hans)")
	fs.Func("concurrency", "comma-separated connection counts (default 1,16,64)", func(s string) error {
		o.concurrency = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				return fmt.Errorf("bad concurrency %q", f)
			}
			o.concurrency = append(o.concurrency, n)
		}
		return nil
	})
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured time per route and concurrency")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds of a cell compared with the baseline: the duration is split into this many alternating Tolk and baseline slices, so that both see the same background load")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured warm-up before each measurement")
	fs.StringVar(&o.generator, "generator", "auto", "load generator: go, wrk, or auto (wrk when installed)")
	fs.BoolVar(&o.flood, "flood", false, "also measure article reads while search is flooded, with and without the rate limit")
	fs.DurationVar(&o.soak, "soak", 0, "also run a soak of this length mixing reads, searches and writes (e.g. 5m)")
	fs.IntVar(&o.abuse, "abuse", 0, "run only the abuse scenario: this many requests with unique junk in every parameter, header and method of every GET route (e.g. 100000), against a server with default limits")
	fs.Float64Var(&o.abuseRate, "abuse-rate", 2000, "requests per second of the abuse scenario (a scanner's pace); 0 sends as fast as 32 connections can")
	fs.StringVar(&o.database, "database", "", "run only the database scenario on this PostgreSQL database (postgres://…): import the corpus as --site, start two replicas (cold), stream writes on one and read on the other (propagation lag, write p50/p99, write throughput, reads with and without writes in alternating slices of --duration/--rounds)")
	fs.StringVar(&o.site, "site", o.site, "site of the database scenario in --database (its content is replaced by the corpus)")
	fs.Float64Var(&o.writeRate, "write-rate", o.writeRate, "writes per second of the database scenario's steady stream")
	fs.DurationVar(&o.stream, "stream", o.stream, "length of the database scenario's measured steady stream of writes")
	fs.DurationVar(&o.soakInterval, "soak-interval", 30*time.Second, "reporting interval of the soak")
	fs.Func("routes", "comma-separated routes to measure (default "+strings.Join(routeNames, ",")+"; also "+headersRoute+": the article against bare Gin sending Tolk's response headers)", func(s string) error {
		o.routes = nil
		for _, f := range strings.Split(s, ",") {
			f = strings.TrimSpace(f)
			if !slices.Contains(allRoutes, f) {
				return fmt.Errorf("unknown route %q (want some of %s)", f, strings.Join(allRoutes, ","))
			}
			o.routes = append(o.routes, f)
		}
		return nil
	})
	quick := fs.Bool("quick", false, "smoke test: 1,000 articles and 3s cells unless --articles or --duration say otherwise")
	fs.StringVar(&o.tolk, "tolk", "", "tolk binary to measure; empty builds ./cmd/tolk")
	fs.StringVar(&o.jsonFile, "json", "", "also write the results to this file as JSON")
	fs.StringVar(&o.profile, "profile", "", "write CPU profiles of the Tolk server to this directory, one per measured Tolk slice (and the abuse scenario's calm and abused phases, and each replica's during the database scenario's stream), taken through tolk serve --metrics-addr")
	fs.StringVar(&o.cacheDir, "cache", o.cacheDir, "directory of cached corpora; empty generates into a temporary directory")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: go run ./cmd/tolkbench [flags]

tolkbench generates a corpus, builds and indexes it with tolk, starts tolk
serve and a bare Gin baseline on 127.0.0.1, and measures them under load.

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	set := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *quick {
		if !set["articles"] {
			o.articles = 1000
		}
		if !set["duration"] {
			o.duration = 3 * time.Second
		}
	}
	if !set["rounds"] {
		// Slices of at least a second.
		o.rounds = max(1, min(o.rounds, int(o.duration/time.Second)))
	}
	var errs []error
	if o.articles < 1 {
		errs = append(errs, errors.New("--articles must be at least 1"))
	}
	if o.duration < time.Second {
		errs = append(errs, errors.New("--duration must be at least 1s"))
	}
	if o.rounds < 1 || o.duration/time.Duration(max(o.rounds, 1)) < time.Second {
		errs = append(errs, errors.New("--rounds must be at least 1 and leave each slice of --duration at least 1s"))
	}
	if o.warmup < 0 {
		errs = append(errs, errors.New("--warmup must not be negative"))
	}
	if o.database != "" {
		if err := checkSite(o.site); err != nil {
			errs = append(errs, err)
		}
		if o.writeRate <= 0 || o.writeRate > 1000 {
			errs = append(errs, errors.New("--write-rate must be above 0 and at most 1000"))
		}
		if o.stream < time.Second {
			errs = append(errs, errors.New("--stream must be at least 1s"))
		}
	}
	switch o.generator {
	case "go", "wrk", "auto":
	default:
		errs = append(errs, fmt.Errorf("--generator %q: want go, wrk or auto", o.generator))
	}
	return o, errors.Join(errs...)
}

// run is the whole program. With --baseline-serve first it is the
// baseline server that the benchmark starts; otherwise the benchmark.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && strings.TrimLeft(strings.SplitN(args[0], "=", 2)[0], "-") == "baseline-serve" {
		return serveBaseline(ctx, args, stderr)
	}
	if len(args) > 0 && strings.TrimLeft(strings.SplitN(args[0], "=", 2)[0], "-") == "bleve-serve" {
		return serveBleve(ctx, args, stderr)
	}
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	rep, err := bench(ctx, o, log, stderr)
	if err != nil {
		return err
	}
	if rep.Database == nil {
		rep.printTable(stdout)
	} else {
		fmt.Fprintf(stdout, "\nTolk database benchmark: %d articles × 3 languages, %s generator, %d CPUs, load average %s at start, %s at end\n",
			rep.Articles, rep.Generator, rep.CPUs, rep.LoadAvgStart, rep.LoadAvgEnd)
	}
	printFlood(stdout, rep.Flood)
	printSoak(stdout, rep.Soak)
	printAbuse(stdout, rep.Abuse)
	printDatabase(stdout, rep.Database)
	if o.jsonFile != "" {
		return rep.writeJSON(o.jsonFile)
	}
	return nil
}

// loader runs one measurement: conns clients sending reqs to addr for d.
type loader func(ctx context.Context, addr string, reqs []request, conns int, d time.Duration) (*result, error)

// bench runs the benchmark that o describes; the servers' own output goes
// to stderr. Every process it starts is stopped before it returns, also
// when ctx is canceled.
func bench(ctx context.Context, o options, log *slog.Logger, stderr io.Writer) (*report, error) {
	rep := &report{
		Started: time.Now().UTC(), Articles: o.articles, CellSeconds: o.duration.Seconds(), Rounds: o.rounds,
		CPUs: runtime.NumCPU(), LoadAvgStart: loadAverage(),
	}
	tmp, err := os.MkdirTemp("", "tolkbench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	load, genName, err := chooseLoader(o.generator, tmp)
	if err != nil {
		return nil, err
	}
	rep.Generator = genName

	log.Info("preparing the corpus", "articles", o.articles, "cache", o.cacheDir)
	content, cached, err := cachedCorpus(ctx, o.cacheDir, tmp, o.articles)
	if err != nil {
		return nil, err
	}
	rep.CorpusCached = cached
	log.Info("corpus ready", "dir", content, "cached", cached)

	tolk := o.tolk
	if tolk == "" {
		log.Info("building tolk")
		if tolk, err = buildTolk(ctx, tmp); err != nil {
			return nil, err
		}
	}

	if o.database != "" {
		if rep.Database, err = dbScenario(ctx, o, log, load, tolk, content, tmp, stderr); err != nil {
			return nil, err
		}
		rep.LoadAvgEnd = loadAverage()
		return rep, nil
	}

	indexDir := filepath.Join(tmp, "index")
	log.Info("building the index", "dir", indexDir)
	ix, err := runIndex(ctx, tolk, content, indexDir)
	if err != nil {
		return nil, err
	}
	rep.IndexVersions, rep.IndexSeconds, rep.IndexRate = ix.versions, ix.took.Seconds(), ix.rate()
	log.Info("index built", "versions", ix.versions, "took", ix.took.Round(time.Millisecond))

	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	prof, profArgs, err := newProfiler(o.profile)
	if err != nil {
		return nil, err
	}
	log.Info("starting tolk serve", "addr", addr)
	t0 := time.Now()
	srv, err := startProcess(tolk, append([]string{"serve", "--addr", addr, "--content", content, "--index", indexDir,
		"--rate-limit", "0", "--rescan", "0", "--log-level", "warn"}, profArgs...), &dropLines{w: stderr, drop: []byte("/readyz")})
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	if err := waitReady(ctx, srv, "http://"+addr+"/readyz", 10*time.Minute); err != nil {
		return nil, err
	}
	rep.StartupMS = float64(time.Since(t0)) / float64(time.Millisecond)
	log.Info("tolk ready", "startup", time.Since(t0).Round(time.Millisecond))

	// The article every article route asks for, and the baseline serving
	// its exact bytes.
	rep.ArticlePath = articlePath(newGenerator().article(0).id)
	resp, body, err := fetch(ctx, "http://"+addr+rep.ArticlePath)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == "" {
		return nil, fmt.Errorf("GET %s: %s (ETag %q), want 200 with an ETag", rep.ArticlePath, resp.Status, resp.Header.Get("ETag"))
	}
	rep.ArticleBytes = len(body)
	var baseProf *profiler // profiles of the baseline, with --profile
	var baseArgs []string
	if prof != nil {
		if baseProf, baseArgs, err = newProfiler(prof.dir); err != nil {
			return nil, err
		}
		baseArgs[0] = "--baseline-pprof"
	}
	baseAddr, base, err := startBaseline(ctx, tmp, body, resp.Header.Get("Content-Type"), baseArgs, stderr)
	if err != nil {
		return nil, err
	}
	defer base.stop()

	if o.abuse > 0 {
		srv.stop() // the abuse server reopens the same index, with default limits
		if rep.Abuse, err = abuseScenario(ctx, o.abuse, o.abuseRate, log, tolk, content, indexDir, rep.ArticlePath, prof, stderr); err != nil {
			return nil, err
		}
		rep.LoadAvgEnd = loadAverage()
		return rep, nil
	}

	names := slices.DeleteFunc(slices.Clone(o.routes), func(n string) bool { return n == distinctRoute })
	routes, err := buildRoutes(names, rep.ArticlePath, resp.Header.Get("ETag"))
	if err != nil {
		return nil, err
	}
	if slices.Contains(names, headersRoute) {
		// The second baseline: Tolk's headers, as Tolk sent them.
		var hdr []string
		for k, vs := range resp.Header {
			if k != "Date" && k != "Content-Length" && k != "Content-Type" {
				for _, v := range vs {
					hdr = append(hdr, k+": "+v)
				}
			}
		}
		slices.Sort(hdr)
		file := filepath.Join(tmp, "baseline-headers")
		if err := os.WriteFile(file, []byte(strings.Join(hdr, "\n")+"\n"), 0o644); err != nil {
			return nil, err
		}
		hbArgs := []string{"--baseline-headers", file}
		if prof != nil {
			var pa []string
			if _, pa, err = newProfiler(prof.dir); err != nil {
				return nil, err
			}
			hbArgs = append(hbArgs, "--baseline-pprof", pa[1])
		}
		hAddr, hp, err := startBaseline(ctx, tmp, body, resp.Header.Get("Content-Type"), hbArgs, stderr)
		if err != nil {
			return nil, err
		}
		defer hp.stop()
		for i := range routes {
			if routes[i].name == headersRoute {
				routes[i].baseAddr, routes[i].baseProc = hAddr, hp
				if prof != nil {
					routes[i].baseProf = &profiler{dir: prof.dir, addr: hbArgs[3]}
				}
			}
		}
	}
	if err := preflight(ctx, addr, routes); err != nil {
		return nil, err
	}

	// Warm up every route once, then take the resident memory.
	var all []request
	for _, r := range routes {
		all = append(all, r.reqs...)
	}
	log.Info("warming up", "requests", len(all))
	if len(all) > 0 { // none when only search-distinct is measured
		if _, err := goLoad(ctx, addr, all, 16, max(2*o.warmup, 2*time.Second)); err != nil {
			return nil, err
		}
	}
	if rep.RSSWarmKiB, err = residentKiB(srv.pid()); err != nil {
		log.Warn("no resident memory", "err", err)
	}

	// The distinct-query route, against a bare Bleve index of the same
	// documents.
	var distinct *rotation
	if slices.Contains(o.routes, distinctRoute) {
		log.Info("starting the bare Bleve baseline", "articles", o.articles)
		bleveAddr, bp, err := startBleve(ctx, o.articles, stderr)
		if err != nil {
			return nil, err
		}
		defer bp.stop()
		distinct = &rotation{reqs: distinctQueries(o.articles, distinctPool), next: map[string]int{}}
		routes = append(routes, route{name: distinctRoute, baseline: true, baseAddr: bleveAddr, baseProc: bp, loader: goLoad})
		if err := preflight(ctx, addr, []route{{name: distinctRoute, reqs: distinct.reqs[:30]}}); err != nil {
			return nil, err
		}
	}

	profiled := 0 // profiles taken, numbering their files
	measure := func(r route, server, addr string, conns int, d time.Duration) (*result, error) {
		load := load
		if r.loader != nil {
			load = r.loader
		}
		reqs := r.reqs
		if r.name == distinctRoute {
			reqs = distinct.take(server)
		}
		if o.warmup > 0 {
			res, err := load(ctx, addr, reqs, conns, o.warmup)
			if err != nil {
				return nil, err
			}
			if r.name == distinctRoute {
				distinct.used(server, res.requests, conns)
				reqs = distinct.take(server)
			}
		}
		// The measured server's process, profiled with --profile.
		pid, p, name := srv.pid(), prof, r.name
		switch {
		case server != "tolk" && r.baseProc != nil:
			pid, p, name = r.baseProc.pid(), r.baseProf, "baseline-"+r.name
		case server != "tolk":
			pid, p, name = base.pid(), baseProf, "baseline-"+r.name
		}
		profiled++
		wait := p.start(ctx, fmt.Sprintf("%s-c%d-%d", name, conns, profiled), d)
		cpu0, cpuErr := cpuSeconds(pid)
		res, err := load(ctx, addr, reqs, conns, d)
		if err := errors.Join(err, wait()); err != nil {
			return nil, err
		}
		if cpu1, err := cpuSeconds(pid); err == nil && cpuErr == nil {
			res.serverCPU = cpu1 - cpu0
		}
		if r.name == distinctRoute {
			distinct.used(server, res.requests, conns)
		}
		if err := errors.Join(srv.exited(), base.exited()); err != nil {
			return nil, fmt.Errorf("during the load: %w", err)
		}
		log.Info("measured", "route", r.name, "server", server, "concurrency", conns, "rps", int(res.rps()), "errors", res.errors)
		return res, nil
	}
	for _, r := range routes {
		for _, c := range o.concurrency {
			if !r.baseline {
				res, err := measure(r, "tolk", addr, c, o.duration)
				if err != nil {
					return nil, err
				}
				cl := newCell(r.name, "tolk", c, res)
				cl.ServerCPUUS = cpuPerRequest([]*result{res})
				rep.Cells = append(rep.Cells, cl)
				continue
			}
			// Alternate Tolk and the baseline in slices, so that a burst
			// of other work on the machine hits both alike.
			var tres, bres []*result
			var ratios []float64
			for range o.rounds {
				t, err := measure(r, "tolk", addr, c, o.duration/time.Duration(o.rounds))
				if err != nil {
					return nil, err
				}
				b, err := measure(r, "baseline", cmp.Or(r.baseAddr, baseAddr), c, o.duration/time.Duration(o.rounds))
				if err != nil {
					return nil, err
				}
				tres, bres = append(tres, t), append(bres, b)
				if b.rps() > 0 {
					ratios = append(ratios, t.rps()/b.rps())
				}
			}
			tc := newCell(r.name, "tolk", c, medianResult(tres))
			bc := newCell(r.name, "baseline", c, medianResult(bres))
			tc.ServerCPUUS, bc.ServerCPUUS = cpuPerRequest(tres), cpuPerRequest(bres)
			if len(ratios) > 0 {
				ratio := median(ratios)
				tc.Ratio, tc.RoundRatios = &ratio, ratios
			}
			rep.Cells = append(rep.Cells, tc, bc)
		}
	}
	if rep.RSSLoadKiB, err = residentKiB(srv.pid()); err != nil {
		log.Warn("no resident memory", "err", err)
	}
	rep.BaselineRSSKiB, _ = residentKiB(base.pid())
	if o.flood {
		srv.stop() // the flood servers reopen the same index
		if rep.Flood, err = floodScenario(ctx, o, log, tolk, content, indexDir, rep.ArticlePath, stderr); err != nil {
			return nil, err
		}
	}
	if o.soak > 0 {
		srv.stop()
		if rep.Soak, err = soak(ctx, o, log, tolk, tmp, stderr); err != nil {
			return nil, err
		}
	}
	rep.LoadAvgEnd = loadAverage()
	return rep, nil
}

// medianResult returns the result of median throughput.
func medianResult(rs []*result) *result {
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b *result) int { return cmp.Compare(a.rps(), b.rps()) })
	return s[len(s)/2]
}

// cpuPerRequest returns the server's CPU time per completed request over
// rs, in microseconds; 0 when unknown.
func cpuPerRequest(rs []*result) float64 {
	var cpu float64
	var n int64
	for _, r := range rs {
		cpu += r.serverCPU
		n += r.requests
	}
	if n == 0 {
		return 0
	}
	return cpu / float64(n) * 1e6
}

// median returns the median of xs, which is not empty.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

// chooseLoader returns the load generator that name asks for and its
// description.
func chooseLoader(name, tmp string) (loader, string, error) {
	wrk, lookErr := exec.LookPath("wrk")
	switch {
	case name == "go" || (name == "auto" && lookErr != nil):
		return goLoad, "go (closed loop, keep-alive)", nil
	case lookErr != nil:
		return nil, "", fmt.Errorf("--generator wrk: %w (Debian: apt-get install wrk)", lookErr)
	}
	dir := filepath.Join(tmp, "wrk")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", err
	}
	l := func(ctx context.Context, addr string, reqs []request, conns int, d time.Duration) (*result, error) {
		return wrkLoad(ctx, wrk, dir, addr, reqs, conns, d)
	}
	return l, "wrk", nil
}

// startBaseline starts tolkbench itself in its baseline mode, serving body
// as contentType (with the extra flags), and waits until it answers.
func startBaseline(ctx context.Context, tmp string, body []byte, contentType string, extra []string, stderr io.Writer) (string, *process, error) {
	self, err := os.Executable()
	if err != nil {
		return "", nil, fmt.Errorf("baseline: %w", err)
	}
	bodyFile := filepath.Join(tmp, "baseline-body")
	if err := os.WriteFile(bodyFile, body, 0o644); err != nil {
		return "", nil, fmt.Errorf("baseline: %w", err)
	}
	addr, err := freeAddr()
	if err != nil {
		return "", nil, err
	}
	p, err := startProcess(self, append([]string{"--baseline-serve", addr, "--baseline-body", bodyFile, "--baseline-content-type", contentType}, extra...), stderr)
	if err != nil {
		return "", nil, err
	}
	url := "http://" + addr + "/v1/articles/baseline"
	if err := waitReady(ctx, p, url, 30*time.Second); err != nil {
		p.stop()
		return "", nil, err
	}
	_, got, err := fetch(ctx, url)
	if err != nil || !bytes.Equal(got, body) {
		p.stop()
		return "", nil, fmt.Errorf("baseline does not serve the article's bytes (err %v)", err)
	}
	return addr, p, nil
}

// preflight sends every request of every route once and fails unless each
// answers 2xx or 3xx, so that a misconfigured server (a rate limit left
// on, a route renamed) is caught before minutes of load.
func preflight(ctx context.Context, addr string, routes []route) error {
	for _, r := range routes {
		for _, q := range r.reqs {
			var hdr []string
			for _, h := range q.header {
				hdr = append(hdr, h[0], h[1])
			}
			resp, body, err := fetch(ctx, "http://"+addr+q.path, hdr...)
			if err != nil {
				return fmt.Errorf("route %s: %w", r.name, err)
			}
			if resp.StatusCode < 200 || resp.StatusCode >= 400 {
				return fmt.Errorf("route %s: GET %s answered %s: %.300s", r.name, q.path, resp.Status, body)
			}
		}
	}
	return nil
}
