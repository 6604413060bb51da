package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
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
	target, err := healthURL(cfg.URL)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
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
		return fmt.Errorf("healthcheck: %s answered %s", target, resp.Status)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}

// healthURL returns the URL to probe: u, or u's /readyz when u names only
// a server (http://host:port or http://host:port/), since a server that
// answers / may still be loading or broken.
func healthURL(u string) (string, error) {
	p, err := url.Parse(u)
	if err != nil {
		return "", err
	}
	if p.Scheme != "http" && p.Scheme != "https" {
		return "", fmt.Errorf("--url %q: want an http or https URL", u)
	}
	if p.Path == "" || p.Path == "/" {
		p.Path = "/readyz"
	}
	return p.String(), nil
}
