package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/amal-kommun/tolk/content"
)

// child is a tolk serve process started from the test binary.
type child struct {
	cmd  *exec.Cmd
	base string
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

// startServe runs "tolk serve" in a child process and waits until it is
// ready. The child's user cache directory is a fresh temporary one unless
// env sets XDG_CACHE_HOME, so no test writes into the real one.
func startServe(t *testing.T, env []string, args ...string) *child {
	t.Helper()
	return startServeUnder(t, nil, env, args...)
}

// startServeUnder is startServe with the child run by the command wrap
// (as prlimit), when wrap is not empty.
func startServeUnder(t *testing.T, wrap, env []string, args ...string) *child {
	t.Helper()
	addr := freePort(t)
	argv := append(append(wrap, os.Args[0], "serve", "--addr", addr, "--log-level", "error"), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	home := t.TempDir()
	// Later entries win, so env overrides these.
	cmd.Env = append([]string{"TOLK_TEST_RUN_MAIN=1", "HOME=" + home, "XDG_CACHE_HOME=" + filepath.Join(home, ".cache")}, env...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, base: "http://" + addr}
	t.Cleanup(func() { c.cmd.Process.Kill(); c.cmd.Wait() })
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(c.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return c
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("tolk serve %v never became ready", args)
	return nil
}

func copyCorpus(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	err := fs.WalkDir(content.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, p), 0o755)
		}
		b, err := fs.ReadFile(content.FS, p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, p), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestCrashLosesNoAcknowledgedWrite streams writes to a server and kills it
// with SIGKILL at random moments; after every restart each acknowledged
// write is served with its content and found by search, and the tree
// passes tolk check.
func TestCrashLosesNoAcknowledgedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test starts and kills servers")
	}
	contentDir, indexDir := copyCorpus(t), t.TempDir()
	env := []string{"TOLK_ADMIN_TOKEN=" + testToken, "TOLK_RATE_LIMIT=0"}
	args := []string{"--content", contentDir, "--index", indexDir, "--rescan", "0"}
	acked := map[string]string{}      // id → unique word of its latest acknowledged body
	inFlight := map[string][]string{} // id → words sent after it, whose answer the kill may have eaten
	var mu sync.Mutex
	client := &http.Client{Timeout: 10 * time.Second}
	for round := range 4 {
		srv := startServe(t, env, args...)
		// Every write acknowledged before the last kill is there.
		mu.Lock()
		for id, word := range acked {
			resp, err := client.Get(srv.base + "/v1/articles/" + id + "?lang=sv")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			// The acknowledged write, or one sent after it whose answer was lost.
			for _, w := range inFlight[id] {
				if strings.Contains(string(body), w) {
					word = w
				}
			}
			if resp.StatusCode != 200 || !strings.Contains(string(body), word) {
				t.Fatalf("round %d: acknowledged %s (%s) lost: %d %.200s", round, id, word, resp.StatusCode, body)
			}
			acked[id] = word
			delete(inFlight, id)
			resp, err = client.Get(srv.base + "/v1/search?lang=sv&q=" + word)
			if err != nil {
				t.Fatal(err)
			}
			var res struct {
				Hits []struct{ ID string } `json:"hits"`
			}
			json.NewDecoder(resp.Body).Decode(&res)
			resp.Body.Close()
			if len(res.Hits) == 0 || res.Hits[0].ID != id {
				t.Fatalf("round %d: search for %s does not find %s: %+v", round, word, id, res.Hits)
			}
		}
		mu.Unlock()
		if round == 3 {
			break
		}
		// Stream writes from two writers, then kill the server mid-stream.
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w := range 2 {
			wg.Go(func() {
				for n := 0; ctx.Err() == nil; n++ {
					id := fmt.Sprintf("krasch-%d-%d", w, n%5) // rewrites too, not only creates
					word := fmt.Sprintf("ord%dx%dx%d", round, w, n)
					body := fmt.Sprintf(`{"title": "Krasch %d %d", "slug": "%s", "published": "2024-01-01", "body_markdown": "Texten har %s i sig."}`, w, n, id, word)
					req, _ := http.NewRequestWithContext(ctx, "PUT", srv.base+"/v1/articles/"+id+"/sv", strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+testToken)
					req.Header.Set("Content-Type", "application/json")
					mu.Lock()
					inFlight[id] = append(inFlight[id], word)
					mu.Unlock()
					resp, err := client.Do(req)
					if err != nil {
						return // killed
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode == 200 || resp.StatusCode == 201 {
						mu.Lock()
						acked[id] = word
						inFlight[id] = nil
						mu.Unlock()
					}
				}
			})
		}
		time.Sleep(time.Duration(300+rand.IntN(700)) * time.Millisecond)
		srv.cmd.Process.Signal(syscall.SIGKILL)
		srv.cmd.Wait()
		cancel()
		wg.Wait()
		// No partial file and no temporary file is loaded: the tree checks clean.
		if out, errOut, err := runTolk(t, "check", "--content", contentDir); err != nil {
			t.Fatalf("round %d: tree broken after SIGKILL: %v\n%s%s", round, err, out, errOut)
		}
	}
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged")
	}
	t.Logf("%d articles written across 3 kills", len(acked))
}
