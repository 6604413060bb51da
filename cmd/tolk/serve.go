package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/amal-kommun/tolk/content"
	"github.com/amal-kommun/tolk/index"
	"github.com/amal-kommun/tolk/internal/config"
	"github.com/amal-kommun/tolk/internal/filestore"
	"github.com/amal-kommun/tolk/internal/gcpolicy"
	"github.com/amal-kommun/tolk/internal/httpapi"
	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/pgstore"
	"github.com/amal-kommun/tolk/internal/store"
	"github.com/amal-kommun/tolk/internal/webhook"
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
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// idleTimeout is how long a keep-alive connection may wait for its next
// request; short, since every open connection holds a file descriptor.
const idleTimeout = 30 * time.Second

// loadGCPercent is the collector's target while the content loads.
const loadGCPercent = 400

// serve runs the HTTP server until ctx is done, then shuts down gracefully:
// in-flight requests get cfg.ShutdownTimeout to finish.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Parse(config.Serve, args, getenv, stderr)
	if err != nil {
		return flagErr(err)
	}
	// Most of Tolk's heap is content that lives as long as the process, so
	// the collector's default of letting the heap double between cycles
	// mostly buys memory nobody uses; see --gc-percent. Until the content
	// is loaded, though, collecting often only slows the start: loading
	// keeps most of what it allocates.
	defer debug.SetGCPercent(debug.SetGCPercent(loadGCPercent))
	log := newLogger(cfg, stderr)
	_, name, err := contentFS(cfg.Content)
	if err != nil {
		return err
	}
	key, err := indexName(cfg)
	if err != nil {
		return flagErr(err)
	}
	// In database mode the database holds the content; this server keeps
	// its library and index as caches and follows the other replicas.
	var backend store.Backend
	var db *pgstore.Store
	var feed *journal.Journal // database mode: the backend's mirror of the change log
	if cfg.Database != "" {
		name = "site " + cfg.Site + " in the database"
		db, err = pgstore.Open(ctx, cfg.Database, pgstore.Options{Logger: log})
		if err != nil {
			return fmt.Errorf("open the database: %w", err)
		}
		defer db.Close()
		be, err := pgstore.NewBackend(db, cfg.Site, pgstore.ListenOptions{})
		if err != nil {
			return flagErr(fmt.Errorf("--site: %w", err))
		}
		backend, feed = be, be.Journal()
	}
	dir, release := indexDir(cfg.Index, key, getenv, log)
	defer release()
	cfg.Index = dir
	reg := prometheus.NewRegistry()
	// Receivers' positions: in the database (its relay keeps them), else
	// in the journal's directory, or in memory.
	hookState := ""
	if cfg.Index != "" && db == nil {
		hookState = filepath.Join(cfg.Index, "webhooks.json")
	}
	hooks, err := webhook.New(webhook.Options{URLs: cfg.WebhookURLs, Secret: cfg.WebhookSecret, Logger: log, Registerer: reg, State: hookState})
	if err != nil {
		return fmt.Errorf("webhooks: %w", err)
	}
	// In database mode the relay, not this store's changes, drives the
	// deliveries: every replica's store sees every change.
	notify := hooks.Enqueue
	if db != nil {
		notify = nil
	}
	// The journal loads while the content does; in database mode the
	// backend fills its feed from the database's change log instead.
	var jr *journal.Journal
	defer func() {
		if jr != nil {
			jr.Close()
		}
	}()
	openJr := func() (*journal.Journal, error) {
		var err error
		if jr, err = openJournal(cfg.Index, log); err == nil {
			hooks.Follow(jr)
		}
		return jr, err
	}
	if db != nil {
		openJr = nil
	}
	if backend == nil {
		files, err := filestore.New(filestore.Options{Dir: cfg.Content, FS: content.FS, CacheDir: cfg.Index, Rescan: cfg.RescanInterval, Logger: log})
		if err != nil {
			return fmt.Errorf("open %s: %w", name, err)
		}
		backend = files
	}
	st, err := store.New(store.Options{
		Backend:        backend,
		Index:          index.Options{Dir: cfg.Index, Logger: log},
		Journal:        feed,
		OpenJournal:    openJr,
		Notify:         notify,
		Logger:         log,
		MaxDeleteShare: cfg.MaxDeleteShare,
	})
	if err != nil {
		return fmt.Errorf("open %s: %w", name, err)
	}
	defer st.Close()
	api, err := httpapi.New(httpapi.Options{
		Content:          st,
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
		FrameAncestors:   cfg.FrameAncestors,
		AnswerCacheBytes: cfg.CacheBytes,
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
	limit := newConnLimit(cfg.MaxConns)
	ln = limit.listener(ln)
	srv := newHTTPServer(api.Handler(), log)
	srv.ConnState = limit.connState
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
	hookCtx, stopHooks := context.WithCancel(context.WithoutCancel(ctx))
	defer stopHooks()
	if db == nil {
		go hooks.Run(hookCtx)
	}
	if err := st.Load(ctx); err != nil {
		shutdown(servers, 0)
		return fmt.Errorf("open %s: %w", name, err)
	}
	relayDone := make(chan struct{})
	if db != nil && len(cfg.WebhookURLs) > 0 {
		go func() {
			defer close(relayDone)
			relay(hookCtx, db, cfg.Site, cfg.WebhookURLs, hooks, log)
		}()
	} else {
		close(relayDone)
	}
	defer func() { stopHooks(); <-relayDone }()
	for _, p := range st.Problems() {
		log.Warn("content problem", "path", p.Path, "line", p.Line, "message", p.Message)
	}
	watchDone := make(chan struct{})
	if cfg.Content != "" || backend != nil {
		go func() {
			defer close(watchDone)
			if err := st.Watch(ctx); err != nil && ctx.Err() == nil {
				log.Error("watching the content stopped; changes made elsewhere now need a restart", "err", err)
			}
		}()
	} else {
		close(watchDone)
	}
	log.Info("ready", "content", name, "articles", st.Library().Len(), "problems", len(st.Problems()), "took", time.Since(start))
	// Loading left garbage; give it back to the system now rather than
	// over the next minutes.
	go gcpolicy.Run(ctx, cfg.GCPercent, cfg.GCMinGrowth, time.Second)
	debug.FreeOSMemory()

	select {
	case err := <-errc:
		shutdown(servers, 0)
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	err = shutdown(servers, cfg.ShutdownTimeout)
	<-watchDone
	if err != nil {
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

// openJournal opens the change journal beside the index, or in memory when
// there is no index directory (cursors then last as long as the process).
func openJournal(dir string, log *slog.Logger) (*journal.Journal, error) {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("index directory: %w", err)
		}
	}
	jr, err := journal.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("open change journal: %w", err)
	}
	if r := jr.Recovered(); r.TruncatedBytes > 0 || r.MovedAside != "" {
		log.Warn("change journal repaired", "truncated_bytes", r.TruncatedBytes, "moved_aside", r.MovedAside, "problem", r.Problem)
	}
	return jr, nil
}

// relay delivers the database's change log of site to the receivers from
// whichever replica holds the relay's lock (pgstore's Relay), each entry
// with its DeliveryID, until ctx is done.
func relay(ctx context.Context, db *pgstore.Store, site string, receivers []string, hooks *webhook.Dispatcher, log *slog.Logger) {
	err := db.Relay(ctx, site, receivers, pgstore.RelayOptions{}, func(ctx context.Context, d pgstore.Delivery) error {
		return hooks.Deliver(ctx, d.Receiver, d.ID, webhook.EntryEvent(d.Entry))
	})
	if err != nil && ctx.Err() == nil {
		log.Error("webhook relay stopped; this replica no longer relays", "err", err)
	}
}
