package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/amal-kommun/tolk/internal/config"
	"github.com/amal-kommun/tolk/internal/pgstore/pgtest"
)

// dbPut PUTs an article's Swedish version whose body holds word, with
// If-Match when ifMatch is not empty, and returns the status, the headers
// and the body of the answer.
func dbPut(t *testing.T, base, id, word, ifMatch string) (int, http.Header, string) {
	t.Helper()
	body := fmt.Sprintf(`{"title": "Replik %s", "slug": "%s", "published": "2024-01-01", "body_markdown": "Texten har %s i sig."}`, word, id, word)
	req, _ := http.NewRequest("PUT", base+"/v1/articles/"+id+"/sv", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	resp, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// dbGet GETs an article's Swedish version: the status and the body.
func dbGet(t *testing.T, base, id string) (int, string) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 15 * time.Second}).Get(base + "/v1/articles/" + id + "?lang=sv")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// dbGetAfter GETs an article's Swedish version with Tolk-Min-Seq: seq:
// the status and the body.
func dbGetAfter(t *testing.T, base, id, seq string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/v1/articles/"+id+"?lang=sv", nil)
	req.Header.Set("Tolk-Min-Seq", seq)
	resp, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitFor polls get until its body holds word, for at most d.
func waitFor(t *testing.T, d time.Duration, get func() (int, string), word string) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		code, body := get()
		if code == 200 && strings.Contains(body, word) {
			return time.Since(start)
		}
		if time.Since(start) > d {
			t.Fatalf("not served within %v: %d %.300s", d, code, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServeDatabaseReplicas runs tolk serve --database as separate
// processes on one database: a write on A is served by B within seconds;
// two writes racing with the same If-Match on A and B let exactly one win
// (the other 412); a replica started afterwards is ready only with the
// head it saw at start (the winner, at once, without polling).
func TestServeDatabaseReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers")
	}
	t.Parallel()
	db := importedDatabase(t)
	env := []string{"TOLK_ADMIN_TOKEN=" + testToken, "TOLK_RATE_LIMIT=0", "TOLK_DATABASE_URL=" + db}
	a, b := startServe(t, env), startServe(t, env)

	code, h, body := dbPut(t, a.base, "replik", "forsta", "")
	etag := h.Get("ETag")
	if code != 201 || etag == "" {
		t.Fatalf("PUT on A: %d %q %.300s", code, etag, body)
	}
	first, err := strconv.ParseUint(h.Get("Tolk-Seq"), 10, 64)
	if err != nil || first == 0 {
		t.Errorf("PUT on A: Tolk-Seq %q, want a position", h.Get("Tolk-Seq"))
	}
	lag := waitFor(t, 5*time.Second, func() (int, string) { return dbGet(t, b.base, "replik") }, "forsta")
	t.Logf("A's write served by B after %v", lag)

	// Both replicas hold the version of etag; both write against it.
	codes, seqs := make([]int, 2), make([]string, 2)
	var wg sync.WaitGroup
	for i, srv := range []*child{a, b} {
		wg.Go(func() {
			var h http.Header
			codes[i], h, _ = dbPut(t, srv.base, "replik", fmt.Sprintf("andra%d", i), etag)
			seqs[i] = h.Get("Tolk-Seq")
		})
	}
	wg.Wait()
	won := -1
	switch {
	case (codes[0] == 200) && codes[1] == 412:
		won = 0
	case codes[0] == 412 && codes[1] == 200:
		won = 1
	default:
		t.Fatalf("racing PUTs with one If-Match on A and B answered %v, want one 200 and one 412", codes)
	}
	winner := fmt.Sprintf("andra%d", won)
	// The winner's position follows the first write's, whichever replica
	// took it; the loser's answer has none.
	if n, err := strconv.ParseUint(seqs[won], 10, 64); err != nil || n <= first || seqs[1-won] != "" {
		t.Errorf("Tolk-Seq of the winner %q (first write %d), of the loser %q", seqs[won], first, seqs[1-won])
	}
	for _, srv := range []*child{a, b} {
		waitFor(t, 5*time.Second, func() (int, string) { return dbGet(t, srv.base, "replik") }, winner)
	}

	// A replica started now says ready only once it serves the head.
	c := startServe(t, env)
	if code, body := dbGet(t, c.base, "replik"); code != 200 || !strings.Contains(body, winner) {
		t.Errorf("C, ready, serves %d %.300s; want the winner %s", code, body, winner)
	}

	// Read your writes on the other replica: a GET on B sent at once
	// with A's Tolk-Seq waits for B to apply it, instead of polling.
	code, h, body = dbPut(t, a.base, "replik", "tredje", "")
	if code != 200 || h.Get("Tolk-Seq") == "" {
		t.Fatalf("PUT on A: %d, Tolk-Seq %q %.300s", code, h.Get("Tolk-Seq"), body)
	}
	if code, body := dbGetAfter(t, b.base, "replik", h.Get("Tolk-Seq")); code != 200 || !strings.Contains(body, "tredje") {
		t.Errorf("GET on B with A's Tolk-Seq: %d %.300s, want the new content", code, body)
	}
	// A DELETE answers Tolk-Seq too, which A honours after B deleted.
	if code, _, body := dbPut(t, b.base, "replik-tmp", "kort", ""); code != 201 {
		t.Fatalf("PUT replik-tmp on B: %d %.300s", code, body)
	}
	req, _ := http.NewRequest("DELETE", b.base+"/v1/articles/replik-tmp/sv", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Tolk-Seq") == "" {
		t.Fatalf("DELETE on B: %d, Tolk-Seq %q", resp.StatusCode, resp.Header.Get("Tolk-Seq"))
	}
	if code, body := dbGetAfter(t, a.base, "replik-tmp", resp.Header.Get("Tolk-Seq")); code != 404 {
		t.Errorf("GET on A with B's DELETE's Tolk-Seq: %d %.300s, want 404", code, body)
	}
}

// TestServeDatabaseRestart restarts a replica on its default index
// directory after another replica wrote while it was stopped: it serves and
// finds that write, and its change feed answers.
func TestServeDatabaseRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers")
	}
	t.Parallel()
	db := importedDatabase(t)
	env := []string{"TOLK_ADMIN_TOKEN=" + testToken, "TOLK_RATE_LIMIT=0", "TOLK_DATABASE_URL=" + db}
	cacheDir := t.TempDir()
	cache := []string{"XDG_CACHE_HOME=" + cacheDir}
	a := startServe(t, append(env, cache...))
	if code, _, body := dbPut(t, a.base, "omstart", "forsta", ""); code != 201 {
		t.Fatalf("PUT on A: %d %.300s", code, body)
	}
	a.cmd.Process.Signal(syscall.SIGTERM)
	a.cmd.Wait()
	if dirs, _ := filepath.Glob(filepath.Join(cacheDir, "tolk", "*")); len(dirs) != 1 || !strings.HasPrefix(filepath.Base(dirs[0]), "database-") {
		t.Fatalf("default index directories under the cache: %v, want one tolk/database-*", dirs)
	}

	b := startServe(t, env)
	if code, _, body := dbPut(t, b.base, "omstart", "medanborta", ""); code != 200 {
		t.Fatalf("PUT on B: %d %.300s", code, body)
	}
	if code, _, body := dbPut(t, b.base, "omstart-ny", "nyartikel", ""); code != 201 {
		t.Fatalf("PUT on B: %d %.300s", code, body)
	}

	a = startServe(t, append(env, cache...))
	if code, body := dbGet(t, a.base, "omstart"); code != 200 || !strings.Contains(body, "medanborta") {
		t.Errorf("A after its restart: %d %.300s, want B's write", code, body)
	}
	for word, id := range map[string]string{"medanborta": "omstart", "nyartikel": "omstart-ny"} {
		resp, err := http.Get(a.base + "/v1/search?lang=sv&q=" + word)
		if err != nil {
			t.Fatal(err)
		}
		var res struct {
			Hits []struct{ ID string } `json:"hits"`
		}
		json.NewDecoder(resp.Body).Decode(&res)
		resp.Body.Close()
		if len(res.Hits) != 1 || res.Hits[0].ID != id {
			t.Errorf("A after its restart: search %s finds %+v, want %s", word, res.Hits, id)
		}
	}
	resp, err := http.Get(a.base + "/v1/changes")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("A's change feed after its restart: %d", resp.StatusCode)
	}
}

// TestServeDatabaseDown cuts a server's connection to its database: reads
// stay 200 from memory, writes answer 503 unavailable, and once the
// database is reachable again writes work without a restart.
func TestServeDatabaseDown(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers")
	}
	t.Parallel()
	db := importedDatabase(t)
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	proxy := pgtest.NewProxy(t, u.Host)
	u.Host = proxy.Addr()
	srv := startServe(t, []string{"TOLK_ADMIN_TOKEN=" + testToken, "TOLK_RATE_LIMIT=0", "TOLK_DATABASE_URL=" + u.String()})
	if code, _, body := dbPut(t, srv.base, "nere", "fore", ""); code != 201 {
		t.Fatalf("PUT before the cut: %d %.300s", code, body)
	}

	proxy.Cut()
	if code, body := dbGet(t, srv.base, "nere"); code != 200 || !strings.Contains(body, "fore") {
		t.Errorf("read with the database down: %d %.300s", code, body)
	}
	code, _, body := dbPut(t, srv.base, "nere", "under", "")
	if code != 503 || !strings.Contains(body, `"unavailable"`) {
		t.Errorf("write with the database down: %d %.300s, want 503 unavailable", code, body)
	}

	proxy.Restore()
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, _, body = dbPut(t, srv.base, "nere", "efter", "")
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("writes never recovered: %d %.300s", code, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if code, body := dbGet(t, srv.base, "nere"); code != 200 || !strings.Contains(body, "efter") {
		t.Errorf("after recovery: %d %.300s", code, body)
	}
}

// TestDatabaseIndexName: in database mode the default index directory is
// the database's and the site's, never the embedded corpus's, and does not
// change with the user or the password.
func TestDatabaseIndexName(t *testing.T) {
	name := func(db, site string) string {
		t.Helper()
		n, err := indexName(config.Config{Database: db, Site: site})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	embedded, _ := indexName(config.Config{})
	base := name("postgres://tolk:a@db.example:5432/tolk", "default")
	if !strings.HasPrefix(base, "database-") || base == embedded {
		t.Fatalf("database index name %q (embedded %q)", base, embedded)
	}
	for _, tc := range []struct {
		db, site string
		same     bool
	}{
		{"postgres://other:b@db.example/tolk", "default", true},
		{"host=db.example port=5432 dbname=tolk user=tolk password=c", "default", true},
		{"postgres://tolk:a@db.example:5432/tolk", "lund", false},
		{"postgres://tolk:a@db.example:5432/annan", "default", false},
		{"postgres://tolk:a@db2.example:5432/tolk", "default", false},
		{"postgres://tolk:a@db.example:5432/tolk?search_path=s", "default", false},
	} {
		if got := name(tc.db, tc.site); (got == base) != tc.same {
			t.Errorf("%s site %s: %q, base %q: same = %v, want %v", tc.db, tc.site, got, base, got == base, tc.same)
		}
	}
	if _, err := indexName(config.Config{Database: "postgres://%zz"}); err == nil {
		t.Error("a malformed --database URL gives an index name")
	}
}

// importedDatabase returns the URL of a new test database holding the
// embedded corpus, imported with tolk import.
func importedDatabase(t *testing.T) string {
	t.Helper()
	db := pgtest.URL(t)
	if out, errOut, err := runTolk(t, "import", "--database", db); err != nil {
		t.Fatalf("import: %v\n%s%s", err, out, errOut)
	}
	return db
}
