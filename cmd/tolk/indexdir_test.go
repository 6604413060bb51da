package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestDefaultIndexKeepsCursors starts the README's first command (no
// --index) twice with the same user cache directory: a cursor of the first
// run is honoured by the second (200, not 410), and the index lives under
// the cache directory.
func TestDefaultIndexKeepsCursors(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers")
	}
	cache := t.TempDir()
	env := []string{"XDG_CACHE_HOME=" + cache}
	changes := func(base, since string) (int, string) {
		t.Helper()
		u := base + "/v1/changes"
		if since != "" {
			u += "?since=" + url.QueryEscape(since)
		}
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var page struct{ Next string }
		json.NewDecoder(resp.Body).Decode(&page)
		return resp.StatusCode, page.Next
	}
	srv := startServe(t, env)
	code, cursor := changes(srv.base, "")
	if code != 200 || cursor == "" {
		t.Fatalf("first run: %d %q", code, cursor)
	}
	srv.cmd.Process.Signal(syscall.SIGTERM)
	srv.cmd.Wait()
	if _, err := os.Stat(filepath.Join(cache, "tolk", "embedded")); err != nil {
		t.Errorf("no index under the cache directory: %v", err)
	}
	srv = startServe(t, env)
	if code, _ := changes(srv.base, cursor); code != 200 {
		t.Errorf("cursor of the first run after a restart: %d, want 200", code)
	}
}
