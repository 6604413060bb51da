package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"time"
)

// profiler takes CPU profiles of the Tolk server through its operator
// listener (tolk serve --metrics-addr, which serves /debug/pprof/ apart
// from the public address), for --profile.
type profiler struct {
	dir  string // where profiles are written
	addr string // the server's --metrics-addr
}

// start begins a CPU profile of d (whole seconds, at least one) written to
// dir/name.pprof and returns a function that waits for it and returns its
// error. A nil profiler profiles nothing.
func (p *profiler) start(ctx context.Context, name string, d time.Duration) (wait func() error) {
	if p == nil {
		return func() error { return nil }
	}
	errc := make(chan error, 1)
	go func() { errc <- p.take(ctx, name, max(1, int(d/time.Second))) }()
	return func() error { return <-errc }
}

func (p *profiler) take(ctx context.Context, name string, seconds int) error {
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", p.addr, seconds)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("profile %s: %w", name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile %s: %s", name, resp.Status)
	}
	f, err := os.Create(filepath.Join(p.dir, name+".pprof"))
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("profile %s: %w", name, err)
	}
	return f.Close()
}

// self starts a CPU profile of tolkbench itself (the load generator),
// written to dir/name.pprof, and returns the function that stops it (safe
// to call more than once). A nil profiler profiles nothing.
func (p *profiler) self(name string) (stop func(), err error) {
	if p == nil {
		return func() {}, nil
	}
	f, err := os.Create(filepath.Join(p.dir, name+".pprof"))
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("profile %s: %w", name, err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			pprof.StopCPUProfile()
			f.Close()
		})
	}, nil
}

// newProfiler returns the profiler of --profile dir for a server started
// with the extra arguments it returns (nil and none without dir).
func newProfiler(dir string) (*profiler, []string, error) {
	if dir == "" {
		return nil, nil, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, nil, err
	}
	return &profiler{dir: dir, addr: addr}, []string{"--metrics-addr", addr}, nil
}

// metricsURL returns where the server's /metrics is: its operator listener
// when p has one, else addr.
func (p *profiler) metricsURL(addr string) string {
	if p != nil {
		addr = p.addr
	}
	return "http://" + addr + "/metrics"
}
