package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"sync"
	"text/tabwriter"
	"time"
)

// floodCell is article reads measured while search is flooded (or not).
type floodCell struct {
	Scenario     string  `json:"scenario"`
	ArticleRPS   float64 `json:"article_requests_per_second"`
	ArticleP99US float64 `json:"article_p99_us"`
	Ratio        float64 `json:"ratio_to_calm"` // article req/s relative to the calm run of the same server
	FloodServed  float64 `json:"flood_served_per_second"`
	FloodRefused float64 `json:"flood_refused_per_second"` // 429 and 503 answers
}

// floodQueries returns n distinct searches that no answer cache holds:
// corpus words with a number, so each one costs a real index search.
func floodQueries(n int) []request {
	out := make([]request, n)
	for i := range out {
		q := searchQueries[i%len(searchQueries)]
		out[i] = request{path: "/v1/search?lang=" + url.QueryEscape(q.lang) + "&q=" + url.QueryEscape(fmt.Sprintf("%s %d", q.q, 1000+i))}
	}
	return out
}

// floodScenario measures what a search flood does to article reads: for a
// server with the default per-client rate limit, and for one without it
// (only the bound on concurrent searches), it compares the article route
// at concurrency 16 alone and while 64 connections send distinct searches.
func floodScenario(ctx context.Context, o options, log *slog.Logger, tolk, content, indexDir, articlePath string, stderr io.Writer) ([]floodCell, error) {
	article := []request{{path: articlePath}}
	var cells []floodCell
	for _, sc := range []struct {
		name string
		args []string
	}{
		{"rate limit on (default 20/s per client)", nil},
		{"rate limit off (only --max-searches)", []string{"--rate-limit", "0"}},
	} {
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		args := append([]string{"serve", "--addr", addr, "--content", content, "--index", indexDir, "--rescan", "0", "--log-level", "error"}, sc.args...)
		srv, err := startProcess(tolk, args, &dropLines{w: stderr, drop: []byte("/readyz")})
		if err != nil {
			return nil, err
		}
		if err := waitReady(ctx, srv, "http://"+addr+"/readyz", 10*time.Minute); err != nil {
			srv.stop()
			return nil, err
		}
		if _, err := goLoad(ctx, addr, article, 16, time.Second); err != nil { // warm up
			srv.stop()
			return nil, err
		}
		calm, err := goLoad(ctx, addr, article, 16, o.duration)
		if err != nil {
			srv.stop()
			return nil, err
		}
		var flood *result
		var floodErr error
		var wg sync.WaitGroup
		wg.Go(func() { flood, floodErr = goLoad(ctx, addr, floodQueries(200_000), 64, o.duration+time.Second) })
		time.Sleep(500 * time.Millisecond) // let the flood build up
		stormy, err := goLoad(ctx, addr, article, 16, o.duration)
		wg.Wait()
		srv.stop()
		if err = firstErr(err, floodErr); err != nil {
			return nil, err
		}
		_, calmP99, _ := calm.percentiles()
		_, p99, _ := stormy.percentiles()
		secs := flood.elapsed.Seconds()
		c := floodCell{
			Scenario: sc.name, ArticleRPS: stormy.rps(), ArticleP99US: float64(p99.Microseconds()),
			Ratio:        stormy.rps() / calm.rps(),
			FloodServed:  float64(flood.requests-flood.errors) / secs,
			FloodRefused: float64(flood.errors) / secs,
		}
		log.Info("flood measured", "scenario", sc.name, "calm_rps", int(calm.rps()), "calm_p99", calmP99, "flooded_rps", int(stormy.rps()), "ratio", fmt.Sprintf("%.2f", c.Ratio))
		cells = append(cells, floodCell{Scenario: sc.name + ", calm", ArticleRPS: calm.rps(), ArticleP99US: float64(calmP99.Microseconds()), Ratio: 1}, c)
	}
	return cells, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// printFlood prints the flood scenario's table.
func printFlood(w io.Writer, cells []floodCell) {
	if len(cells) == 0 {
		return
	}
	fmt.Fprintln(w, "\nArticle reads (concurrency 16) while 64 connections flood search with distinct queries:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tarticle req/s\tarticle p99\tvs calm\tsearches served/s\tsearches refused/s\t")
	for _, c := range cells {
		fmt.Fprintf(tw, "%s\t%.0f\t%s\t%.2f\t%.0f\t%.0f\t\n", c.Scenario, c.ArticleRPS, time.Duration(c.ArticleP99US)*time.Microsecond, c.Ratio, c.FloodServed, c.FloodRefused)
	}
	tw.Flush()
}
