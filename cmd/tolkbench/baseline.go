package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// baselineRoute is the one route of the baseline server, the same pattern
// as Tolk's article route.
const baselineRoute = "/v1/articles/:id"

// serveBaseline is tolkbench's hidden mode --baseline-serve ADDR
// --baseline-body FILE [--baseline-content-type T]: a bare Gin engine in
// release mode with one route that writes the bytes of FILE, the ceiling
// against which Tolk's article route is measured. It runs in a process of
// its own, so that it and Tolk are equally placed, until ctx is done.
func serveBaseline(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("tolkbench baseline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("baseline-serve", "", "listen address")
	bodyFile := fs.String("baseline-body", "", "file holding the response body")
	contentType := fs.String("baseline-content-type", "application/json; charset=utf-8", "Content-Type of the response")
	headerFile := fs.String("baseline-headers", "", "file of response header lines (Name: value) to send with the body; empty sends only Gin's")
	pprofAddr := fs.String("baseline-pprof", "", "listen address of Go's profiles under /debug/pprof/ (for --profile); empty serves none")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *addr == "" || *bodyFile == "" {
		return errors.New("baseline: --baseline-serve and --baseline-body are required")
	}
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	gin.SetMode(gin.ReleaseMode) // process-wide, and this process is only the baseline
	e := gin.New()
	extra := make(http.Header)
	if *headerFile != "" {
		data, err := os.ReadFile(*headerFile)
		if err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		for line := range strings.Lines(string(data)) {
			if k, v, ok := strings.Cut(strings.TrimRight(line, "\r\n"), ": "); ok {
				extra[k] = append(extra[k], v)
			}
		}
	}
	e.GET(baselineRoute, func(c *gin.Context) {
		h := c.Writer.Header()
		for k, v := range extra {
			h[k] = v // shared, as Tolk shares its header values
		}
		c.Data(http.StatusOK, *contentType, body)
	})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	// The same timeouts as tolk serve's server.
	srv := &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if *pprofAddr != "" {
		pln, err := net.Listen("tcp", *pprofAddr)
		if err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		psrv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		defer psrv.Close()
		go func() { errc <- psrv.Serve(pln) }()
	}
	select {
	case err := <-errc:
		return fmt.Errorf("baseline: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
