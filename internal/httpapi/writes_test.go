package httpapi

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/amal-kommun/tolk/index"
	"github.com/amal-kommun/tolk/internal/contenttest"
	"github.com/amal-kommun/tolk/internal/filestore"
	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/store"
)

const token = "test-token"

// newWriteAPI serves a writable copy of the corpus with a journal, as
// tolk serve --content does.
func newWriteAPI(t testing.TB, opts Options) (*api, *store.Store, string) {
	t.Helper()
	dir := contenttest.Corpus(t)
	ixDir := t.TempDir()
	jr, err := journal.Open(ixDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { jr.Close() })
	files, err := filestore.New(filestore.Options{Dir: dir, CacheDir: ixDir})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), store.Options{Backend: files, Index: index.Options{Dir: ixDir}, Journal: jr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	opts.Content = st
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return &api{t: t, srv: srv, router: openAPIRouter(t, srv)}, st, dir
}

func (a *api) write(method, target, body string, header ...string) response {
	a.t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	a.srv.Handler().ServeHTTP(rec, req)
	a.validate(req, rec, rec.Body.Bytes())
	return response{rec, rec.Body.Bytes()}
}

func (a *api) put(target, body string, header ...string) response {
	a.t.Helper()
	h := append([]string{"Authorization", "Bearer " + token, "Content-Type", "application/json"}, header...)
	return a.write(http.MethodPut, target, body, h...)
}

const newArticle = `{"title": "Vänorten De Pere", "slug": "vanorten-de-pere", "tags": ["de-pere"], "published": "2024-05-16", "body_markdown": "Åmål och De Pere är vänorter. Zebrafinkar."}`

// putDraft writes newArticle as a draft, the Swedish version of a new
// article utkast, through a.
func putDraft(t *testing.T, a *api) {
	t.Helper()
	draft := strings.Replace(newArticle, `"published"`, `"draft": true, "published"`, 1)
	if r := a.put("/v1/articles/utkast/sv", draft); r.Code != 201 {
		t.Fatalf("PUT a draft: %d %s", r.Code, r.body)
	}
}

func TestWriteChecksInOrder(t *testing.T) {
	t.Run("no token configured", func(t *testing.T) {
		a, _, _ := newWriteAPI(t, Options{})
		if r := a.put("/v1/articles/x/sv", newArticle); r.Code != 403 || decode[Problem](t, r).Code != "writes_disabled" {
			t.Errorf("%d %s", r.Code, r.body)
		}
	})
	t.Run("embedded corpus", func(t *testing.T) {
		a := newAPI(t, nil, Options{AdminToken: token}) // the embedded corpus
		if r := a.put("/v1/articles/x/sv", newArticle); r.Code != 409 || decode[Problem](t, r).Code != "read_only" {
			t.Errorf("%d %s", r.Code, r.body)
		}
	})
	a, _, _ := newWriteAPI(t, Options{AdminToken: token})
	tests := []struct {
		name   string
		method string
		body   string
		header []string
		status int
		code   string
	}{
		{"no token", "PUT", newArticle, []string{"Content-Type", "application/json"}, 401, "unauthorized"},
		{"wrong token", "PUT", newArticle, []string{"Authorization", "Bearer nope", "Content-Type", "application/json"}, 401, "unauthorized"},
		{"delete without token", "DELETE", "", nil, 401, "unauthorized"},
		{"not json", "PUT", newArticle, []string{"Authorization", "Bearer " + token, "Content-Type", "text/plain"}, 415, "unsupported_media_type"},
		{"too big", "PUT", `{"body_markdown": "` + strings.Repeat("a", maxBody) + `"}`, []string{"Authorization", "Bearer " + token, "Content-Type", "application/json"}, 413, "payload_too_large"},
		{"malformed", "PUT", `{"title": `, []string{"Authorization", "Bearer " + token, "Content-Type", "application/json"}, 400, "invalid_parameter"},
		{"derived language", "PUT", newArticle, []string{"Authorization", "Bearer " + token, "Content-Type", "application/json"}, 422, "validation_failed"},
		{"author not a string", "PUT", strings.Replace(newArticle, `"published"`, `"author": ["Ada"], "published"`, 1), []string{"Authorization", "Bearer " + token, "Content-Type", "application/json"}, 422, "validation_failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := "/v1/articles/x/sv"
			if tt.name == "derived language" {
				target = "/v1/articles/x/zh-Hant"
			}
			r := a.write(tt.method, target, tt.body, tt.header...)
			if r.Code != tt.status || decode[Problem](t, r).Code != tt.code {
				t.Errorf("%d %s, want %d %s", r.Code, r.body, tt.status, tt.code)
			}
			if tt.status == 401 && r.Header().Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if r.Header().Get("Access-Control-Allow-Origin") != "" {
				t.Error("CORS on a write")
			}
		})
	}
}

func TestWriteValidationListsEveryProblem(t *testing.T) {
	a, _, _ := newWriteAPI(t, Options{AdminToken: token})
	r := a.put("/v1/articles/x/sv", `{"title": "", "slug": "Not A Slug", "published": "yesterday", "tags": ["nope"], "colour": "red", "draft": "yes"}`)
	p := decode[Problem](t, r)
	if r.Code != 422 {
		t.Fatalf("%d %s", r.Code, r.body)
	}
	got := map[string]bool{}
	for _, e := range p.Errors {
		got[e.Pointer] = true
	}
	for _, want := range []string{"/colour", "/draft", "/title", "/slug", "/published"} {
		if !got[want] {
			t.Errorf("no error at %s; errors %+v", want, p.Errors)
		}
	}
	r = a.put("/v1/articles/x/sv", `{"title": "Ok", "slug": "darfor-arbetar-kommunen-internationellt", "published": "2024-01-01", "tags": ["nope"]}`)
	p = decode[Problem](t, r)
	got = map[string]bool{}
	for _, e := range p.Errors {
		got[e.Pointer] = true
	}
	if r.Code != 422 || !got["/slug"] || !got["/tags"] {
		t.Errorf("slug clash and unknown tag: %d %+v", r.Code, p.Errors)
	}
}

// TestWriteMissingSourceUpdatedOnce writes a translation without
// source_updated: the one problem is reported once, at /source_updated,
// whichever of the API's checks and the content format's finds it.
func TestWriteMissingSourceUpdatedOnce(t *testing.T) {
	a, _, _ := newWriteAPI(t, Options{AdminToken: token})
	r := a.put("/v1/articles/x/en", `{"title": "Ok", "slug": "ok-x", "published": "2024-01-01", "translated_from": "sv"}`)
	p := decode[Problem](t, r)
	if r.Code != 422 {
		t.Fatalf("%d %s", r.Code, r.body)
	}
	var at []string
	for _, e := range p.Errors {
		at = append(at, e.Pointer)
	}
	if len(at) != 1 || at[0] != "/source_updated" {
		t.Errorf("errors at %v, want one at /source_updated; errors %+v", at, p.Errors)
	}
}

func TestWriteReadYourWrites(t *testing.T) {
	a, _, dir := newWriteAPI(t, Options{AdminToken: token})
	r := a.put("/v1/articles/vanort-de-pere/sv", newArticle)
	if r.Code != 201 || r.Header().Get("Location") != "/v1/articles/vanort-de-pere?lang=sv" || r.Header().Get("ETag") == "" {
		t.Fatalf("create: %d %v %s", r.Code, r.Header(), r.body)
	}
	if got := a.get("/v1/articles/vanort-de-pere?lang=sv"); got.Code != 200 {
		t.Fatalf("GET after PUT: %d", got.Code)
	}
	res := decode[searchJSON](t, a.get("/v1/search?q=zebrafinkar&lang=sv"))
	if res.Total != 1 || res.Hits[0].ID != "vanort-de-pere" {
		t.Fatalf("search after PUT: %+v", res)
	}
	file, err := os.ReadFile(filepath.Join(dir, "articles", "vanort-de-pere", "sv.md"))
	if err != nil {
		t.Fatal(err)
	}
	want := "---\ntitle: Vänorten De Pere\nslug: vanorten-de-pere\ntags: [de-pere]\npublished: 2024-05-16\n---\n\nÅmål och De Pere är vänorter. Zebrafinkar.\n"
	if string(file) != want {
		t.Errorf("file on disk:\n%s\nwant:\n%s", file, want)
	}
	changes := decode[changesJSON](t, a.get("/v1/changes?limit=1000"))
	n := len(changes.Items)
	if last := changes.Items[n-1]; last.ID != "vanort-de-pere" || last.Op != "upsert" {
		t.Errorf("last change %+v", last)
	}
	if again := a.put("/v1/articles/vanort-de-pere/sv", newArticle); again.Code != 200 {
		t.Errorf("identical PUT: %d", again.Code)
	}
	if n2 := len(decode[changesJSON](t, a.get("/v1/changes?limit=1000")).Items); n2 != n {
		t.Errorf("identical PUT emitted %d changes", n2-n)
	}
	if stale := a.put("/v1/articles/vanort-de-pere/sv", newArticle, "If-Match", `"stale"`); stale.Code != 412 {
		t.Errorf("stale If-Match: %d", stale.Code)
	}
	if ok := a.put("/v1/articles/vanort-de-pere/sv", strings.Replace(newArticle, "Zebrafinkar", "Zebror", 1), "If-Match", r.Header().Get("ETag")); ok.Code != 200 {
		t.Errorf("fresh If-Match: %d %s", ok.Code, ok.body)
	}
	// A translation, then the original cannot go first.
	tr := a.put("/v1/articles/vanort-de-pere/en", `{"title": "Our twin town", "slug": "our-twin-town", "published": "2024-05-16", "translated_from": "sv", "source_updated": "2024-05-16", "body_markdown": "Twins."}`)
	if tr.Code != 201 {
		t.Fatalf("translation: %d %s", tr.Code, tr.body)
	}
	auth := []string{"Authorization", "Bearer " + token}
	if del := a.write("DELETE", "/v1/articles/vanort-de-pere/sv", "", auth...); del.Code != 409 || decode[Problem](t, del).Code != "conflict" {
		t.Errorf("delete original first: %d %s", del.Code, del.body)
	}
	if del := a.write("DELETE", "/v1/articles/vanort-de-pere/en", "", auth...); del.Code != 204 {
		t.Errorf("delete translation: %d %s", del.Code, del.body)
	}
	if del := a.write("DELETE", "/v1/articles/vanort-de-pere/sv", "", auth...); del.Code != 204 {
		t.Errorf("delete original: %d %s", del.Code, del.body)
	}
	if del := a.write("DELETE", "/v1/articles/vanort-de-pere/sv", "", auth...); del.Code != 404 {
		t.Errorf("delete again: %d", del.Code)
	}
	if got := a.get("/v1/articles/vanort-de-pere"); got.Code != 404 {
		t.Errorf("GET after delete: %d", got.Code)
	}
	last := decode[changesJSON](t, a.get("/v1/changes?limit=1000")).Items
	if l := last[len(last)-1]; l.Op != "delete" || l.Slug != "vanorten-de-pere" || l.URL == nil {
		t.Errorf("last change %+v", l)
	}
}

func TestDraftsAndPreview(t *testing.T) {
	a, _, _ := newWriteAPI(t, Options{AdminToken: token})
	putDraft(t, a)
	if r := a.get("/v1/articles/utkast"); r.Code != 404 {
		t.Errorf("draft public: %d", r.Code)
	}
	if r := decode[searchJSON](t, a.get("/v1/search?q=zebrafinkar&lang=sv")); r.Total != 0 {
		t.Errorf("draft searchable: %d", r.Total)
	}
	if r := a.get("/v1/articles/utkast?preview=true"); r.Code != 401 {
		t.Errorf("preview without token: %d", r.Code)
	}
	r := a.get("/v1/articles/utkast?preview=true", "Authorization", "Bearer "+token)
	if r.Code != 200 || r.Header().Get("Cache-Control") != "private, no-store" {
		t.Errorf("preview: %d %q", r.Code, r.Header().Get("Cache-Control"))
	}
	if r := a.put("/v1/articles/utkast/sv", newArticle); r.Code != 200 {
		t.Fatalf("publish: %d", r.Code)
	}
	if r := a.get("/v1/articles/utkast"); r.Code != 200 {
		t.Errorf("published draft: %d", r.Code)
	}
}

func TestChangeFeedCursors(t *testing.T) {
	a, _, _ := newWriteAPI(t, Options{AdminToken: token})
	first := decode[changesJSON](t, a.get("/v1/changes?limit=5"))
	if len(first.Items) != 5 || first.Next == "" {
		t.Fatalf("first page %+v", first)
	}
	var all []changeJSON
	next := ""
	for range 100 {
		target := "/v1/changes?limit=7"
		if next != "" {
			target += "&since=" + next
		}
		page := decode[changesJSON](t, a.get(target))
		all = append(all, page.Items...)
		if len(page.Items) == 0 {
			if page.Next != next {
				t.Errorf("next moved without changes")
			}
			break
		}
		next = page.Next
	}
	// 7 sv + 7 en + 6 zh-Hans + 6 zh-Hant at start.
	if len(all) != 26 {
		t.Errorf("%d changes at start, want 26", len(all))
	}
	a.put("/v1/articles/vanort-de-pere/sv", newArticle)
	after := decode[changesJSON](t, a.get("/v1/changes?since="+next))
	if len(after.Items) != 1 || after.Items[0].ID != "vanort-de-pere" {
		t.Errorf("after a write: %+v", after.Items)
	}
	if r := a.get("/v1/changes?since=garbage"); r.Code != 400 {
		t.Errorf("bad cursor: %d", r.Code)
	}
}

// TestConcurrentWritersAndReaders runs 8 writers and 8 readers for two
// seconds: every read succeeds and every write is acknowledged.
func TestConcurrentWritersAndReaders(t *testing.T) {
	a, _, _ := newWriteAPI(t, Options{AdminToken: token})
	deadline := time.Now().Add(2 * time.Second)
	var wg sync.WaitGroup
	var writes, reads, failures atomic.Int64
	for w := range 8 {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline); i++ {
				body := fmt.Sprintf(`{"title": "Skrivare %d nummer %d", "slug": "skrivare-%d", "published": "2024-01-01", "body_markdown": "Text %d."}`, w, i, w, i)
				req := httptest.NewRequest("PUT", fmt.Sprintf("/v1/articles/skrivare-%d/sv", w), strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				a.srv.Handler().ServeHTTP(rec, req)
				if rec.Code != 200 && rec.Code != 201 {
					failures.Add(1)
					t.Errorf("write: %d %s", rec.Code, rec.Body)
				}
				writes.Add(1)
			}
		})
	}
	for range 8 {
		wg.Go(func() {
			for _, target := range []string{"/v1/articles/internationellt-arbete", "/v1/articles?lang=en", "/v1/search?q=skrivare", "/v1/articles/skrivare-1?lang=sv"} {
				if !time.Now().Before(deadline) {
					return
				}
				rec := httptest.NewRecorder()
				a.srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
				if rec.Code != 200 && !(rec.Code == 404 && strings.Contains(target, "skrivare")) {
					failures.Add(1)
					t.Errorf("read %s: %d %s", target, rec.Code, rec.Body)
				}
				reads.Add(1)
			}
		})
	}
	wg.Wait()
	t.Logf("%d writes, %d reads, %d failures", writes.Load(), reads.Load(), failures.Load())
}

// TestAuthor writes versions with an author and reads it back through
// every representation that shows it: the article (converted for zh-Hant),
// list items, search hits (the author's name finds the version), the Atom
// entry's <author> (an entry without one has the feed's), and the file.
func TestAuthor(t *testing.T) {
	a, _, dir := newWriteAPI(t, Options{AdminToken: token})
	sv := strings.Replace(newArticle, `"published"`, `"author": "Kommunikationsavdelningen", "published"`, 1)
	if r := a.put("/v1/articles/vanort-de-pere/sv", sv); r.Code != 201 || decode[articleJSON](t, r).Author == nil {
		t.Fatalf("PUT with author: %d %s", r.Code, r.body)
	}
	zh := `{"title": "友好城市德佩尔", "slug": "youhao-chengshi-depeier", "published": "2024-05-16", "translated_from": "sv", "source_updated": "2024-05-16", "author": "国际事务办公室", "body_markdown": "友好城市。"}`
	if r := a.put("/v1/articles/vanort-de-pere/zh-Hans", zh); r.Code != 201 {
		t.Fatalf("PUT zh-Hans with author: %d %s", r.Code, r.body)
	}
	file, err := os.ReadFile(filepath.Join(dir, "articles", "vanort-de-pere", "sv.md"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "published: 2024-05-16\nauthor: Kommunikationsavdelningen\n---\n"; !strings.Contains(string(file), want) {
		t.Errorf("file on disk:\n%s\nwant it to contain:\n%s", file, want)
	}

	// Each row reads the author of the version with id from the
	// representation at target: an article, a list or search answer, or
	// an Atom feed ("feed" is the feed's own author).
	tests := []struct {
		name, target, id, want string
	}{
		{"article", "/v1/articles/vanort-de-pere?lang=sv", "vanort-de-pere", "Kommunikationsavdelningen"},
		{"article zh-Hant", "/v1/articles/vanort-de-pere?lang=zh-TW", "vanort-de-pere", "國際事務辦公室"},
		{"article without author", "/v1/articles/internationellt-arbete?lang=sv", "internationellt-arbete", "<null>"},
		{"list item", "/v1/articles?lang=sv&per_page=100", "vanort-de-pere", "Kommunikationsavdelningen"},
		{"list item without author", "/v1/articles?lang=sv&per_page=100", "internationellt-arbete", "<null>"},
		{"search hit found by author", "/v1/search?q=kommunikationsavdelningen&lang=sv", "vanort-de-pere", "Kommunikationsavdelningen"},
		{"search hit without author", "/v1/search?q=skolan&lang=sv", "skolutbyte-de-pere", "<null>"},
		{"atom entry", "/v1/feed.atom?lang=sv", "urn:tolk:article:vanort-de-pere:sv", "Kommunikationsavdelningen"},
		{"atom entry without author", "/v1/feed.atom?lang=sv", "urn:tolk:article:internationellt-arbete:sv", ""},
		{"atom feed author", "/v1/feed.atom?lang=sv", "feed", "Åmåls kommun"},
		{"atom entry zh-Hant", "/v1/feed.atom?lang=zh-Hant", "urn:tolk:article:vanort-de-pere:zh-Hant", "國際事務辦公室"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := a.get(tt.target)
			if r.Code != 200 {
				t.Fatalf("%d %s", r.Code, r.body)
			}
			if got := authorOf(t, r, tt.id); got != tt.want {
				t.Errorf("author %q, want %q", got, tt.want)
			}
		})
	}

	if res := decode[searchJSON](t, a.get("/v1/search?q=kommunikationsavdelningen&lang=sv")); res.Total != 1 {
		t.Errorf("the author's name finds %d versions, want 1: %+v", res.Total, res.Hits)
	}

	// The round trip: the same body changes nothing; leaving author out
	// removes it.
	n := len(decode[changesJSON](t, a.get("/v1/changes?limit=1000")).Items)
	if r := a.put("/v1/articles/vanort-de-pere/sv", sv); r.Code != 200 || authorOf(t, r, "vanort-de-pere") != "Kommunikationsavdelningen" {
		t.Errorf("identical PUT: %d %s", r.Code, r.body)
	}
	if n2 := len(decode[changesJSON](t, a.get("/v1/changes?limit=1000")).Items); n2 != n {
		t.Errorf("identical PUT with author emitted %d changes", n2-n)
	}
	if r := a.put("/v1/articles/vanort-de-pere/sv", newArticle); r.Code != 200 || decode[articleJSON](t, r).Author != nil {
		t.Errorf("PUT without author: %d %s", r.Code, r.body)
	}
	if r := a.get("/v1/articles/vanort-de-pere?lang=sv"); decode[articleJSON](t, r).Author != nil {
		t.Errorf("GET after removing author: %s", r.body)
	}

	bad := []struct {
		name, author, detail string
	}{
		{"not a string", `42`, "author must be a string"},
		{"an object", `{"name": "Ada"}`, "author must be a string"},
		{"too long", `"` + strings.Repeat("å", 201) + `"`, ""},
	}
	for _, tt := range bad {
		t.Run("bad author "+tt.name, func(t *testing.T) {
			r := a.put("/v1/articles/vanort-de-pere/sv", strings.Replace(newArticle, `"published"`, `"author": `+tt.author+`, "published"`, 1))
			p := decode[Problem](t, r)
			if r.Code != 422 || p.Code != "validation_failed" || r.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%d %s", r.Code, r.body)
			}
			if len(p.Errors) != 1 || p.Errors[0].Pointer != "/author" || (tt.detail != "" && p.Errors[0].Detail != tt.detail) {
				t.Errorf("errors %+v, want one at /author %q", p.Errors, tt.detail)
			}
		})
	}
}

// authorOf returns the author of the version with id in the response r:
// an article, a list or search answer, or an Atom feed (where id is an
// entry's id, or "feed" for the feed's own author, and an entry without
// one is ""). A null author is "<null>", a missing version "<none>".
func authorOf(t *testing.T, r response, id string) string {
	t.Helper()
	name := func(s *string) string {
		if s == nil {
			return "<null>"
		}
		return *s
	}
	switch ct := r.Header().Get("Content-Type"); {
	case strings.HasPrefix(ct, "application/atom+xml"):
		if a, ok := atomAuthors(t, r.body)[id]; ok {
			return a
		}
	case bytes.Contains(r.body, []byte(`"hits":`)):
		for _, h := range decode[searchJSON](t, r).Hits {
			if h.ID == id {
				return name(h.Author)
			}
		}
	case bytes.Contains(r.body, []byte(`"items":`)):
		for _, it := range decode[struct{ Items []articleJSON }](t, r).Items {
			if it.ID == id {
				return name(it.Author)
			}
		}
	default:
		if a := decode[articleJSON](t, r); a.ID == id {
			return name(a.Author)
		}
	}
	return "<none>"
}

// atomAuthors returns the author names of an Atom feed: the feed's under
// "feed", each entry's under its id ("" for an entry without one).
func atomAuthors(t *testing.T, body []byte) map[string]string {
	t.Helper()
	var f struct {
		Author []struct {
			Name string `xml:"name"`
		} `xml:"author"`
		Entries []struct {
			ID     string `xml:"id"`
			Author []struct {
				Name string `xml:"name"`
			} `xml:"author"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(body, &f); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	out := map[string]string{}
	if len(f.Author) == 1 {
		out["feed"] = f.Author[0].Name
	}
	for _, e := range f.Entries {
		out[e.ID] = ""
		if len(e.Author) == 1 {
			out[e.ID] = e.Author[0].Name
		}
	}
	return out
}
