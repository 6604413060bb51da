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
	return dbPutSlug(t, base, id, id, word, ifMatch)
}

// dbPutSlug is dbPut with the version's slug.
func dbPutSlug(t *testing.T, base, id, slug, word, ifMatch string) (int, http.Header, string) {
	t.Helper()
	body := fmt.Sprintf(`{"title": "Replik %s", "slug": "%s", "published": "2024-01-01", "body_markdown": "Texten har %s i sig."}`, word, slug, word)
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
// the status and the body. Like a real client it tries again, at most
// twice, after a 503 replica_behind (the replica waited its 2 s for the
// change): on a loaded machine a replica may take longer to apply a write,
// and that answer is the contract's, not a failure.
func dbGetAfter(t *testing.T, base, id, seq string) (int, string) {
	t.Helper()
	for try := 0; ; try++ {
		req, _ := http.NewRequest("GET", base+"/v1/articles/"+id+"?lang=sv", nil)
		req.Header.Set("Tolk-Min-Seq", seq)
		resp, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusServiceUnavailable && strings.Contains(string(b), "replica_behind") && try < 2 {
			if resp.Header.Get("Retry-After") == "" {
				t.Errorf("503 replica_behind without Retry-After")
			}
			t.Logf("GET %s with Tolk-Min-Seq %s: 503 replica_behind, trying again", id, seq)
			continue
		}
		return resp.StatusCode, string(b)
	}
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

// TestServeDatabaseReplicas runs tolk serve --database as three separate
// processes A, B and C on one database: a write on A is served by B and C
// within seconds, and at once with A's Tolk-Seq as Tolk-Min-Seq; three
// writes racing with the same If-Match on A, B and C let exactly one win
// (the others 412); three new articles racing for one slug on A, B and C
// let exactly one in (the others 422); a DELETE on B is honoured on A with
// its Tolk-Seq; a fourth replica started cold is ready only with the head
// (the last write, at once, without polling).
func TestServeDatabaseReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers")
	}
	t.Parallel()
	db := importedDatabase(t)
	env := []string{"TOLK_ADMIN_TOKEN=" + testToken, "TOLK_RATE_LIMIT=0", "TOLK_DATABASE_URL=" + db}
	a, b, c := startServe(t, env), startServe(t, env), startServe(t, env)
	replicas := []*child{a, b, c}

	code, h, body := dbPut(t, a.base, "replik", "forsta", "")
	etag := h.Get("ETag")
	if code != 201 || etag == "" {
		t.Fatalf("PUT on A: %d %q %.300s", code, etag, body)
	}
	first, err := strconv.ParseUint(h.Get("Tolk-Seq"), 10, 64)
	if err != nil || first == 0 {
		t.Errorf("PUT on A: Tolk-Seq %q, want a position", h.Get("Tolk-Seq"))
	}
	for name, srv := range map[string]*child{"B": b, "C": c} {
		lag := waitFor(t, 5*time.Second, func() (int, string) { return dbGet(t, srv.base, "replik") }, "forsta")
		t.Logf("A's write served by %s after %v", name, lag)
	}

	// All three hold the version of etag; all three write against it.
	codes, seqs := make([]int, len(replicas)), make([]string, len(replicas))
	var wg sync.WaitGroup
	for i, srv := range replicas {
		wg.Go(func() {
			var h http.Header
			codes[i], h, _ = dbPut(t, srv.base, "replik", fmt.Sprintf("andra%d", i), etag)
			seqs[i] = h.Get("Tolk-Seq")
		})
	}
	wg.Wait()
	won := onlyWinner(t, "racing PUTs with one If-Match on A, B and C", codes, 200, 412)
	winner := fmt.Sprintf("andra%d", won)
	// The winner's position follows the first write's, whichever replica
	// took it; the losers' answers have none.
	if n, err := strconv.ParseUint(seqs[won], 10, 64); err != nil || n <= first {
		t.Errorf("Tolk-Seq of the winner %q (first write %d)", seqs[won], first)
	}
	for i, seq := range seqs {
		if i != won && seq != "" {
			t.Errorf("Tolk-Seq of a loser: %q", seq)
		}
	}
	for _, srv := range replicas {
		if code, body := dbGetAfter(t, srv.base, "replik", seqs[won]); code != 200 || !strings.Contains(body, winner) {
			t.Errorf("%s with the winner's Tolk-Seq: %d %.300s, want %s", srv.base, code, body, winner)
		}
	}

	// Three new articles, one per replica, racing for one slug.
	bodies := make([]string, len(replicas))
	for i, srv := range replicas {
		wg.Go(func() {
			var h http.Header
			codes[i], h, bodies[i] = dbPutSlug(t, srv.base, fmt.Sprintf("krock%d", i), "krock", fmt.Sprintf("krock%d", i), "")
			seqs[i] = h.Get("Tolk-Seq")
		})
	}
	wg.Wait()
	won = onlyWinner(t, "new articles racing for one slug on A, B and C", codes, 201, 422)
	for i, body := range bodies {
		if i != won && !strings.Contains(body, `"validation_failed"`) {
			t.Errorf("a loser of the slug race: %.300s, want validation_failed", body)
		}
	}
	for _, srv := range replicas {
		for i := range replicas {
			code, body := dbGetAfter(t, srv.base, fmt.Sprintf("krock%d", i), seqs[won])
			if want := map[bool]int{true: 200, false: 404}[i == won]; code != want {
				t.Errorf("%s: krock%d after the slug race: %d %.300s, want %d", srv.base, i, code, body, want)
			}
		}
	}

	// Read your writes on the other replicas: a GET on B and on C sent at
	// once with A's Tolk-Seq waits for them to apply it, instead of
	// polling.
	code, h, body = dbPut(t, a.base, "replik", "tredje", "")
	if code != 200 || h.Get("Tolk-Seq") == "" {
		t.Fatalf("PUT on A: %d, Tolk-Seq %q %.300s", code, h.Get("Tolk-Seq"), body)
	}
	for _, srv := range []*child{b, c} {
		if code, body := dbGetAfter(t, srv.base, "replik", h.Get("Tolk-Seq")); code != 200 || !strings.Contains(body, "tredje") {
			t.Errorf("GET on %s with A's Tolk-Seq: %d %.300s, want the new content", srv.base, code, body)
		}
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

	// A fourth replica, started cold (an empty cache of its own), says
	// ready only once it serves the head: the last writes, without
	// Tolk-Min-Seq.
	d := startServe(t, env)
	if code, body := dbGet(t, d.base, "replik"); code != 200 || !strings.Contains(body, "tredje") {
		t.Errorf("D, ready, serves %d %.300s; want the last write", code, body)
	}
	if code, body := dbGet(t, d.base, "replik-tmp"); code != 404 {
		t.Errorf("D, ready, serves the deleted replik-tmp: %d %.300s", code, body)
	}
}

// onlyWinner returns the index of the one code in codes that is win, and
// fails t unless every other is lose.
func onlyWinner(t *testing.T, what string, codes []int, win, lose int) int {
	t.Helper()
	won := -1
	for i, code := range codes {
		switch {
		case code == win && won < 0:
			won = i
		case code != lose:
			t.Fatalf("%s answered %v, want one %d and %d for the others", what, codes, win, lose)
		}
	}
	if won < 0 {
		t.Fatalf("%s answered %v, want one %d and %d for the others", what, codes, win, lose)
	}
	return won
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

// feedPage is one page of a change feed as a replica answered it.
type feedPage struct {
	code  int
	etag  string
	body  string
	next  string
	items int
}

// dbFeed GETs /v1/changes from since with limit, sending Tolk-Min-Seq:
// minSeq when it is not empty.
func dbFeed(t *testing.T, base, since string, limit int, minSeq string) feedPage {
	t.Helper()
	u := base + "/v1/changes?limit=" + strconv.Itoa(limit)
	if since != "" {
		u += "&since=" + url.QueryEscape(since)
	}
	req, _ := http.NewRequest("GET", u, nil)
	if minSeq != "" {
		req.Header.Set("Tolk-Min-Seq", minSeq)
	}
	resp, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	p := feedPage{code: resp.StatusCode, etag: resp.Header.Get("ETag"), body: string(b)}
	var out struct {
		Items []json.RawMessage `json:"items"`
		Next  string            `json:"next"`
	}
	if p.code == 200 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s/v1/changes: %v: %.300s", base, err, b)
		}
	}
	p.next, p.items = out.Next, len(out.Items)
	return p
}

// TestServeDatabaseFeed: in database mode a change feed started on one
// replica continues on any other, page for page byte-identical (the
// cursors, the epoch and the sequences are the database's): three replicas
// after writes, a slug change and a delete on all three answer every page
// of the feed alike; a client hopping from A to B to C reads the same
// items as one reading A alone; the end cursor of A gives the later
// writes on B and C; and a replica started cold answers the same pages.
func TestServeDatabaseFeed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers")
	}
	t.Parallel()
	db := importedDatabase(t)
	env := []string{"TOLK_ADMIN_TOKEN=" + testToken, "TOLK_RATE_LIMIT=0", "TOLK_DATABASE_URL=" + db}
	a, b, c := startServe(t, env), startServe(t, env), startServe(t, env)
	replicas := []*child{a, b, c}

	// put writes on srv and returns the Tolk-Seq of its answer.
	put := func(srv *child, id, slug, word string) string {
		t.Helper()
		code, h, body := dbPutSlug(t, srv.base, id, slug, word, "")
		if code != 200 && code != 201 {
			t.Fatalf("PUT %s on %s: %d %.300s", id, srv.base, code, body)
		}
		return h.Get("Tolk-Seq")
	}
	put(a, "flode0", "flode0", "ett")
	put(b, "flode1", "flode1", "tva")
	put(c, "flode0", "flode0-nytt", "tre") // a slug change: previous_slug
	req, _ := http.NewRequest("DELETE", a.base+"/v1/articles/flode1/sv", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	head := resp.Header.Get("Tolk-Seq")
	if resp.StatusCode != 204 || head == "" {
		t.Fatalf("DELETE on A: %d, Tolk-Seq %q", resp.StatusCode, head)
	}

	// walk reads the whole feed from since on the replicas in turn, one
	// page each, and returns the pages and the last cursor.
	const limit = 3
	walk := func(since, minSeq string, on ...*child) ([]feedPage, string) {
		t.Helper()
		var pages []feedPage
		for i := 0; ; i++ {
			p := dbFeed(t, on[i%len(on)].base, since, limit, minSeq)
			if p.code != 200 {
				t.Fatalf("%s/v1/changes?since=%s: %d %.300s", on[i%len(on)].base, since, p.code, p.body)
			}
			pages = append(pages, p)
			if p.items == 0 {
				return pages, p.next
			}
			since = p.next
		}
	}
	pages, end := walk("", head, a)
	var all strings.Builder
	for _, p := range pages {
		all.WriteString(p.body)
	}
	if len(pages) < 3 {
		t.Fatalf("the feed has %d pages, want several: %+v", len(pages), pages)
	}
	for _, want := range []string{`"flode0-nytt"`, `"previous_slug":"flode0"`, `"op":"delete"`} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("the feed lacks %s: %s", want, all.String())
		}
	}
	// Every page of A's, asked of B and C with the cursor A gave, is
	// byte for byte A's.
	same := func(name string, srv *child) {
		t.Helper()
		since := ""
		for i, want := range pages {
			got := dbFeed(t, srv.base, since, limit, head)
			if got.code != want.code || got.body != want.body || got.etag != want.etag {
				t.Fatalf("page %d (since %q) on %s: %d %s %.300s\nA answered %d %s %.300s", i, since, name, got.code, got.etag, got.body, want.code, want.etag, want.body)
			}
			since = want.next
		}
	}
	same("B", b)
	same("C", c)
	// A client hopping between the replicas reads what A alone gives.
	if hop, hopEnd := walk("", head, a, b, c); len(hop) != len(pages) || hopEnd != end {
		t.Errorf("hopping A, B, C: %d pages ending at %q; A alone: %d ending at %q", len(hop), hopEnd, len(pages), end)
	}

	// Later writes on B and C continue from A's end cursor, alike on all.
	put(b, "flode2", "flode2", "fyra")
	head = put(c, "flode3", "flode3", "fem")
	var more []string
	for _, srv := range replicas {
		p := dbFeed(t, srv.base, end, limit, head)
		if p.code != 200 || p.items != 2 || !strings.Contains(p.body, `"flode2"`) || !strings.Contains(p.body, `"flode3"`) {
			t.Errorf("%s from A's end cursor: %d, %d items %.300s; want flode2 and flode3", srv.base, p.code, p.items, p.body)
		}
		more = append(more, p.body)
	}
	if more[0] != more[1] || more[1] != more[2] {
		t.Errorf("the page after A's end cursor differs between A, B and C:\n%s\n%s\n%s", more[0], more[1], more[2])
	}

	// A replica started cold answers the same pages.
	pages, _ = walk("", head, a)
	same("D, started cold", startServe(t, env))
}
