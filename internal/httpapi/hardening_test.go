package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/amal-kommun/tolk/content"
	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/langs"
)

// TestMetricLabelsFromFixedSets: a client's method never becomes a label
// (issue 14, finding 2).
func TestMetricLabelsFromFixedSets(t *testing.T) {
	a := newAPI(t, nil, Options{})
	for i := range 50 {
		m := fmt.Sprintf("JUNK%dMETHOD%s", i, strings.Repeat("X", 200))
		rec := httptest.NewRecorder()
		a.srv.Handler().ServeHTTP(rec, httptest.NewRequest(m, "/healthz", nil))
		if rec.Code >= 500 {
			t.Fatalf("%s /healthz: %d", m[:10], rec.Code)
		}
	}
	body := string(a.get("/metrics").body)
	if strings.Contains(body, "JUNK") {
		t.Errorf("a client's method became a metric label")
	}
	if !strings.Contains(body, `method="other"`) {
		t.Errorf("unknown methods are not counted as other")
	}
}

// junkRoutes are the GET routes the junk test sends unique input to, each
// with the parameters it knows.
var junkRoutes = []struct {
	path   string
	params []string
}{
	{"/v1/articles", []string{"tag", "slug", "lang", "page", "per_page", "sort"}},
	{"/v1/articles/internationellt-arbete", []string{"lang", "fallback"}},
	{"/v1/search", []string{"q", "tag", "lang"}},
	{"/v1/suggest", []string{"q", "lang"}},
	{"/v1/translations", []string{"page"}},
	{"/v1/changes", []string{"since"}},
	{"/v1/feed.atom", []string{"tag", "lang"}},
	{"/v1/sitemap.xml", nil},
	{"/v1/languages", nil},
	{"/", []string{"q", "lang"}},
	{"/widget.js", nil},
	{"/openapi.json", nil},
	{"/healthz", nil},
	{"/readyz", nil},
}

// TestJunkCannotGrowMemory sends thousands of requests with unique junk in
// every parameter, header and method of every GET route, and checks that
// no answer is a 5xx and that memory stays bounded (issue 14, findings 1,
// 2 and 5: every cache keyed by client input is bounded in bytes and keyed
// by the normalized parameters).
func TestJunkCannotGrowMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("sends thousands of requests")
	}
	const cacheBytes = 2 << 20
	a := newAPI(t, nil, Options{AnswerCacheBytes: cacheBytes, MaxSearches: 64})
	h := a.srv.Handler()
	send := func(method, target string, hdr map[string]string) int {
		req := httptest.NewRequest(method, target, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	warm := func() {
		for _, r := range junkRoutes {
			send("GET", r.path, nil)
		}
	}
	warm()
	var before int64
	n := 0
	for i := range 9000 {
		if i == 1000 { // after the first junk, whatever is allocated once is allocated
			before = heapAfterGC()
		}
		r := junkRoutes[i%len(junkRoutes)]
		j := i / len(junkRoutes)
		junk := fmt.Sprintf("j%d%s", i, strings.Repeat("x", 4000))
		q := []string{"junk" + fmt.Sprint(i) + "=" + junk}
		if r.path == "/v1/articles" {
			q = append(q, "per_page=100")
		}
		for _, p := range r.params {
			v := junk
			switch p {
			case "q":
				v = fmt.Sprintf("a%d", i)
			case "lang":
				v = []string{"sv", "en", "zh-Hans", "zh-Hant", "all", junk[:30]}[j%6]
			case "page":
				v = fmt.Sprint(1 + j%3)
			}
			if j%3 == 0 || p == "q" {
				q = append(q, p+"="+v)
			}
		}
		target := r.path + "?" + strings.Join(q, "&")
		method := "GET"
		switch j % 7 {
		case 3:
			method = fmt.Sprintf("JUNK%d%s", i, strings.Repeat("M", 500))
		case 5:
			method = "HEAD"
		}
		code := send(method, target, map[string]string{
			"Accept-Language":         "sv;q=0.5, " + junk[:100] + ", en",
			"X-Junk-" + fmt.Sprint(i): junk,
			"If-None-Match":           `"` + junk[:40] + `"`,
			"Accept-Encoding":         []string{"gzip", "identity", junk[:20]}[j%3],
		})
		if code >= 500 {
			t.Fatalf("%s %.120s: %d", method[:min(len(method), 12)], target, code)
		}
		n++
	}
	after := heapAfterGC()
	grew := after - before
	t.Logf("%d requests; heap grew %d KiB; answer cache holds %d bytes in %d answers", n, grew>>10, a.srv.answers.bytes(), a.srv.answers.len())
	if got := a.srv.answers.bytes(); got > cacheBytes {
		t.Errorf("answer cache holds %d bytes, bound %d", got, cacheBytes)
	}
	if grew > 8<<20 {
		t.Errorf("heap grew %d MiB over %d junk requests", grew>>20, n)
	}
}

func heapAfterGC() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// TestOneGateForEverySearch: the demo page's server-side search and the
// feed pass the same per-client rate limit as the search API (issue 14,
// finding 3).
func TestOneGateForEverySearch(t *testing.T) {
	for _, target := range []string{"/?q=skola%d", "/v1/search?q=skola%d", "/v1/suggest?q=sk%d", "/v1/feed.atom?tag=t%d"} {
		a := newAPI(t, nil, Options{RateLimit: 0.001, RateBurst: 3})
		limited := 0
		for i := range 6 {
			// Refused requests are held up to a second; a short deadline
			// keeps the test quick.
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			r := httptest.NewRecorder()
			a.srv.Handler().ServeHTTP(r, httptest.NewRequest("GET", fmt.Sprintf(target, i), nil).WithContext(ctx))
			cancel()
			if r.Code == 429 {
				limited++
				if r.Header().Get("Retry-After") == "" {
					t.Errorf("%s: 429 without Retry-After", target)
				}
				if target[1] == '?' && !strings.HasPrefix(r.Header().Get("Content-Type"), "text/html") {
					t.Errorf("%s: a refused demo search is not a page: %q", target, r.Header().Get("Content-Type"))
				}
			}
		}
		if limited != 3 {
			t.Errorf("%s: %d of 6 requests rate-limited with a burst of 3, want 3", target, limited)
		}
	}
}

// TestUnknownParametersShareTheAnswer: junk parameters map to the cached
// answer without them (issue 14, finding 5).
func TestUnknownParametersShareTheAnswer(t *testing.T) {
	a := newAPI(t, nil, Options{})
	for _, base := range []string{"/v1/articles?per_page=100", "/v1/search?q=skola", "/v1/suggest?q=sk", "/v1/feed.atom?lang=sv", "/?q=skola"} {
		first := a.get(base)
		n := a.srv.answers.len()
		for i := range 20 {
			r := a.get(fmt.Sprintf("%s&junk%d=%d", base, i, i))
			if r.Header().Get("ETag") != first.Header().Get("ETag") {
				t.Errorf("%s with a junk parameter: another answer", base)
			}
		}
		if got := a.srv.answers.len(); got != n {
			t.Errorf("%s: junk parameters created %d cached answers", base, got-n)
		}
	}
}

// TestBrokenIndexIs503: when the index cannot answer, searches are 503
// unavailable with Retry-After (never 500) and /readyz says why, while
// articles are still served (issue 14, finding 8 and the full-disk
// finding 4).
func TestBrokenIndexIs503(t *testing.T) {
	a := newAPI(t, nil, Options{})
	a.srv.current().ix.Close()
	for _, target := range []string{"/v1/search?q=skola", "/v1/suggest?q=sk", "/v1/search?q=skola&lang=all"} {
		r := a.get(target)
		if r.Code != 503 || r.Header().Get("Retry-After") == "" || !strings.Contains(string(r.body), `"unavailable"`) {
			t.Errorf("%s with the index broken: %d %s", target, r.Code, r.body)
		}
	}
	r := a.get("/readyz")
	if r.Code != 200 || !strings.Contains(string(r.body), `"degraded"`) || !strings.Contains(string(r.body), "search index") {
		t.Errorf("/readyz with the index broken: %d %s", r.Code, r.body)
	}
	if r := a.get("/v1/articles/internationellt-arbete"); r.Code != 200 {
		t.Errorf("article with the index broken: %d", r.Code)
	}
}

// TestMissingContentDirIs503: a PUT to a server whose content directory
// has gone answers 503 unavailable (never 500) and leaves reads alone.
func TestMissingContentDirIs503(t *testing.T) {
	a, st, dir := newWriteAPI(t, Options{AdminToken: token})
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	// The watcher sees the directory go and holds the last good content.
	ctx, stop := context.WithCancel(context.Background())
	watched := make(chan struct{})
	go func() { defer close(watched); st.Watch(ctx) }()
	defer func() { stop(); <-watched }()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if r := a.get("/readyz"); strings.Contains(string(r.body), `"degraded"`) {
			break
		}
	}
	r := a.put("/v1/articles/vanort-de-pere/sv", newArticle)
	if r.Code != 503 && r.Code != 507 {
		t.Errorf("PUT without a content directory: %d %s", r.Code, r.body)
	}
	if r.Header().Get("Retry-After") == "" && r.Code == 503 {
		t.Errorf("503 without Retry-After")
	}
	if g := a.get("/v1/articles/internationellt-arbete"); g.Code != 200 {
		t.Errorf("read without a content directory: %d", g.Code)
	}
	if r := a.get("/readyz"); !strings.Contains(string(r.body), `"degraded"`) {
		t.Errorf("/readyz without a content directory: %d %s", r.Code, r.body)
	}
}

// TestUnknownTagsAreNotCached checks that answers narrowed to a tag the
// site does not define (they match nothing, and repeat the client's text)
// take no room in the answer cache, on every route that takes tags, while
// a known tag's answer is cached.
func TestUnknownTagsAreNotCached(t *testing.T) {
	a := newAPI(t, nil, Options{RateLimit: 0})
	h := a.srv.Handler()
	for _, path := range []string{"/v1/feed.atom?lang=sv", "/v1/articles?lang=sv", "/v1/search?lang=sv&q=kommun"} {
		before := a.srv.answers.len()
		for i := range 50 {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", fmt.Sprintf("%s&tag=unknown-%d-%s", path, i, strings.Repeat("x", 1000)), nil))
			if rec.Code != 200 {
				t.Fatalf("%s with an unknown tag: status %d, want 200", path, rec.Code)
			}
		}
		if got := a.srv.answers.len(); got != before {
			t.Errorf("%s: 50 unknown tags left %d answers in the cache, want none", path, got-before)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path+"&tag=international", nil))
		if rec.Code != 200 || a.srv.answers.len() != before+1 {
			t.Errorf("%s&tag=international: status %d, %d answers cached, want 200 and one", path, rec.Code, a.srv.answers.len()-before)
		}
	}
}

// TestPublicMetricsShareAGather: scrapes of the public /metrics within
// scrapeEvery share one gather, so a flood of scrapes costs what one a
// second does; a later scrape sees what happened since.
func TestPublicMetricsShareAGather(t *testing.T) {
	a := newAPI(t, nil, Options{})
	first := a.get("/metrics")
	a.get("/v1/articles/internationellt-arbete?lang=en")
	again := a.get("/metrics")
	if first.Code != 200 || again.Code != 200 {
		t.Fatalf("/metrics: %d, %d", first.Code, again.Code)
	}
	if !bytes.Equal(first.body, again.body) {
		t.Errorf("a second scrape at once gathered again")
	}
	later, err := a.srv.metrics.scrape(time.Now().Add(scrapeEvery))
	if err != nil {
		t.Fatal(err)
	}
	const want = `tolk_http_requests_total{method="GET",route="/v1/articles/:id",status="200"} 1`
	if !strings.Contains(string(later.body), want) {
		t.Errorf("a scrape after %v lacks %s", scrapeEvery, want)
	}
}

// TestChangesAnswerCached: /v1/changes is answered from the answer cache
// under its cursor, limit and the journal's end, so a flood of the same
// poll costs one answer, junk parameters make no answer of their own, and
// an entry appended without a new generation (a journal catching up) is
// seen at once.
func TestChangesAnswerCached(t *testing.T) {
	a, _, _ := newWriteAPI(t, Options{})
	n0 := a.srv.answers.len()
	before := decode[changesJSON](t, a.get("/v1/changes?limit=1000"))
	n := a.srv.answers.len()
	if n != n0+1 {
		t.Errorf("the answer of /v1/changes was not cached (%d answers, then %d)", n0, n)
	}
	for i := range 20 {
		if r := a.get(fmt.Sprintf("/v1/changes?limit=1000&junk%d=%d", i, i)); r.Code != 200 {
			t.Fatalf("changes with junk: %d", r.Code)
		}
	}
	if got := a.srv.answers.len(); got != n {
		t.Errorf("junk parameters made %d answers of their own", got-n)
	}
	jr := a.srv.current().src.Journal
	if err := jr.Append(journal.Entry{ID: "appended", Lang: "sv", Op: journal.Upsert, At: time.Now().UTC(), Slug: "appended"}); err != nil {
		t.Fatal(err)
	}
	after := decode[changesJSON](t, a.get("/v1/changes?limit=1000"))
	if len(after.Items) != len(before.Items)+1 || after.Items[len(after.Items)-1].ID != "appended" {
		t.Errorf("after an append: %d items (before %d), want the appended one last", len(after.Items), len(before.Items))
	}
}

// TestJunkMethodEchoBounded: a 405 names the method, but only its start,
// so a method of kilobytes costs no more to answer than a short one.
func TestJunkMethodEchoBounded(t *testing.T) {
	a := newAPI(t, nil, Options{})
	m := "JUNK" + strings.Repeat("M", 4000)
	rec := httptest.NewRecorder()
	a.srv.Handler().ServeHTTP(rec, httptest.NewRequest(m, "/v1/languages", nil))
	if rec.Code != 405 || rec.Header().Get("Allow") == "" {
		t.Fatalf("%d, Allow %q; want 405 with Allow", rec.Code, rec.Header().Get("Allow"))
	}
	if n := rec.Body.Len(); n > 512 {
		t.Errorf("the 405 for a 4 KB method is %d bytes", n)
	}
}

// TestJunkDoesNotDefeatAnswerCache: a valid request made unique only by
// what the server must ignore (unknown parameters, junk headers, a junk
// Accept-Language beside an explicit lang) is answered from the answer
// it shares with the clean request: the same body, and no answer of its
// own in the cache.
func TestJunkDoesNotDefeatAnswerCache(t *testing.T) {
	a, _, _ := newWriteAPI(t, Options{})
	for _, target := range []string{
		"/v1/articles?lang=en&per_page=100",
		"/v1/search?q=dunhuang&lang=en",
		"/v1/suggest?q=dun&lang=en",
		"/?q=skola&lang=sv",
		"/v1/feed.atom?lang=sv",
		"/v1/changes?limit=1000",
		"/v1/translations?per_page=100",
	} {
		t.Run(target, func(t *testing.T) {
			clean := a.get(target)
			if clean.Code != 200 {
				t.Fatalf("clean: %d", clean.Code)
			}
			n := a.srv.answers.len()
			for i := range 30 {
				junk := fmt.Sprintf("%d-%s", i, strings.Repeat("åx学", 20))
				r := a.get(target+fmt.Sprintf("&zz%d=%s", i, url.QueryEscape(junk)),
					"Accept-Language", "x-"+fmt.Sprint(i)+"junk;q=0.5, zh-HK",
					"If-None-Match", `"`+junk+`"`,
					"X-Request-ID", junk,
					"User-Agent", junk,
					fmt.Sprintf("X-Junk-%d", i), junk)
				if r.Code != 200 || !bytes.Equal(r.body, clean.body) {
					t.Fatalf("junk variant %d: %d, same body %v", i, r.Code, bytes.Equal(r.body, clean.body))
				}
			}
			if got := a.srv.answers.len(); got != n {
				t.Errorf("junk variants made %d answers of their own", got-n)
			}
		})
	}
}

// TestDemoPageBadLangSearchesNothing: the demo page with a lang the site
// does not serve is the contract's 400 before any search, as /v1/search
// is, so junk in lang cannot make the server search junk q (issue 14).
func TestDemoPageBadLangSearchesNothing(t *testing.T) {
	a := newAPI(t, nil, Options{})
	n := a.srv.answers.len()
	for i := range 20 {
		r := a.get(fmt.Sprintf("/?lang=x%d&q=skola%d", i, i))
		if r.Code != 400 {
			t.Fatalf("request %d: %d, want 400", i, r.Code)
		}
	}
	if got := a.srv.answers.len(); got != n {
		t.Errorf("20 demo pages with a bad lang made %d answers: they searched", got-n)
	}
}

// TestUnknownTagFeed: the feed for tags the site does not define has the
// bytes the renderer gives it (the empty feed with the tags in its id and
// self link) but is made without rendering: a scanner's new tag on every
// request costs little more than a cached feed, and nothing is cached for
// it (issue 14).
func TestUnknownTagFeed(t *testing.T) {
	a := newAPI(t, nil, Options{})
	cur := a.srv.current()
	long := strings.Repeat("x学 &<>\"'+%", 300)
	for _, tt := range []struct{ lang, query string }{
		{"sv", "tag=nosuch"},
		{"en", "tag=international&tag=nosuch"},
		{"zh-Hans", "tag=a+b&tag=%25&tag=" + url.QueryEscape(long)},
		{"zh-Hant", "tag=" + url.QueryEscape("<x>&amp;")},
		{"zh-HK", "tag=nosuch&tag=nosuch"},
		{"zh-Hant-HK", "tag=" + url.QueryEscape(long)},
	} {
		target := "/v1/feed.atom?lang=" + tt.lang + "&" + tt.query
		r := a.get(target)
		if r.Code != 200 {
			t.Fatalf("%s: %d", target, r.Code)
		}
		lang, v, err := cur.neg.ParseParam(tt.lang)
		if err != nil {
			t.Fatal(err)
		}
		q, _ := url.ParseQuery(tt.query)
		want, err := a.srv.feedRep(cur, langs.Choice{Lang: lang, Variant: v}, q["tag"])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(r.body, want.body) {
			t.Errorf("%s: the feed differs from the rendered one:\n%s\nwant\n%s", target, r.body, want.body)
		}
		if r.Header().Get("Last-Modified") != want.lastModified || r.Header().Get("Content-Language") != lang {
			t.Errorf("%s: Last-Modified %q, Content-Language %q", target, r.Header().Get("Last-Modified"), r.Header().Get("Content-Language"))
		}
	}
	if raceEnabled {
		return // the race detector allocates
	}
	h := a.srv.Handler()
	cached := httptest.NewRequest("GET", "/v1/feed.atom?lang=sv&tag=international", nil)
	unknown := httptest.NewRequest("GET", "/v1/feed.atom?lang=sv&tag="+url.QueryEscape(long), nil)
	w := &discard{h: make(http.Header)}
	allocs := func(req *http.Request) float64 {
		h.ServeHTTP(w, req)
		return testing.AllocsPerRun(100, func() {
			clear(w.h)
			h.ServeHTTP(w, req)
		})
	}
	n := a.srv.answers.len()
	if c, u := allocs(cached), allocs(unknown); u > c+32 {
		t.Errorf("an unknown tag's feed costs %.0f allocations, a cached feed %.0f: it is rendered", u, c)
	}
	if got := a.srv.answers.len(); got != n+1 {
		t.Errorf("the feeds made %d cached answers, want 1 (the known tag's)", got-n)
	}
}

// TestSitemapBuiltOnce: concurrent first requests for the sitemap build it
// once between them, not once each (a scanner's burst at a new generation
// would otherwise build a megabyte per request): eight at once allocate
// about what one does (issue 14).
func TestSitemapBuiltOnce(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	m := fstest.MapFS{}
	if err := fs.WalkDir(content.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(content.FS, p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for i := range 1500 {
		for _, lang := range []string{"sv", "en"} {
			extra := ""
			if lang == "en" {
				extra = "translated_from: sv\nsource_updated: 2024-01-01\n"
			}
			m[fmt.Sprintf("articles/a%d/%s.md", i, lang)] = &fstest.MapFile{Data: fmt.Appendf(nil,
				"---\ntitle: Artikel %d\nslug: artikel-%d-%s\npublished: 2024-01-01\n%s---\n\nText.\n", i, i, lang, extra)}
		}
	}
	cost := func(n int) uint64 {
		h := newAPI(t, m, Options{}).srv.Handler()
		reqs := make([]*http.Request, n)
		for i := range reqs {
			reqs[i] = httptest.NewRequest("GET", "/v1/sitemap.xml", nil)
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		var codes atomic.Int64
		for _, req := range reqs {
			wg.Go(func() {
				w := httptest.NewRecorder()
				w.Body = nil // the body is not kept, so only building counts
				<-start
				h.ServeHTTP(w, req)
				codes.Add(int64(w.Code))
			})
		}
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		close(start)
		wg.Wait()
		runtime.ReadMemStats(&after)
		if got := codes.Load(); got != int64(200*n) {
			t.Fatalf("%d sitemaps: status sum %d", n, got)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	one, eight := cost(1), cost(8)
	t.Logf("one sitemap request allocates %d KiB, eight at once %d KiB", one>>10, eight>>10)
	if eight > one*3/2 {
		t.Errorf("eight concurrent first sitemap requests allocate %d KiB, one %d KiB: each built it", eight>>10, one>>10)
	}
}
