package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/amal-kommun/tolk/index"
	"github.com/amal-kommun/tolk/internal/config"
	"github.com/amal-kommun/tolk/internal/httpapi"
	"github.com/amal-kommun/tolk/internal/load"
)

// newLogger builds the process logger from the configuration.
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel)) // validated by config
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// newHTTPServer returns an http.Server with the limits of the contract.
func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// serve runs the HTTP server until ctx is done, then shuts down gracefully:
// in-flight requests get cfg.ShutdownTimeout to finish.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Parse(config.Serve, args, getenv, stderr)
	if err != nil {
		return flagErr(err)
	}
	log := newLogger(cfg, stderr)
	fsys, name, err := contentFS(cfg.Content)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	api, err := httpapi.New(httpapi.Options{
		CacheControl:     cfg.CacheControl,
		CORSOrigins:      cfg.CORSOrigins,
		AdminToken:       cfg.AdminToken,
		Logger:           log,
		Registry:         reg,
		MetricsElsewhere: cfg.MetricsAddr != "",
		SearchTimeout:    cfg.SearchTimeout,
		MaxSearches:      cfg.MaxSearches,
		RateLimit:        cfg.RateLimit,
		RateBurst:        cfg.RateBurst,
		TrustedProxies:   cfg.TrustedProxies,
		Version:          version,
	})
	if err != nil {
		return err
	}

	// Listen first, so /healthz answers and /readyz says 503 while the
	// index opens.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := newHTTPServer(api.Handler(), log)
	servers := []*http.Server{srv}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "version", version)
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			srv.Close()
			return fmt.Errorf("listen for metrics: %w", err)
		}
		msrv := newHTTPServer(api.MetricsHandler(), log)
		servers = append(servers, msrv)
		go func() { errc <- msrv.Serve(mln) }()
		log.Info("metrics listening", "addr", mln.Addr().String())
	}

	start := time.Now()
	lib, problems, err := load.Load(ctx, fsys)
	if err != nil {
		shutdown(servers, 0)
		return fmt.Errorf("load %s: %w", name, err)
	}
	for _, p := range problems {
		log.Warn("content problem", "path", p.Path, "line", p.Line, "message", p.Message)
	}
	ix, err := index.Open(ctx, index.Options{Dir: cfg.Index, Logger: log}, lib.All())
	if err != nil {
		shutdown(servers, 0)
		return fmt.Errorf("open index: %w", err)
	}
	defer ix.Close()
	if err := api.SetContent(lib, ix, problems); err != nil {
		shutdown(servers, 0)
		return err
	}
	log.Info("ready", "content", name, "articles", lib.Len(), "problems", len(problems), "took", time.Since(start))

	select {
	case err := <-errc:
		shutdown(servers, 0)
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	if err := shutdown(servers, cfg.ShutdownTimeout); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// shutdown stops the servers, letting in-flight requests finish within d.
func shutdown(servers []*http.Server, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var errs []error
	for _, s := range servers {
		if err := s.Shutdown(ctx); err != nil {
			errs = append(errs, err)
			s.Close()
		}
	}
	return errors.Join(errs...)
}
