package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestRoundTrip sends single requests over one keep-alive connection and
// checks that each response is read whole, whatever its framing.
func TestRoundTrip(t *testing.T) {
	big := strings.Repeat("x", 100<<10) // chunked: over net/http's buffer, no Content-Length
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big":
			io.WriteString(w, big)
		case "/etag":
			w.WriteHeader(http.StatusNotModified)
		case "/close":
			w.Header().Set("Connection", "close")
			http.Error(w, "gone", http.StatusNotFound)
		default:
			io.WriteString(w, "ok")
		}
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	buf := make([]byte, 4096)

	type got struct {
		Status int
		Closed bool
	}
	tests := []struct {
		path string
		want got
	}{
		{"/small", got{200, false}},
		{"/big", got{200, false}},
		{"/etag", got{304, false}},
		{"/small", got{200, false}}, // the same connection still in step
		{"/close", got{404, true}},
	}
	for _, tt := range tests {
		status, closed, err := roundTrip(conn, br, request{path: tt.path}.wire(addr), buf)
		if err != nil {
			t.Fatalf("GET %s: %v", tt.path, err)
		}
		if diff := cmp.Diff(tt.want, got{status, closed}); diff != "" {
			t.Errorf("GET %s (-want +got):\n%s", tt.path, diff)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		xs   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{0.9, 0.7, 0.8}, 0.8},
		{[]float64{1, 4, 2, 3}, 2.5},
	} {
		if got := median(tt.xs); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.xs, got, tt.want)
		}
	}
	rs := []*result{{requests: 30, elapsed: time.Second}, {requests: 10, elapsed: time.Second}, {requests: 20, elapsed: time.Second}}
	if got := medianResult(rs).requests; got != 20 {
		t.Errorf("medianResult: %d requests, want the 20 of the middle round", got)
	}
}

func TestParseOptions(t *testing.T) {
	tests := []struct {
		name                string
		args                []string
		articles            int
		duration            time.Duration
		concurrency, routes string
	}{
		{"defaults", nil, 10000, 10 * time.Second, "1,16,64", strings.Join(routeNames, ",")},
		{"quick", []string{"--quick"}, 1000, 3 * time.Second, "1,16,64", strings.Join(routeNames, ",")},
		{"quick keeps explicit flags", []string{"--quick", "--articles", "50", "--duration", "2s"}, 50, 2 * time.Second, "1,16,64", strings.Join(routeNames, ",")},
		{"subsets", []string{"--concurrency", "2, 8", "--routes", "search,article"}, 10000, 10 * time.Second, "2,8", "search,article"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseOptions(tt.args, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			var conc []string
			for _, c := range o.concurrency {
				conc = append(conc, strconv.Itoa(c))
			}
			got := []any{o.articles, o.duration, strings.Join(conc, ","), strings.Join(o.routes, ",")}
			want := []any{tt.articles, tt.duration, tt.concurrency, tt.routes}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
	for _, bad := range [][]string{{"--routes", "article,nope"}, {"--concurrency", "0"}, {"--generator", "ab"}, {"--duration", "10ms"}, {"--rounds", "0"}, {"--duration", "2s", "--rounds", "3"}, {"extra"},
		{"--database", "postgres://db/tolk", "--site", "Bad Site"}, {"--database", "postgres://db/tolk", "--write-rate", "0"}, {"--database", "postgres://db/tolk", "--stream", "10ms"}} {
		if _, err := parseOptions(bad, io.Discard); err == nil {
			t.Errorf("parseOptions(%q) succeeded, want an error", bad)
		}
	}
}

func TestDropLines(t *testing.T) {
	var out strings.Builder
	d := &dropLines{w: &out, drop: []byte("/readyz")}
	for _, chunk := range []string{`{"route":"/rea`, "dyz\"}\n{\"route\":\"/v1/search\"}\n", "tail without newline", "\nGET /readyz\n"} {
		if n, err := d.Write([]byte(chunk)); err != nil || n != len(chunk) {
			t.Fatalf("Write(%q) = %d, %v", chunk, n, err)
		}
	}
	if want := "{\"route\":\"/v1/search\"}\ntail without newline\n"; out.String() != want {
		t.Errorf("passed on %q, want %q", out.String(), want)
	}
}

// TestReadResponse reads raw responses, each followed by a second one on
// the same connection, and checks the status, the closing and that the
// whole first response was consumed, against what net/http's own reader
// says of the same bytes.
func TestReadResponse(t *testing.T) {
	const next = "HTTP/1.1 204 No Content\r\n\r\n"
	tests := []struct {
		name, raw string
	}{
		{"content length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello"},
		{"lower-case names", "HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nno"},
		{"chunked with extension and trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n"},
		{"not modified", "HTTP/1.1 304 Not Modified\r\nEtag: \"x\"\r\nContent-Length: 99\r\n\r\n"},
		{"connection close", "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbusy"},
		{"HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"},
		{"HTTP/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"},
		{"many headers", "HTTP/1.1 200 OK\r\nEtag: \"a\"\r\nVary: Accept-Language, Accept-Encoding\r\nLink: <https://x/>; rel=\"alternate\"\r\nX-Request-Id: abc\r\nContent-Length: 3\r\n\r\n{}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := http.ReadResponse(bufio.NewReader(strings.NewReader(tt.raw)), &http.Request{Method: "GET"})
			if err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(strings.NewReader(tt.raw + next))
			status, closed, err := readResponse(br, make([]byte, 64))
			if err != nil {
				t.Fatal(err)
			}
			if status != want.StatusCode || closed != want.Close {
				t.Errorf("readResponse = %d, closed %v; net/http says %d, closed %v", status, closed, want.StatusCode, want.Close)
			}
			if status, _, err := readResponse(br, nil); err != nil || status != 204 {
				t.Errorf("the next response: %d, %v; want 204: the first was not consumed exactly", status, err)
			}
		})
	}
	t.Run("no framing reads to the end", func(t *testing.T) {
		br := bufio.NewReader(strings.NewReader("HTTP/1.1 200 OK\r\n\r\nall of it"))
		status, closed, err := readResponse(br, make([]byte, 4))
		if err != nil || status != 200 || !closed {
			t.Errorf("readResponse = %d, closed %v, %v; want 200, closed", status, closed, err)
		}
		if br.Buffered() != 0 {
			t.Errorf("%d bytes left unread", br.Buffered())
		}
	})
	for _, raw := range []string{"HTTP/1.1 2x0 OK\r\n\r\n", "SSH-2.0\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "HTTP/1.1 200 OK\r\nno colon\r\n\r\n"} {
		if _, _, err := readResponse(bufio.NewReader(strings.NewReader(raw)), nil); err == nil {
			t.Errorf("readResponse(%q) succeeded, want an error", raw)
		}
	}
}
