package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestServeOptions checks that serve hands its hardening options to the
// packages that use them: --frame-ancestors reaches the demo page's CSP,
// and a webhook delivery that could not be made before a shutdown is
// made after the restart (the receivers' positions are kept beside the
// index).
func TestServeOptions(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers")
	}
	var up atomic.Bool
	var mu sync.Mutex
	var got []string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		var ev struct{ ID string }
		json.NewDecoder(r.Body).Decode(&ev)
		mu.Lock()
		got = append(got, ev.ID)
		mu.Unlock()
	}))
	defer recv.Close()
	contentDir, indexDir := copyCorpus(t), t.TempDir()
	env := []string{"TOLK_ADMIN_TOKEN=" + testToken, "TOLK_WEBHOOK_SECRET=hemlig", "TOLK_FRAME_ANCESTORS=https://www.example.se"}
	args := []string{"--content", contentDir, "--index", indexDir, "--rescan", "0", "--webhook", recv.URL, "--cache-bytes", "1048576", "--max-delete-share", "0.9"}
	srv := startServe(t, env, args...)

	resp, err := http.Get(srv.base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors https://www.example.se") {
		t.Errorf("demo page CSP = %q, want frame-ancestors from TOLK_FRAME_ANCESTORS", csp)
	}

	body := `{"title": "Krok", "slug": "krok", "published": "2024-01-01", "body_markdown": "Text."}`
	req, _ := http.NewRequest("PUT", srv.base+"/v1/articles/krok/sv", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("PUT: %d", resp.StatusCode)
	}
	time.Sleep(300 * time.Millisecond) // an attempt fails
	srv.cmd.Process.Signal(syscall.SIGTERM)
	srv.cmd.Wait()
	if _, err := os.Stat(filepath.Join(indexDir, "webhooks.json")); err != nil {
		t.Errorf("no webhook state beside the index: %v", err)
	}

	up.Store(true)
	startServe(t, env, args...)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0] != "krok" {
		t.Errorf("deliveries after the restart: %v, want the one for krok", got)
	}
}
