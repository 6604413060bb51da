package httpapi

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// discard is a ResponseWriter that keeps nothing, so benchmarks measure the
// server rather than the recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

func benchRequest(b *testing.B, h http.Handler, target string, header ...string) {
	req := httptest.NewRequest("GET", target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := &discard{h: make(http.Header)}
	h.ServeHTTP(w, req)
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
}

// reportCPU starts counting the process's CPU time (user and system, the
// collector's included) and returns the function that reports it per
// operation as cpu-ns/op: on a shared machine it moves far less than the
// wall time ns/op measures.
func reportCPU(b *testing.B) func() {
	c := startCPU()
	return func() { c.report(b) }
}

// cpuClock counts the process's CPU time while it runs; stop and start
// leave out work that is not measured, as b.StopTimer does.
type cpuClock struct {
	total, since time.Duration
	running      bool
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() *cpuClock { return &cpuClock{since: processCPU(), running: true} }

func (c *cpuClock) stop() {
	if c.running {
		c.total += processCPU() - c.since
		c.running = false
	}
}

func (c *cpuClock) start() {
	if !c.running {
		c.since, c.running = processCPU(), true
	}
}

// report stops the clock and reports cpu-ns/op.
func (c *cpuClock) report(b *testing.B) {
	c.stop()
	if b.N > 0 {
		b.ReportMetric(float64(c.total)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkArticle measures a cached article through the full router
// against a bare Gin handler writing the same bytes (the ceiling).
func BenchmarkArticle(b *testing.B) {
	a := newAPI(b, nil, Options{})
	const target = "/v1/articles/internationellt-arbete?lang=sv"
	rec := httptest.NewRecorder()
	a.srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
	body := rec.Body.Bytes()
	b.Run("baseline-gin", func(b *testing.B) {
		gin.SetMode(gin.ReleaseMode)
		e := gin.New()
		e.GET("/v1/articles/:id", func(c *gin.Context) { c.Data(200, "application/json; charset=utf-8", body) })
		benchRequest(b, e, target)
	})
	b.Run("sv", func(b *testing.B) { benchRequest(b, a.srv.Handler(), target) })
	b.Run("sv-gzip", func(b *testing.B) { benchRequest(b, a.srv.Handler(), target, "Accept-Encoding", "gzip") })
	b.Run("sv-304", func(b *testing.B) {
		benchRequest(b, a.srv.Handler(), target, "If-None-Match", rec.Header().Get("ETag"))
	})
	b.Run("zh-Hans", func(b *testing.B) {
		benchRequest(b, a.srv.Handler(), "/v1/articles/internationellt-arbete", "Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8")
	})
	b.Run("zh-Hant", func(b *testing.B) {
		benchRequest(b, a.srv.Handler(), "/v1/articles/internationellt-arbete", "Accept-Language", "zh-TW,zh;q=0.9,en;q=0.8")
	})
}

func BenchmarkList(b *testing.B) {
	a := newAPI(b, nil, Options{})
	benchRequest(b, a.srv.Handler(), "/v1/articles?lang=en")
}

func BenchmarkSearch(b *testing.B) {
	a := newAPI(b, nil, Options{})
	b.Run("sv", func(b *testing.B) { benchRequest(b, a.srv.Handler(), "/v1/search?q=v%C3%A4nort+skola&lang=sv") })
	b.Run("all", func(b *testing.B) { benchRequest(b, a.srv.Handler(), "/v1/search?q=De+Pere&lang=all") })
}

func BenchmarkSuggest(b *testing.B) {
	a := newAPI(b, nil, Options{})
	benchRequest(b, a.srv.Handler(), "/v1/suggest?q=dun&lang=en")
}

// BenchmarkArticleWire measures a cached article over loopback TCP
// through net/http, as tolkbench does but in one process: parallel
// keep-alive connections (GOMAXPROCS × -cpu of them) each sending the next
// request when the previous response has been read, against bare Gin
// writing the same bytes. It counts what in-process benchmarks miss:
// net/http's parsing, its cloning, sorting and writing of the response
// headers, and the system calls.
func BenchmarkArticleWire(b *testing.B) {
	a := newAPI(b, nil, Options{})
	const target = "/v1/articles/internationellt-arbete?lang=sv"
	rec := httptest.NewRecorder()
	a.srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
	body := rec.Body.Bytes()
	gin.SetMode(gin.ReleaseMode)
	bare := gin.New()
	bare.GET("/v1/articles/:id", func(c *gin.Context) { c.Data(200, "application/json; charset=utf-8", body) })
	// Bare Gin sending Tolk's own response headers: what net/http's
	// handling of them costs, apart from what Tolk does.
	hdr := make(http.Header)
	for k, v := range rec.Header() {
		if k != "Content-Length" && k != "Content-Type" {
			hdr[k] = v
		}
	}
	withHeaders := gin.New()
	withHeaders.GET("/v1/articles/:id", func(c *gin.Context) {
		h := c.Writer.Header()
		for k, v := range hdr {
			h[k] = v
		}
		c.Data(200, "application/json; charset=utf-8", body)
	})
	for _, tt := range []struct {
		name string
		h    http.Handler
	}{{"baseline-gin", bare}, {"baseline-gin-headers", withHeaders}, {"tolk", a.srv.Handler()}} {
		b.Run(tt.name, func(b *testing.B) { benchWire(b, tt.h, target) })
	}
}

// benchWire serves h on a loopback listener and sends GET target over
// parallel keep-alive connections.
func benchWire(b *testing.B, h http.Handler, target string) {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ReadTimeout, srv.Config.WriteTimeout = 30*time.Second, 30*time.Second
	srv.Start()
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	wire := []byte("GET " + target + " HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: bench\r\n\r\n")
	b.ReportAllocs()
	b.SetParallelism(8) // 16 connections at GOMAXPROCS 2, as tolkbench's middle cell
	defer reportCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			b.Error(err)
			return
		}
		defer conn.Close()
		br := bufio.NewReaderSize(conn, 32<<10)
		for pb.Next() {
			if _, err := conn.Write(wire); err != nil {
				b.Error(err)
				return
			}
			if err := readOK(br); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// readOK reads one 200 response with a Content-Length from br, looking
// only at the status line and Content-Length, as wrk does, so that the
// client's cost does not grow with the server's headers.
func readOK(br *bufio.Reader) error {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) {
		return fmt.Errorf("status line %q", line)
	}
	n := -1
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			break
		}
		if v, ok := bytes.CutPrefix(line, []byte("Content-Length: ")); ok {
			n = 0
			for _, c := range bytes.TrimSpace(v) {
				n = n*10 + int(c-'0')
			}
		}
	}
	if n < 0 {
		return errors.New("no Content-Length")
	}
	_, err = br.Discard(n)
	return err
}
