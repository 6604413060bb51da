package main

import (
	"net"
	"net/http"
	"os/exec"
	"testing"
	"time"
)

// TestConnectionFlood opens far more keep-alive connections, each left
// idle after one request, than the server has file descriptors for (the
// child runs under prlimit with 128): the server bounds its connections
// below that, closes idle ones while it is at the bound, and a new client
// is answered during the flood and after it.
func TestConnectionFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("needs prlimit to lower the server's file limit")
	}
	srv := startServeUnder(t, []string{prlimit, "--nofile=128:128"}, nil)
	addr := srv.base[len("http://"):]
	const flood = 300
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range flood {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			t.Fatalf("dial %d: %v", len(conns), err)
		}
		conns = append(conns, c)
		// One request, then idle: the answer is never read.
		c.Write([]byte("GET /healthz HTTP/1.1\r\nHost: tolk\r\n\r\n"))
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	get := func(when string) {
		t.Helper()
		start := time.Now()
		resp, err := client.Get(srv.base + "/readyz")
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", when, resp.StatusCode)
		}
		t.Logf("%s: answered in %v", when, time.Since(start).Round(time.Millisecond))
	}
	get("during the flood")
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	get("after the flood")
}
