package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/amal-kommun/tolk/index"
	"github.com/amal-kommun/tolk/internal/config"
	"github.com/amal-kommun/tolk/internal/load"
)

// buildIndex builds the persistent search index of a content tree, so that
// a server started on it opens without indexing.
func buildIndex(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Parse(config.Index, args, getenv, stderr)
	if err != nil {
		return flagErr(err)
	}
	fsys, name, err := contentFS(cfg.Content)
	if err != nil {
		return err
	}
	start := time.Now()
	lib, problems, err := load.Load(ctx, fsys)
	if err != nil {
		return fmt.Errorf("load %s: %w", name, err)
	}
	for _, p := range problems {
		fmt.Fprintln(stderr, p)
	}
	loaded := time.Since(start)
	ix, err := index.Open(ctx, index.Options{Dir: cfg.Index}, lib.All())
	if err != nil {
		return fmt.Errorf("build index: %w", err)
	}
	n := ix.DocCount()
	if err := ix.Close(); err != nil {
		return fmt.Errorf("close index: %w", err)
	}
	took := time.Since(start)
	fmt.Fprintf(stdout, "indexed %d versions of %s in %s (load %s, %.0f versions/s) into %s\n",
		n, name, took.Round(time.Millisecond), loaded.Round(time.Millisecond), float64(n)/took.Seconds(), cfg.Index)
	return nil
}
