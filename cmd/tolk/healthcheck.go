package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/amal-kommun/tolk/internal/config"
)

// healthcheck exits 0 when the server at --url answers 200; containers use
// it as HEALTHCHECK, since the image has no shell or curl.
func healthcheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Parse(config.Healthcheck, args, getenv, stderr)
	if err != nil {
		return flagErr(err)
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.URL, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", cfg.URL, resp.Status)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}
