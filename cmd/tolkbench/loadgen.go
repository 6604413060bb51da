package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// request is one HTTP GET that a route sends: a path with its query and
// the headers that vary between routes.
type request struct {
	path   string
	header [][2]string
}

// wire returns r as the bytes of an HTTP/1.1 request to host.
func (r request) wire(host string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: tolkbench\r\n", r.path, host)
	for _, h := range r.header {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	b.WriteString("\r\n")
	return []byte(b.String())
}

// result is what one load run measured.
type result struct {
	requests int64         // responses completed within the window
	errors   int64         // responses outside 2xx/3xx and failed requests
	elapsed  time.Duration // the measurement window
	hist     histogram     // latencies of the completed responses
	// p50, p99 and p999 are set when the generator reports percentiles
	// itself (wrk); otherwise they come from hist.
	p50, p99, p999 time.Duration
}

// rps returns the completed requests per second.
func (r *result) rps() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.requests) / r.elapsed.Seconds()
}

// percentiles returns p50, p99 and p99.9.
func (r *result) percentiles() (p50, p99, p999 time.Duration) {
	if r.hist.total > 0 {
		return r.hist.percentile(0.50), r.hist.percentile(0.99), r.hist.percentile(0.999)
	}
	return r.p50, r.p99, r.p999
}

// goLoad drives addr with conns closed-loop clients for d: each client is
// one goroutine with one keep-alive connection that sends the next of reqs
// (cycling, each client starting at a different one) as soon as the
// previous response has been read. A response outside 2xx and 3xx, or a
// request that fails, counts as an error; requests cut off by the end of
// the window count as nothing.
func goLoad(ctx context.Context, addr string, reqs []request, conns int, d time.Duration) (*result, error) {
	if len(reqs) == 0 || conns < 1 {
		return nil, errors.New("load: no requests or no connections")
	}
	wires := make([][]byte, len(reqs))
	for i, r := range reqs {
		wires[i] = r.wire(addr)
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	end, _ := ctx.Deadline()
	start := time.Now()

	workers := make([]worker, conns)
	var wg sync.WaitGroup
	for i := range workers {
		w := &workers[i]
		w.next = i * len(wires) / conns % len(wires) // spread out, so clients of a long list send different requests
		wg.Go(func() { w.run(ctx, addr, wires, end) })
	}
	wg.Wait()
	elapsed := min(time.Since(start), d)
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return nil, err
	}
	res := &result{elapsed: elapsed}
	for i := range workers {
		w := &workers[i]
		res.requests += w.requests
		res.errors += w.errors
		res.hist.merge(&w.hist)
	}
	return res, nil
}

// worker is one closed-loop client.
type worker struct {
	next     int
	requests int64
	errors   int64
	hist     histogram
}

func (w *worker) run(ctx context.Context, addr string, wires [][]byte, end time.Time) {
	var (
		conn net.Conn
		br   *bufio.Reader
		buf  = make([]byte, 32<<10)
	)
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	dialer := net.Dialer{Timeout: 2 * time.Second}
	// over reports whether the window has closed. A failure then is the
	// cut-off, not an error: the deadlines of the connection and of the
	// dial fire at end, possibly before ctx says so.
	over := func() bool { return ctx.Err() != nil || !time.Now().Before(end) }
	for !over() {
		if conn == nil {
			c, err := dialer.DialContext(ctx, "tcp", addr)
			if err != nil {
				if !over() {
					w.errors++
					time.Sleep(10 * time.Millisecond)
				}
				continue
			}
			conn = c
			conn.SetDeadline(end) // no request outlives the window
			br = bufio.NewReaderSize(conn, 32<<10)
		}
		t0 := time.Now()
		status, closed, err := roundTrip(conn, br, wires[w.next], buf)
		lat := time.Since(t0)
		if err != nil {
			conn.Close()
			conn = nil
			if !over() {
				w.errors++
			}
			continue
		}
		w.next = (w.next + 1) % len(wires)
		w.requests++
		w.hist.record(lat)
		if status < 200 || status >= 400 {
			w.errors++
		}
		if closed {
			conn.Close()
			conn = nil
		}
	}
}

// roundTrip writes one request and reads its whole response, returning
// its status and whether the server closes the connection.
func roundTrip(conn net.Conn, br *bufio.Reader, wire, buf []byte) (status int, closed bool, err error) {
	if _, err := conn.Write(wire); err != nil {
		return 0, false, err
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return 0, false, err
	}
	_, err = io.CopyBuffer(discard{}, resp.Body, buf)
	resp.Body.Close()
	if err != nil {
		return 0, false, err
	}
	return resp.StatusCode, resp.Close, nil
}

// discard is io.Discard without its ReaderFrom, so that CopyBuffer uses
// the worker's own buffer instead of a pooled one.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
