package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// wrkOutput is what wrk 4.1.0 printed with --latency for a script without
// a done function, half of whose requests got a 404.
const wrkOutput = `Running 1s test @ http://127.0.0.1:18555
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   646.22us    1.35ms  17.10ms   90.66%
    Req/Sec     8.00k     3.79k   13.80k    60.00%
  Latency Distribution
     50%  171.00us
     75%  469.00us
     90%    1.89ms
     99%    6.58ms
  15962 requests in 1.00s, 1.96MB read
  Non-2xx or 3xx responses: 7981
Requests/sec:  15939.40
Transfer/sec:      1.95MB
`

func TestParseWrk(t *testing.T) {
	tests := []struct {
		name string
		out  string
		want result
	}{
		{
			name: "latency table",
			out:  wrkOutput,
			want: result{requests: 15962, errors: 7981, elapsed: time.Second, p50: 171 * time.Microsecond, p99: 6580 * time.Microsecond},
		},
		{
			name: "socket errors",
			out: strings.Replace(wrkOutput, "  Non-2xx or 3xx responses: 7981\n",
				"  Socket errors: connect 1, read 2, write 3, timeout 4\n  Non-2xx or 3xx responses: 10\n", 1),
			want: result{requests: 15962, errors: 20, elapsed: time.Second, p50: 171 * time.Microsecond, p99: 6580 * time.Microsecond},
		},
		{
			name: "script line wins",
			out: wrkOutput + "tolkbench: requests=15962 duration_us=1001500 p50_us=170 p99_us=6577 p999_us=15020 " +
				"status=7981 connect=0 read=1 write=0 timeout=0\n",
			want: result{requests: 15962, errors: 7982, elapsed: 1001500 * time.Microsecond,
				p50: 170 * time.Microsecond, p99: 6577 * time.Microsecond, p999: 15020 * time.Microsecond},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseWrk(tt.out)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, *got, cmp.AllowUnexported(result{}, histogram{})); diff != "" {
				t.Errorf("parseWrk (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseWrkErrors(t *testing.T) {
	tests := []struct{ name, out string }{
		{"empty", ""},
		{"wrk failed", "unable to connect to 127.0.0.1:1 Connection refused\n"},
		{"no Requests/sec", strings.Replace(wrkOutput, "Requests/sec:", "Requests per second:", 1)},
		{"bad latency", strings.Replace(wrkOutput, "171.00us", "171.00parsecs", 1)},
		{"bad script line", wrkOutput + "tolkbench: requests=many\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := parseWrk(tt.out); err == nil {
				t.Errorf("parseWrk = %+v, want an error", got)
			}
		})
	}
}

func TestParseWrkDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"171.00us", 171 * time.Microsecond},
		{"1.89ms", 1890 * time.Microsecond},
		{"2.00s", 2 * time.Second},
		{"1.50m", 90 * time.Second},
		{"0.00us", 0},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseWrkDuration(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("parseWrkDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "us", "-1ms", "1.5", "NaNs", "1e300h", "12 ms"} {
		if got, err := parseWrkDuration(bad); err == nil {
			t.Errorf("parseWrkDuration(%q) = %v, want an error", bad, got)
		}
	}
}

// FuzzParseWrkDuration checks that every duration parseWrkDuration accepts
// is non-negative and reads back the same when printed as wrk prints it.
func FuzzParseWrkDuration(f *testing.F) {
	for _, s := range []string{"171.00us", "1.89ms", "2.00s", "1.50m", "0h", "-1ms", "1e9s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseWrkDuration(s)
		if err != nil {
			return
		}
		if d < 0 {
			t.Fatalf("parseWrkDuration(%q) = %v < 0", s, d)
		}
		back, err := parseWrkDuration(fmt.Sprintf("%dus", d/time.Microsecond))
		if err != nil || back != d/time.Microsecond*time.Microsecond {
			t.Fatalf("%v printed as µs reads back as %v, %v", d, back, err)
		}
	})
}

func TestLuaQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{`/v1/search?lang=sv&q=skola`, `"/v1/search?lang=sv&q=skola"`},
		{`"abc"`, `"\"abc\""`},
		{`a\b`, `"a\\b"`},
		{"ö\n", `"\195\182\010"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := luaQuote(tt.in); got != tt.want {
				t.Errorf("luaQuote(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestWrkScript(t *testing.T) {
	s := wrkScript([]request{
		{path: "/v1/articles/x?lang=sv", header: [][2]string{{"If-None-Match", `"e1"`}}},
		{path: "/v1/suggest?lang=sv&q=sko"},
	})
	for _, want := range []string{
		`reqs[#reqs + 1] = wrk.format("GET", "/v1/articles/x?lang=sv", {["If-None-Match"] = "\"e1\""})`,
		`reqs[#reqs + 1] = wrk.format("GET", "/v1/suggest?lang=sv&q=sko", {})`,
		"latency:percentile(99.9)",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %s:\n%s", want, s)
		}
	}
}

func TestRequestWire(t *testing.T) {
	r := request{path: "/v1/articles/x?lang=sv", header: [][2]string{{"Accept-Encoding", "gzip"}}}
	want := "GET /v1/articles/x?lang=sv HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: tolkbench\r\nAccept-Encoding: gzip\r\n\r\n"
	if got := string(r.wire("127.0.0.1:8080")); got != want {
		t.Errorf("wire = %q, want %q", got, want)
	}
}
