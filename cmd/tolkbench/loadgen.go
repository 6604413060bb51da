package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
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
	// serverCPU is the CPU time, in seconds, the server process used
	// during the run (user and system); 0 when unknown.
	serverCPU float64
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
	return readResponse(br, buf)
}

// readResponse reads one HTTP/1.1 response to a GET from br, body
// included, and returns its status and whether the server closes the
// connection after it. Like wrk, and unlike http.ReadResponse, it looks
// only at the status line and the headers that frame the body, and
// allocates nothing: the generator shares the CPUs with the servers it
// measures, and a client that parses every header into a map charges a
// server for each header it sends (Tolk's article answer has ten, the
// bare baseline's three).
func readResponse(br *bufio.Reader, buf []byte) (status int, closed bool, err error) {
	return readResponseTo(br, buf, false)
}

// readResponseTo is readResponse for a request that was a HEAD when head
// is set: its response has framing headers but never a body.
func readResponseTo(br *bufio.Reader, buf []byte, head bool) (status int, closed bool, err error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	// "HTTP/1.1 200 OK"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, false, fmt.Errorf("malformed status line %q", line)
	}
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return 0, false, fmt.Errorf("malformed status line %q", line)
		}
		status = status*10 + int(c-'0')
	}
	closed = line[7] == '0' // HTTP/1.0 closes unless it says keep-alive
	length, chunked := int64(-1), false
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, false, fmt.Errorf("malformed header line %q", line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.ParseInt(string(value), 10, 64); err != nil || length < 0 {
				return 0, false, fmt.Errorf("bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			switch {
			case bytes.EqualFold(value, []byte("close")):
				closed = true
			case bytes.EqualFold(value, []byte("keep-alive")):
				closed = false
			}
		}
	}
	switch {
	case head || status < 200 || status == http.StatusNoContent || status == http.StatusNotModified:
		return status, closed, nil
	case chunked:
		return status, closed, discardChunked(br)
	case length >= 0:
		_, err := br.Discard(int(length))
		return status, closed, err
	}
	// No framing: the body runs to the end of the connection.
	_, err = io.CopyBuffer(discard{}, br, buf)
	return status, true, err
}

// discardChunked reads a chunked body and its trailers.
func discardChunked(br *bufio.Reader) error {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 {
			for { // trailers, up to the empty line
				line, err := br.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(bytes.TrimRight(line, "\r\n")) == 0 {
					return nil
				}
			}
		}
		if _, err := br.Discard(int(n)); err != nil {
			return err
		}
		if _, err := br.Discard(2); err != nil { // the chunk's CRLF
			return err
		}
	}
}

// discard is io.Discard without its ReaderFrom, so that CopyBuffer uses
// the worker's own buffer instead of a pooled one.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
