//go:build unix

package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The crash cluster: a PostgreSQL cluster of its own for
// TestServeDatabaseCrash, which stops it with -m immediate (a crash);
// .ci/postgres starts it and sets both. Other tests share the cluster of
// TOLK_TEST_DATABASE_URL, which must never be stopped.
const (
	envCrashURL     = "TOLK_TEST_CRASH_DATABASE_URL" // postgres://… of a database in that cluster
	envCrashCluster = "TOLK_TEST_CRASH_CLUSTER"      // "<version> <name>", as pg_ctlcluster takes them
)

// crashCluster returns the crash cluster's database URL and a function
// running pg_ctlcluster on that cluster with args. It skips t when the
// variables are unset, and fails it instead when CI is "true", as pgtest
// does for the shared cluster.
func crashCluster(t *testing.T) (string, func(args ...string) error) {
	t.Helper()
	db, cluster := os.Getenv(envCrashURL), strings.Fields(os.Getenv(envCrashCluster))
	if db == "" || len(cluster) != 2 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s and %s are not set: CI must run the database crash test (.ci/postgres starts the cluster and sets them)", envCrashURL, envCrashCluster)
		}
		t.Skipf("%s and %s are not set; .ci/postgres (as root) starts a PostgreSQL cluster of its own for this test", envCrashURL, envCrashCluster)
	}
	if _, err := exec.LookPath("pg_ctlcluster"); err != nil {
		t.Fatalf("%s is set but there is no pg_ctlcluster: %v", envCrashCluster, err)
	}
	// One crash at a time on this machine: a second test run (another
	// checkout's CI) waits rather than finding the cluster down.
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "tolk-test-crash-"+cluster[0]+"-"+cluster[1]+".lock"), os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lock.Close() })
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatalf("lock the crash cluster: %v", err)
	}
	ctl := func(args ...string) error {
		argv := append([]string{"--skip-systemctl-redirect", cluster[0], cluster[1]}, args...)
		if out, err := exec.Command("pg_ctlcluster", argv...).CombinedOutput(); err != nil {
			return fmt.Errorf("pg_ctlcluster %s: %w\n%s", strings.Join(argv, " "), err, out)
		}
		return nil
	}
	return db, ctl
}

// TestServeDatabaseCrash crashes the database under three replicas
// (pg_ctlcluster … stop -m immediate, then start): reads, and /readyz,
// stay 200 on every replica throughout; writes answer 503 unavailable
// while it is down and work again on every replica once it is back,
// without a restart; and all replicas converge on every write made after
// it, each serving the others' (woken by LISTEN again, not only with
// Tolk-Min-Seq).
func TestServeDatabaseCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers and crashes a database")
	}
	t.Parallel()
	db, ctl := crashCluster(t)
	// Whatever happens, the cluster runs again for the next test run.
	t.Cleanup(func() { ctl("start") })
	// A site of its own in the crash database, so that runs never meet.
	var b [4]byte
	rand.Read(b[:])
	site := "crash-" + hex.EncodeToString(b[:])
	if out, errOut, err := runTolk(t, "import", "--database", db, "--site", site); err != nil {
		t.Fatalf("import: %v\n%s%s", err, out, errOut)
	}
	env := []string{"TOLK_ADMIN_TOKEN=" + testToken, "TOLK_RATE_LIMIT=0", "TOLK_DATABASE_URL=" + db, "TOLK_SITE=" + site}
	replicas := []*child{startServe(t, env), startServe(t, env), startServe(t, env)}
	names := []string{"A", "B", "C"}

	code, h, body := dbPut(t, replicas[0].base, "krasch", "fore", "")
	if code != 201 {
		t.Fatalf("PUT on A before the crash: %d %.300s", code, body)
	}
	for i, srv := range replicas {
		if code, body := dbGetAfter(t, srv.base, "krasch", h.Get("Tolk-Seq")); code != 200 || !strings.Contains(body, "fore") {
			t.Fatalf("%s before the crash: %d %.300s", names[i], code, body)
		}
	}

	// Readers on every replica until the end: the article, a search and
	// /readyz, each answer recorded when it is not 200.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var bad []string
	reads := 0
	client := &http.Client{Timeout: 5 * time.Second}
	for i, srv := range replicas {
		wg.Go(func() {
			for {
				for _, path := range []string{"/v1/articles/krasch?lang=sv", "/v1/search?lang=sv&q=fore", "/readyz"} {
					resp, err := client.Get(srv.base + path)
					mu.Lock()
					reads++
					switch {
					case err != nil:
						bad = append(bad, fmt.Sprintf("%s %s: %v", names[i], path, err))
					case resp.StatusCode != 200:
						bad = append(bad, fmt.Sprintf("%s %s: %d", names[i], path, resp.StatusCode))
					}
					mu.Unlock()
					if err == nil {
						resp.Body.Close()
					}
				}
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		})
	}
	halt := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer halt()

	if err := ctl("stop", "-m", "immediate"); err != nil {
		t.Fatal(err)
	}
	crashed := time.Now()
	for i, srv := range replicas {
		code, _, body := dbPut(t, srv.base, "krasch", "under", "")
		if code != 503 || !strings.Contains(body, `"unavailable"`) {
			t.Errorf("write on %s with the database down: %d %.300s, want 503 unavailable", names[i], code, body)
		}
	}
	time.Sleep(500 * time.Millisecond) // reads go on while it is down
	if err := ctl("start"); err != nil {
		t.Fatal(err)
	}
	t.Logf("the database was down for %v", time.Since(crashed).Round(time.Millisecond))

	// Writes work again on every replica, each on an article of its own.
	restarted := time.Now()
	var seqs []uint64
	for i, srv := range replicas {
		id := "krasch-" + strings.ToLower(names[i])
		for deadline := time.Now().Add(30 * time.Second); ; {
			code, h, body := dbPut(t, srv.base, id, "efter"+names[i], "")
			if code == 201 {
				n, _ := strconv.ParseUint(h.Get("Tolk-Seq"), 10, 64)
				seqs = append(seqs, n)
				break
			}
			if code != 503 || time.Now().After(deadline) {
				t.Fatalf("write on %s after the restart: %d %.300s", names[i], code, body)
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("%s writes again %v after the restart", names[i], time.Since(restarted).Round(time.Millisecond))
	}

	// All converge: every replica serves every replica's write, without
	// Tolk-Min-Seq (its LISTEN connection is back, or its poll found them).
	for i, srv := range replicas {
		for j := range replicas {
			id, word := "krasch-"+strings.ToLower(names[j]), "efter"+names[j]
			lag := waitFor(t, 15*time.Second, func() (int, string) { return dbGet(t, srv.base, id) }, word)
			if i != j {
				t.Logf("%s serves %s's write after %v more", names[i], names[j], lag.Round(time.Millisecond))
			}
		}
	}
	// And a write now reaches the others as fast as before the crash.
	code, h, body = dbPut(t, replicas[2].base, "krasch", "sist", "")
	if code != 200 {
		t.Fatalf("PUT on C after the restart: %d %.300s", code, body)
	}
	for i, srv := range replicas[:2] {
		lag := waitFor(t, 6*time.Second, func() (int, string) { return dbGet(t, srv.base, "krasch") }, "sist")
		t.Logf("after the restart, C's write is served by %s after %v", names[i], lag.Round(time.Millisecond))
	}
	if n, _ := strconv.ParseUint(h.Get("Tolk-Seq"), 10, 64); n <= slices.Max(seqs) {
		t.Errorf("Tolk-Seq %d after the writes of %v", n, seqs)
	}

	halt()
	mu.Lock()
	defer mu.Unlock()
	if len(bad) > 0 {
		t.Errorf("%d of %d reads were not 200 during the crash, such as %v", len(bad), reads, bad[:min(len(bad), 10)])
	}
	t.Logf("%d reads on three replicas, all 200, across the crash", reads)
}
