package cachetest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amal-kommun/tolk/internal/contenttest"
)

// token is the admin token of the server under test.
const token = "cachetest-admin-token-0123456789abcdefghij"

// needNginx returns the nginx binary, skipping the test without one
// (failing instead in CI, where .ci/run installs it).
func needNginx(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("nginx")
	if err != nil {
		for _, c := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx"} {
			if _, err := os.Stat(c); err == nil {
				return c
			}
		}
		if os.Getenv("CI") == "true" {
			t.Fatal("nginx is required in CI (.ci/run installs it)")
		}
		t.Skip("nginx not installed (apt-get install nginx-light)")
	}
	return p
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// buildTolk builds ./cmd/tolk into dir.
func buildTolk(t *testing.T, dir string) string {
	t.Helper()
	root, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	bin := filepath.Join(dir, "tolk")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/tolk")
	cmd.Dir = strings.TrimSpace(string(root))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/tolk: %v\n%s", err, out)
	}
	return bin
}

// copyCorpus copies the embedded corpus into a new directory and adds a
// draft version.
func copyCorpus(t *testing.T) string {
	t.Helper()
	dir := contenttest.Corpus(t)
	contenttest.WriteTree(t, dir, map[string]string{
		"articles/utkast/sv.md": "---\ntitle: Utkast om vänorter\nslug: utkast-om-vanorter\npublished: 2026-01-02\ndraft: true\n---\nEtt utkast.\n",
	})
	return dir
}

// startTolk runs "tolk serve" on the copy of the corpus, with a one-second
// max-age so that the cache has to revalidate within the test.
func startTolk(t *testing.T, bin string) string {
	t.Helper()
	addr := freePort(t)
	cmd := exec.Command(bin, "serve", "--addr", addr, "--content", copyCorpus(t),
		"--index", filepath.Join(t.TempDir(), "index"),
		"--cache-control", "public, max-age=1", "--rate-limit", "0", "--log-level", "error")
	cmd.Env = append(os.Environ(), "TOLK_ADMIN_TOKEN="+token, "XDG_CACHE_HOME="+t.TempDir())
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitReady(t, "http://"+addr+"/readyz")
	return addr
}

// startNginx runs nginx as a caching reverse proxy in front of upstream.
func startNginx(t *testing.T, bin, upstream string) string {
	t.Helper()
	dir := t.TempDir()
	addr := freePort(t)
	conf := fmt.Sprintf(`
daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path %[1]s/body;
	proxy_temp_path %[1]s/proxy;
	fastcgi_temp_path %[1]s/fastcgi;
	uwsgi_temp_path %[1]s/uwsgi;
	scgi_temp_path %[1]s/scgi;
	proxy_cache_path %[1]s/cache keys_zone=tolk:1m;
	server {
		listen %[2]s;
		location / {
			proxy_pass http://%[3]s;
			proxy_http_version 1.1;
			proxy_cache tolk;
			proxy_cache_revalidate on;
			add_header X-Cache-Status $upstream_cache_status always;
		}
	}
}
`, dir, addr, upstream)
	file := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(file, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", file, "-e", filepath.Join(dir, "error.log"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx output:\n%s\nerror.log:\n%s", out.String(), log)
		}
	})
	waitReady(t, "http://"+addr+"/readyz")
	return addr
}

func waitReady(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never answered 200", url)
}

// answer is one response through the cache, its body decoded.
type answer struct {
	status int
	header http.Header
	body   []byte // gunzipped when the response was gzip
	gzip   bool
}

// cacheStatus is nginx's verdict: HIT, MISS, EXPIRED, REVALIDATED,
// BYPASS, or "" when the cache was not consulted.
func (a answer) cacheStatus() string { return a.header.Get("X-Cache-Status") }

// get sends one GET through the cache with the given headers, as a client
// that does its own decompression (so the test sees what was sent).
func get(t *testing.T, base, path string, hdr ...string) answer {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	tr := &http.Transport{DisableCompression: true, DisableKeepAlives: true}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header}
	if resp.Header.Get("Content-Encoding") == "gzip" {
		a.gzip = true
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("GET %s %v: gzip body: %v", path, hdr, err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			t.Fatalf("GET %s %v: gzip body: %v", path, hdr, err)
		}
	}
	a.body = body
	return a
}

// field returns a top-level string field of a JSON body ("" when absent).
func field(t *testing.T, a answer, key string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("body is not JSON (%v): %.200s", err, a.body)
	}
	s, _ := m[key].(string)
	return s
}

// TestThroughNginxCache runs every check against one server and one cache:
// each request is sent at least twice, so that the second is answered
// from the cache when the headers allow it, and the test first proves the
// cache does store public answers.
func TestThroughNginxCache(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts nginx")
	}
	ngx := needNginx(t)
	up := startTolk(t, buildTolk(t, t.TempDir()))
	cdn := startNginx(t, ngx, up)

	const article = "/v1/articles/internationellt-arbete"

	t.Run("the cache stores public answers", func(t *testing.T) {
		get(t, cdn, article+"?probe=1", "Accept-Language", "sv")
		a := get(t, cdn, article+"?probe=1", "Accept-Language", "sv")
		if a.cacheStatus() != "HIT" {
			t.Fatalf("second identical request: X-Cache-Status %q, want HIT (is the cache working?)", a.cacheStatus())
		}
	})

	t.Run("languages never cross", func(t *testing.T) {
		for _, order := range [][]string{{"sv", "en", "zh-CN"}, {"zh-CN", "en", "sv"}} {
			path := article + "?order=" + strings.Join(order, ",")
			for range 2 {
				for _, al := range order {
					a := get(t, cdn, path, "Accept-Language", al)
					want := map[string]string{"sv": "sv", "en": "en", "zh-CN": "zh-Hans"}[al]
					if got := field(t, a, "lang"); a.status != 200 || got != want {
						t.Errorf("Accept-Language %s after %v: status %d lang %q (cache %s), want 200 %q", al, order, a.status, got, a.cacheStatus(), want)
					}
				}
			}
		}
	})

	t.Run("Taiwan and Hong Kong scripts never cross", func(t *testing.T) {
		tw := get(t, up, article, "Accept-Language", "zh-TW")
		hk := get(t, up, article, "Accept-Language", "zh-HK")
		if bytes.Equal(tw.body, hk.body) {
			t.Fatal("zh-TW and zh-HK bodies are identical: pick an article whose conversions differ")
		}
		for range 2 {
			for _, c := range []struct {
				al   string
				want []byte
			}{{"zh-TW", tw.body}, {"zh-HK", hk.body}} {
				a := get(t, cdn, article+"?script=1", "Accept-Language", c.al)
				if !bytes.Equal(a.body, c.want) {
					t.Errorf("Accept-Language %s through the cache (%s): body differs from the origin's %s body", c.al, a.cacheStatus(), c.al)
				}
			}
		}
	})

	t.Run("encodings never cross", func(t *testing.T) {
		for range 2 {
			for _, ae := range []string{"gzip", "identity", ""} {
				a := get(t, cdn, "/v1/articles?per_page=50", "Accept-Encoding", ae, "Accept-Language", "en")
				if a.gzip && !strings.Contains(ae, "gzip") {
					t.Errorf("Accept-Encoding %q got a gzip body through the cache (%s)", ae, a.cacheStatus())
				}
				if a.status != 200 || !json.Valid(a.body) {
					t.Errorf("Accept-Encoding %q: status %d, body not JSON (%s)", ae, a.status, a.cacheStatus())
				}
			}
		}
	})

	t.Run("a negotiated 404 is not served to another language", func(t *testing.T) {
		// internationella-beslut has no Chinese version.
		const path = "/v1/articles/internationella-beslut?fallback=none"
		for range 2 {
			zh := get(t, cdn, path, "Accept-Language", "zh-CN")
			if zh.status != 404 || field(t, zh, "code") != "translation_unavailable" {
				t.Fatalf("Chinese reader: status %d code %q, want 404 translation_unavailable", zh.status, field(t, zh, "code"))
			}
			sv := get(t, cdn, path, "Accept-Language", "sv")
			if sv.status != 200 || field(t, sv, "lang") != "sv" {
				t.Errorf("Swedish reader after a Chinese one: status %d (cache %s), want 200 in sv", sv.status, sv.cacheStatus())
			}
		}
	})

	t.Run("drafts and authorized answers are never cached", func(t *testing.T) {
		const path = "/v1/articles/utkast?preview=true"
		for range 3 {
			a := get(t, cdn, path, "Authorization", "Bearer "+token)
			if a.status != 200 || field(t, a, "id") != "utkast" {
				t.Fatalf("preview with the token: status %d, body %.200s", a.status, a.body)
			}
			if s := a.cacheStatus(); s == "HIT" {
				t.Errorf("a preview with the token was answered from the cache")
			}
		}
		if a := get(t, cdn, path); a.status != 401 {
			t.Errorf("preview without the token after previews with it: status %d (cache %s), want 401", a.status, a.cacheStatus())
		}
		if a := get(t, cdn, "/v1/articles/utkast"); a.status != 404 {
			t.Errorf("the draft without preview: status %d (cache %s), want 404", a.status, a.cacheStatus())
		}
		for range 2 {
			a := get(t, cdn, "/v1/articles?preview=true&per_page=50", "Authorization", "Bearer "+token)
			if a.cacheStatus() == "HIT" {
				t.Errorf("an authorized list was answered from the cache")
			}
		}
		if a := get(t, cdn, "/v1/articles?preview=true&per_page=50"); a.status != 401 {
			t.Errorf("preview list without the token: status %d (cache %s), want 401", a.status, a.cacheStatus())
		}
	})

	t.Run("If-None-Match revalidates through the cache", func(t *testing.T) {
		const path = article + "?revalidate=1"
		first := get(t, cdn, path, "Accept-Language", "en", "Accept-Encoding", "gzip")
		etag := first.header.Get("ETag")
		if first.status != 200 || etag == "" {
			t.Fatalf("first GET: status %d, ETag %q", first.status, etag)
		}
		if a := get(t, cdn, path, "Accept-Language", "en", "Accept-Encoding", "gzip", "If-None-Match", etag); a.status != 304 {
			t.Errorf("If-None-Match with the current ETag while fresh: status %d (cache %s), want 304", a.status, a.cacheStatus())
		}
		time.Sleep(2500 * time.Millisecond) // well past max-age=1 (nginx counts whole seconds): it must ask the origin
		a := get(t, cdn, path, "Accept-Language", "en", "Accept-Encoding", "gzip")
		if a.status != 200 || a.cacheStatus() != "REVALIDATED" {
			t.Errorf("after max-age: status %d, cache %q, want 200 REVALIDATED (the origin's 304 refreshed the entry)", a.status, a.cacheStatus())
		}
		if a.header.Get("ETag") != etag {
			t.Errorf("revalidated ETag %q, want %q", a.header.Get("ETag"), etag)
		}
		if a := get(t, cdn, path, "Accept-Language", "en", "Accept-Encoding", "gzip", "If-None-Match", etag); a.status != 304 {
			t.Errorf("If-None-Match after revalidation: status %d (cache %s), want 304", a.status, a.cacheStatus())
		}
	})
}
