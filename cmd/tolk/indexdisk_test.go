package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFullIndexDisk puts --index on a 2 MiB tmpfs, fills it and writes: the
// PUT answers the truth (201 and the version is public, or 507 and it is
// not, also after a restart), searches are 503 problem JSON or 200, never
// 500, /readyz says why while the index is broken, and searches recover
// once space is freed.
func TestFullIndexDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("mounts a tmpfs")
	}
	skip := func(why string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must run this test: "+why, args...)
		}
		t.Skipf(why, args...)
	}
	if os.Geteuid() != 0 {
		skip("needs root to mount a tmpfs")
	}
	t.Parallel()
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt).CombinedOutput(); err != nil {
		skip("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() })
	contentDir, indexDir := copyCorpus(t), filepath.Join(mnt, "index")
	const token = "full-index-disk-token-0123456789abcdef"
	env := []string{"TOLK_ADMIN_TOKEN=" + token, "TOLK_RATE_LIMIT=0"}
	args := []string{"--content", contentDir, "--index", indexDir, "--rescan", "0"}
	srv := startServe(t, env, args...)

	do := func(method, path, body string) (int, string, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.base+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	// Fill the disk.
	filler := filepath.Join(mnt, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(make([]byte, 4<<20)) // stops when full; that is the point
	f.Close()

	body := `{"title": "Fulla disken", "slug": "fulla-disken", "published": "2024-01-01", "body_markdown": "Ordet diskfyllnadsprov finns här."}`
	put, _, putBody := do("PUT", "/v1/articles/fulla-disken/sv", body)
	public := func() bool {
		code, _, _ := do("GET", "/v1/articles/fulla-disken?lang=sv", "")
		return code == 200
	}
	t.Logf("PUT on a full index disk: %d", put)
	switch put {
	case 200, 201:
		if !public() {
			t.Errorf("PUT answered %d but the version is not public", put)
		}
	case 507:
		if public() {
			t.Errorf("PUT answered 507 but the version is public")
		}
	default:
		t.Errorf("PUT to a full index disk: %d %s (want 201 or 507)", put, putBody)
	}
	for _, q := range []string{"diskfyllnadsprov", "Dunhuang", "kommun"} {
		code, ctype, b := do("GET", "/v1/search?lang=sv&q="+q, "")
		if code != 200 && (code != 503 || !strings.HasPrefix(ctype, "application/problem+json")) {
			t.Errorf("search %s on a full index disk: %d %s %.200s", q, code, ctype, b)
		}
		t.Logf("search %s on a full index disk: %d", q, code)
		if code == 503 {
			if _, _, rb := do("GET", "/readyz", ""); !strings.Contains(rb, "degraded") || !strings.Contains(rb, "search index") {
				t.Errorf("searches are 503 but /readyz says %s", rb)
			}
		}
	}

	// Free the space: searches recover without a restart.
	os.Remove(filler)
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, _, _ := do("GET", "/v1/search?lang=sv&q=kommun", "")
		_, _, rb := do("GET", "/readyz", "")
		if code == 200 && !strings.Contains(rb, "search index") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("30 s after space was freed: search %d, /readyz %s", code, rb)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var res struct {
		Total int `json:"total"`
	}
	_, _, sb := do("GET", "/v1/search?lang=sv&q=diskfyllnadsprov", "")
	json.Unmarshal([]byte(sb), &res)
	if (put == 201 || put == 200) != (res.Total > 0) {
		t.Errorf("after recovery: PUT was %d, search finds it %d times", put, res.Total)
	}

	// The truth holds after a restart.
	srv.cmd.Process.Signal(syscall.SIGTERM)
	srv.cmd.Wait()
	srv = startServe(t, env, args...)
	if (put == 201 || put == 200) != public() {
		t.Errorf("after a restart: PUT was %d, public %v", put, public())
	}
}
