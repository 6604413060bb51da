package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// report is everything one benchmark run measured; --json writes it.
type report struct {
	Started        time.Time      `json:"started"`
	Generator      string         `json:"generator"`
	Articles       int            `json:"articles"`
	CorpusCached   bool           `json:"corpus_cached"`
	CellSeconds    float64        `json:"cell_seconds"`
	Rounds         int            `json:"rounds"` // alternating slices of each cell compared with the baseline
	CPUs           int            `json:"cpus"`
	LoadAvgStart   string         `json:"load_average_start"`
	LoadAvgEnd     string         `json:"load_average_end"`
	ArticlePath    string         `json:"article_path"`
	ArticleBytes   int            `json:"article_bytes"`
	Cells          []cell         `json:"cells"`
	RSSWarmKiB     int64          `json:"tolk_rss_after_warmup_kib"`
	RSSLoadKiB     int64          `json:"tolk_rss_after_load_kib"`
	BaselineRSSKiB int64          `json:"baseline_rss_after_load_kib"`
	StartupMS      float64        `json:"startup_ms"`
	IndexVersions  int            `json:"index_versions"`
	IndexSeconds   float64        `json:"index_seconds"`
	IndexRate      float64        `json:"index_versions_per_second"`
	Flood          []floodCell    `json:"flood,omitempty"`
	Soak           []soakInterval `json:"soak,omitempty"`
	Abuse          *abuseReport   `json:"abuse,omitempty"`
	Database       *dbReport      `json:"database,omitempty"`
}

// cell is one route at one concurrency on one server.
type cell struct {
	Route       string   `json:"route"`
	Server      string   `json:"server"` // "tolk" or "baseline"
	Concurrency int      `json:"concurrency"`
	Requests    int64    `json:"requests"`
	RPS         float64  `json:"requests_per_second"`
	P50US       float64  `json:"p50_us"`
	P99US       float64  `json:"p99_us"`
	P999US      float64  `json:"p999_us"`
	Errors      int64    `json:"errors"`
	Ratio       *float64 `json:"ratio_to_baseline,omitempty"` // median of RoundRatios, article routes only
	// RoundRatios are Tolk's rps over the baseline's in each round of
	// alternating slices; the cell's figures are those of its median
	// round.
	RoundRatios []float64 `json:"round_ratios,omitempty"`
	// ServerCPUUS is the server process's CPU time per request (user and
	// system, from /proc), over every round: less noisy than throughput
	// on a shared machine, though the kernel's share of loopback traffic
	// is split between the server and the generator as the scheduler
	// happens to charge it.
	ServerCPUUS float64 `json:"server_cpu_us_per_request,omitempty"`
}

// newCell summarizes res.
func newCell(route, server string, conc int, res *result) cell {
	p50, p99, p999 := res.percentiles()
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	return cell{
		Route: route, Server: server, Concurrency: conc,
		Requests: res.requests, RPS: res.rps(),
		P50US: us(p50), P99US: us(p99), P999US: us(p999),
		Errors: res.errors,
	}
}

// printTable writes the report as a table followed by Tolk's memory,
// start-up time and index build rate.
func (r *report) printTable(w io.Writer) {
	fmt.Fprintf(w, "\nTolk load benchmark: %d articles × 3 languages, %s generator, %gs per cell, %d CPUs, load average %s at start, %s at end\n",
		r.Articles, r.Generator, r.CellSeconds, r.CPUs, r.LoadAvgStart, r.LoadAvgEnd)
	fmt.Fprintf(w, "article route: GET %s (%d bytes)\n", r.ArticlePath, r.ArticleBytes)
	if r.Rounds > 1 {
		fmt.Fprintf(w, "cells with a baseline: %d rounds of alternating Tolk and baseline slices; figures of the median round, ratio the median of the rounds' ratios (each in brackets)\n", r.Rounds)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "route\tconc\treq/s\tp50\tp99\tp99.9\terrors\tCPU/req\tvs baseline\t")
	for _, c := range r.Cells {
		name := c.Route
		if c.Server != "tolk" {
			name += " (" + c.Server + ")"
		}
		ratio := ""
		if c.Ratio != nil {
			ratio = fmt.Sprintf("%.2f", *c.Ratio)
			if len(c.RoundRatios) > 1 {
				var rs []string
				for _, x := range c.RoundRatios {
					rs = append(rs, fmt.Sprintf("%.2f", x))
				}
				ratio += " (" + strings.Join(rs, " ") + ")"
			}
		}
		cpu := "-"
		if c.ServerCPUUS > 0 {
			cpu = fmt.Sprintf("%.1fµs", c.ServerCPUUS)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%s\t%s\t%d\t%s\t%s\t\n", name, c.Concurrency, c.RPS,
			fmtMicros(c.P50US), fmtMicros(c.P99US), fmtMicros(c.P999US), c.Errors, cpu, ratio)
	}
	tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Tolk resident memory (VmRSS): %s after warm-up, %s after the load (baseline: %s)\n",
		fmtKiB(r.RSSWarmKiB), fmtKiB(r.RSSLoadKiB), fmtKiB(r.BaselineRSSKiB))
	fmt.Fprintf(w, "Tolk start-up on the persisted index, process start to /readyz 200: %.2fs\n", r.StartupMS/1000)
	fmt.Fprintf(w, "Index build (tolk index, loading the tree included): %d versions in %.1fs, %.0f versions/s\n",
		r.IndexVersions, r.IndexSeconds, r.IndexRate)
}

// writeJSON writes the report to file as indented JSON.
func (r *report) writeJSON(file string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(file, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// fmtMicros formats a latency in microseconds with three significant
// digits in a fitting unit.
func fmtMicros(us float64) string {
	switch {
	case us <= 0:
		return "-"
	case us < 1000:
		return fmt.Sprintf("%.0fµs", us)
	case us < 1e6:
		return fmt.Sprintf("%.2fms", us/1e3)
	default:
		return fmt.Sprintf("%.2fs", us/1e6)
	}
}

// fmtKiB formats a memory size given in KiB.
func fmtKiB(k int64) string {
	if k <= 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.1f MiB", float64(k)/1024)
}

// loadAverage returns the 1, 5 and 15 minute load averages, or "unknown".
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
