package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/amal-kommun/tolk/content"
	"github.com/amal-kommun/tolk/internal/filestore"
	"github.com/amal-kommun/tolk/internal/httpapi"
	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/store"
)

// generateArgs are the generator's arguments of the go:generate line in
// doc.go, without the output file.
var generateArgs = []string{"tool", "oapi-codegen", "-generate", "types,client", "-package", "apiclient"}

// TestGenerated regenerates the client from the embedded document with the
// pinned oapi-codegen and fails when it differs from the committed one: the
// document must stay acceptable to the generator, and the committed client
// current.
func TestGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds oapi-codegen")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	out := filepath.Join(t.TempDir(), "client.gen.go")
	args := append(append([]string{}, generateArgs...), "-o", out, "../httpapi/static/openapi.yaml")
	cmd := exec.Command("go", args...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("client.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("client.gen.go is not what oapi-codegen generates from the document today; run go generate ./internal/apiclient")
	}
}

// gzipCounter is a transport like a real client's: Go's own, which asks
// for gzip and decompresses silently. It counts the answers that came
// compressed.
type gzipCounter struct {
	base       http.RoundTripper
	compressed atomic.Int64
}

func (g *gzipCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := g.base.RoundTrip(req)
	if err == nil && resp.Uncompressed {
		g.compressed.Add(1)
	}
	return resp, err
}

const token = "apiclient-test-token"

// newServer serves a copy of the embedded corpus from a content directory
// through filestore and store.Open, with a journal and the write API on, as tolk serve
// does, and returns a generated client of it.
func newServer(t *testing.T) (*ClientWithResponses, *gzipCounter) {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "content")
	if err := os.CopyFS(dir, content.FS); err != nil {
		t.Fatal(err)
	}
	jr, err := journal.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { jr.Close() })
	files, err := filestore.New(filestore.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, store.Options{Backend: files, Journal: jr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if p := st.Problems(); len(p) > 0 {
		t.Fatalf("content problems: %v", p)
	}
	api, err := httpapi.New(httpapi.Options{AdminToken: token, Content: st})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(api.Handler())
	t.Cleanup(ts.Close)
	tr := &gzipCounter{base: http.DefaultTransport.(*http.Transport).Clone()}
	c, err := NewClientWithResponses(ts.URL, WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		t.Fatal(err)
	}
	return c, tr
}

// check fails unless the answer has the status and its typed body was
// decoded, and unless the typed body kept every key of the JSON: a key the
// document does not describe would be dropped by the generated types.
func check(t *testing.T, name string, resp *http.Response, body []byte, status int, typed any) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s: status %d, want %d: %.300s", name, resp.StatusCode, status, body)
	}
	if typed == nil {
		return
	}
	var raw any
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	again, err := json.Marshal(typed)
	if err != nil {
		t.Fatal(err)
	}
	var round any
	if err := json.Unmarshal(again, &round); err != nil {
		t.Fatal(err)
	}
	if missing := lostKeys("", raw, round); len(missing) > 0 {
		t.Errorf("%s: the typed value lost %v (undocumented in the OpenAPI document?)", name, missing)
	}
}

// lostKeys lists the JSON pointers of the non-null members of raw that typed
// lacks.
func lostKeys(at string, raw, typed any) []string {
	var lost []string
	switch r := raw.(type) {
	case map[string]any:
		tm, ok := typed.(map[string]any)
		if !ok {
			return []string{at}
		}
		for k, v := range r {
			tv, ok := tm[k]
			if !ok {
				if v != nil {
					lost = append(lost, at+"/"+k)
				}
				continue
			}
			lost = append(lost, lostKeys(at+"/"+k, v, tv)...)
		}
	case []any:
		ta, ok := typed.([]any)
		if !ok || len(ta) != len(r) {
			return []string{at}
		}
		for i := range r {
			lost = append(lost, lostKeys(at+"/"+strconv.Itoa(i), r[i], ta[i])...)
		}
	}
	return lost
}

func ptr[T any](v T) *T { return &v }

// TestReadEndpoints decodes a real server's answer of every read endpoint
// through the generated client's typed methods, over a transport that asks
// for gzip as browsers and Go's net/http do.
func TestReadEndpoints(t *testing.T) {
	c, tr := newServer(t)
	ctx := context.Background()

	langs, err := c.GetLanguagesWithResponse(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "languages", langs.HTTPResponse, langs.Body, 200, langs.JSON200)
	if langs.JSON200 == nil || len(langs.JSON200.Languages) < 4 || langs.JSON200.Default != "sv" {
		t.Fatalf("languages: %+v", langs.JSON200)
	}

	list, err := c.ListArticlesWithResponse(ctx, &ListArticlesParams{Lang: ptr(LangParam("en")), PerPage: ptr(100)})
	if err != nil {
		t.Fatal(err)
	}
	check(t, "list", list.HTTPResponse, list.Body, 200, list.JSON200)
	if list.JSON200 == nil || len(list.JSON200.Items) == 0 || list.JSON200.Total != len(list.JSON200.Items) {
		t.Fatalf("list: %+v", list.JSON200)
	}

	// Every article in every served language, derived zh-Hant included.
	for _, it := range list.JSON200.Items {
		for _, l := range langs.JSON200.Languages {
			a, err := c.GetArticleWithResponse(ctx, it.Id, &GetArticleParams{Lang: ptr(LangParam(l.Tag))})
			if err != nil {
				t.Fatal(err)
			}
			check(t, "article "+it.Id+" "+l.Tag, a.HTTPResponse, a.Body, 200, a.JSON200)
			if a.JSON200.Id != it.Id || a.JSON200.BodyHtml == "" {
				t.Errorf("article %s %s: %+v", it.Id, l.Tag, a.JSON200)
			}
		}
	}
	missing, err := c.GetArticleWithResponse(ctx, "no-such-article", nil)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "article 404", missing.HTTPResponse, missing.Body, 404, missing.ApplicationproblemJSON404)
	if p := missing.ApplicationproblemJSON404; p == nil || p.Code != ProblemCodeNotFound {
		t.Errorf("article 404: %+v", p)
	}

	word := strings.Fields(list.JSON200.Items[0].Title)[0]
	for _, lang := range []string{"en", "all"} {
		s, err := c.SearchWithResponse(ctx, &SearchParams{Q: QueryParam(word), Lang: ptr(SearchLangParam(lang))})
		if err != nil {
			t.Fatal(err)
		}
		check(t, "search "+lang, s.HTTPResponse, s.Body, 200, s.JSON200)
		if s.JSON200.Total == 0 || len(s.JSON200.Hits) == 0 || len(s.JSON200.Facets.Lang) == 0 {
			t.Errorf("search %q lang=%s: %+v", word, lang, s.JSON200)
		}
		g, err := c.SuggestWithResponse(ctx, &SuggestParams{Q: QueryParam(word[:3]), Lang: ptr(SearchLangParam(lang))})
		if err != nil {
			t.Fatal(err)
		}
		check(t, "suggest "+lang, g.HTTPResponse, g.Body, 200, g.JSON200)
		if len(g.JSON200.Suggestions) == 0 {
			t.Errorf("suggest %q lang=%s: none", word[:3], lang)
		}
	}
	bad, err := c.SearchWithResponse(ctx, &SearchParams{Q: "x", PerPage: ptr(51)})
	if err != nil {
		t.Fatal(err)
	}
	check(t, "search 400", bad.HTTPResponse, bad.Body, 400, bad.ApplicationproblemJSON400)
	if p := bad.ApplicationproblemJSON400; p == nil || p.Code != ProblemCodeInvalidParameter || p.Param == nil || *p.Param != "per_page" {
		t.Errorf("search 400: %+v", p)
	}

	tl, err := c.GetTranslationsWithResponse(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "translations", tl.HTTPResponse, tl.Body, 200, tl.JSON200)
	if len(tl.JSON200.Items) == 0 || len(tl.JSON200.Items[0].Versions) != len(langs.JSON200.Languages) {
		t.Errorf("translations: %+v", tl.JSON200)
	}

	// A change to read in the feed: the original of an article rewritten
	// through the typed write method.
	first := list.JSON200.Items[0]
	orig, err := c.GetArticleWithResponse(ctx, first.Id, &GetArticleParams{Lang: ptr(LangParam(first.OriginalLang))})
	if err != nil {
		t.Fatal(err)
	}
	art := orig.JSON200
	tags := make([]string, len(art.Tags))
	for i, tg := range art.Tags {
		tags[i] = tg.Key
	}
	put, err := c.PutArticleWithResponse(ctx, art.Id, StoredLangParam(art.Lang), nil, VersionWrite{
		Title: art.Title + " (edited)", Slug: art.Slug, Published: art.Published, Updated: &art.Updated,
		Tags: &tags, Summary: &art.Summary, BodyMarkdown: ptr("Edited."),
	}, func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check(t, "put", put.HTTPResponse, put.Body, 200, put.JSON200)

	var since *string
	var changes []Change
	for range 100 {
		ch, err := c.GetChangesWithResponse(ctx, &GetChangesParams{Since: since, Limit: ptr(7)})
		if err != nil {
			t.Fatal(err)
		}
		check(t, "changes", ch.HTTPResponse, ch.Body, 200, ch.JSON200)
		changes = append(changes, ch.JSON200.Items...)
		if len(ch.JSON200.Items) == 0 {
			break
		}
		since = &ch.JSON200.Next
	}
	if len(changes) == 0 || changes[len(changes)-1].Id != art.Id || changes[len(changes)-1].Op != Upsert {
		t.Errorf("changes: want the edit of %s last, got %+v", art.Id, changes)
	}

	feed, err := c.GetFeedWithResponse(ctx, &GetFeedParams{Lang: ptr(LangParam("sv"))})
	if err != nil {
		t.Fatal(err)
	}
	check(t, "feed", feed.HTTPResponse, feed.Body, 200, nil)
	if !bytes.Contains(feed.Body, []byte("<feed")) {
		t.Errorf("feed: %.200s", feed.Body)
	}
	sm, err := c.GetSitemapWithResponse(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "sitemap", sm.HTTPResponse, sm.Body, 200, nil)
	if !bytes.Contains(sm.Body, []byte("<urlset")) {
		t.Errorf("sitemap: %.200s", sm.Body)
	}

	hz, err := c.HealthzWithResponse(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "healthz", hz.HTTPResponse, hz.Body, 200, hz.JSON200)
	rz, err := c.ReadyzWithResponse(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "readyz", rz.HTTPResponse, rz.Body, 200, rz.JSON200)
	if hz.JSON200.Status != Ok || rz.JSON200.Status != Ok {
		t.Errorf("healthz %+v, readyz %+v", hz.JSON200, rz.JSON200)
	}

	doc, err := c.OpenapiWithResponse(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "openapi", doc.HTTPResponse, doc.Body, 200, doc.JSON200)
	if doc.JSON200.Openapi != "3.0.3" || len(doc.JSON200.Paths) == 0 {
		t.Errorf("openapi: %s, %d paths", doc.JSON200.Openapi, len(doc.JSON200.Paths))
	}

	if tr.compressed.Load() == 0 {
		t.Error("no answer came gzip-compressed: the transport should ask for gzip as real clients do")
	}
}
