package pgstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/amal-kommun/tolk/content"
	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/httpapi"
	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/load"
	"github.com/amal-kommun/tolk/internal/store"
)

// feedNode is one replica as tolk serve runs it in database mode: the
// core over a Backend, with the Backend's mirror of the change log as its
// journal, behind the real router.
type feedNode struct {
	s     *store.Store
	be    interface{ Journal() *journal.Journal }
	h     http.Handler
	watch func() // starts the core's Watch (once)
}

// feedReplica opens a replica of site in url; with watch its Watch runs
// from the start, otherwise only once n.watch is called.
func feedReplica(t *testing.T, url, site string, watch bool) *feedNode {
	t.Helper()
	be := replica(t, url, site)
	s, err := store.Open(t.Context(), store.Options{Backend: be, Journal: be.Journal()})
	if err != nil {
		t.Fatal(err)
	}
	api, err := httpapi.New(httpapi.Options{Content: s})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	started := false
	n := &feedNode{s: s, be: be, h: api.Handler()}
	n.watch = func() {
		if started {
			return
		}
		started = true
		go func() { defer close(done); s.Watch(ctx) }()
	}
	t.Cleanup(func() {
		cancel()
		if started {
			<-done
		}
		s.Close()
	})
	if watch {
		n.watch()
	}
	return n
}

// get answers GET path on n, returning the status and the body.
func (n *feedNode) get(t *testing.T, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	n.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(b)
}

// page returns the body of /v1/changes from cursor (limit per page) and
// the next cursor, failing on any status but 200.
func (n *feedNode) page(t *testing.T, cursor string, limit int) (body, next string, items int) {
	t.Helper()
	path := fmt.Sprintf("/v1/changes?limit=%d", limit)
	if cursor != "" {
		path += "&since=" + neturl.QueryEscape(cursor)
	}
	code, body := n.get(t, path)
	if code != http.StatusOK {
		t.Fatalf("GET %s = %d %s", path, code, body)
	}
	var out struct {
		Items []json.RawMessage `json:"items"`
		Next  string            `json:"next"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	return body, out.Next, len(out.Items)
}

// pages reads the whole feed of n in pages of limit, from the beginning.
func (n *feedNode) pages(t *testing.T, limit int) []string {
	t.Helper()
	var out []string
	for cursor := ""; ; {
		body, next, items := n.page(t, cursor, limit)
		out = append(out, body)
		if items == 0 {
			return out
		}
		cursor = next
	}
}

// waitAt waits until every node has applied the site's revision now.
func waitAt(t *testing.T, rev uint64, nodes ...*feedNode) {
	t.Helper()
	for i, n := range nodes {
		for start := time.Now(); n.s.Current().Position < store.Position(rev); time.Sleep(10 * time.Millisecond) {
			if time.Since(start) > 10*time.Second {
				t.Fatalf("replica %d at %d, the database at %d", i, n.s.Current().Position, rev)
			}
		}
	}
}

// feedWrites makes changes on the nodes in turn: new titles, a slug
// changed (an upsert with previous_slug and previous_url), a Chinese
// version (with zh-Hant entries) and a translation deleted.
func feedWrites(t *testing.T, round int, nodes ...*feedNode) {
	t.Helper()
	ctx := t.Context()
	lib, _, _ := load.Load(ctx, content.FS)
	r := load.NewRenderer()
	put := func(n *feedNode, v *article.Version, edit func(string) string) {
		t.Helper()
		file := edit(string(load.Format(v)))
		nv, ps := load.ParseVersion("articles/"+v.ID+"/"+v.Lang+".md", []byte(file), r)
		if len(ps) > 0 {
			t.Fatal(ps)
		}
		if _, err := n.s.Put(ctx, nv); err != nil {
			t.Fatal(err)
		}
	}
	for i, v := range lib.All() {
		n := nodes[i%len(nodes)]
		switch {
		case v.Lang == "zh-Hans" || i%3 == 0:
			put(n, v, func(f string) string { return f + fmt.Sprintf("\nRunda %d.\n", round) })
		case v.Lang == "en" && i%4 == 1:
			put(n, v, func(f string) string {
				return strings.Replace(f, "slug: "+v.Slug+"\n", fmt.Sprintf("slug: %s-%d\n", v.Slug, round), 1)
			})
		}
	}
}

// TestFeedIdenticalOnReplicas: in database mode the change feed comes
// from the database's change log: three replicas (writes on two of them,
// a third started cold after the writes) answer every page of
// /v1/changes byte for byte alike; a cursor of one continues on another;
// cursors of another site, of a file journal and mistyped ones are
// refused as the contract says.
func TestFeedIdenticalOnReplicas(t *testing.T) {
	t.Parallel()
	st, url := open(t)
	ctx := t.Context()
	if _, _, err := st.Import(ctx, "default", content.FS); err != nil {
		t.Fatal(err)
	}
	a, b := feedReplica(t, url, "default", true), feedReplica(t, url, "default", true)
	feedWrites(t, 1, a, b)
	if err := b.s.Delete(ctx, "dunhuang-samarbete", "en"); err != nil {
		t.Fatal(err)
	}
	feedWrites(t, 2, b, a)
	snap, err := st.Snapshot(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	c := feedReplica(t, url, "default", true) // cold: it has seen none of the writes
	waitAt(t, snap.Rev, a, b, c)

	want := a.pages(t, 7)
	body := strings.Join(want, "\n")
	for _, s := range []string{`"op":"delete"`, `"lang":"zh-Hant"`, `"previous_url":"https://`} {
		if !strings.Contains(body, s) {
			t.Errorf("the feed has no %s", s)
		}
	}
	if n := strings.Count(body, `"id":`); uint64(n) != snap.Head {
		t.Errorf("the feed has %d items, the log %d entries", n, snap.Head)
	}
	for name, n := range map[string]*feedNode{"B": b, "C (cold)": c} {
		if diff := cmp.Diff(want, n.pages(t, 7)); diff != "" {
			t.Errorf("replica %s's pages differ from A's (-A +%s):\n%s", name, name, diff)
		}
	}
	// One walk across the replicas, a page from each in turn.
	var walk []string
	nodes := []*feedNode{a, b, c}
	for i, cursor := 0, ""; ; i++ {
		body, next, items := nodes[i%3].page(t, cursor, 7)
		walk = append(walk, body)
		if items == 0 {
			break
		}
		cursor = next
	}
	if diff := cmp.Diff(want, walk); diff != "" {
		t.Errorf("a walk across A, B and C differs from A's (-A +walk):\n%s", diff)
	}

	// Cursors the database's feed never handed out.
	if _, _, err := st.Import(ctx, "other", content.FS); err != nil {
		t.Fatal(err)
	}
	other := feedReplica(t, url, "other", false)
	_, otherCursor, _ := other.page(t, "", 3)
	files, err := journal.Open("")
	if err != nil {
		t.Fatal(err)
	}
	if err := files.Append(journal.Entry{ID: "x", Lang: "sv", Op: journal.Upsert}); err != nil {
		t.Fatal(err)
	}
	_, good, _ := a.page(t, "", 3)
	for _, tt := range []struct {
		name, cursor string
		code         int
		problem      string
	}{
		{"another site's", otherCursor, http.StatusGone, "cursor_expired"},
		{"a file journal's", files.End(), http.StatusGone, "cursor_expired"},
		{"mistyped", good[:len(good)-2] + "AA", http.StatusBadRequest, ""},
	} {
		code, body := b.get(t, "/v1/changes?since="+neturl.QueryEscape(tt.cursor))
		if code != tt.code || !strings.Contains(body, tt.problem) {
			t.Errorf("%s cursor: %d %s, want %d %s", tt.name, code, body, tt.code, tt.problem)
		}
	}
}

// TestFeedBehindServesPrefix: a replica behind the log answers a page
// that is a prefix of the page a replica at the head answers for the same
// cursor (no items at all for a cursor beyond its end, with that cursor
// as next), never other items, even though the one at the head serves a
// site.yaml with another site_url (the URLs are the log's); caught up, it
// answers the same page.
func TestFeedBehindServesPrefix(t *testing.T) {
	t.Parallel()
	st, url := open(t)
	ctx := t.Context()
	if _, _, err := st.Import(ctx, "default", content.FS); err != nil {
		t.Fatal(err)
	}
	a := feedReplica(t, url, "default", true)
	behind := feedReplica(t, url, "default", false) // no Watch: it stays at the import
	feedWrites(t, 1, a)
	// A new site_url, applied by A only.
	dir := t.TempDir()
	if _, err := st.Export(ctx, "default", dir); err != nil {
		t.Fatal(err)
	}
	yaml, err := os.ReadFile(filepath.Join(dir, "site.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	yaml = bytes.Replace(yaml, []byte("https://www.amal.se/"), []byte("https://amal.example/"), 1)
	if err := os.WriteFile(filepath.Join(dir, "site.yaml"), yaml, 0o644); err != nil {
		t.Fatal(err)
	}
	res, _, err := st.Import(ctx, "default", os.DirFS(dir))
	if err != nil || !res.SiteChanged {
		t.Fatalf("import of a new site_url: %+v, %v", res, err)
	}
	waitAt(t, res.Rev, a)
	if got := a.s.Current().Library.Site().URL("sv", "x"); got != "https://amal.example/sv/x" {
		t.Fatalf("A serves site_url %s", got)
	}
	_, importEnd, _ := behind.page(t, "", 1000)
	decode := func(body string) ([]json.RawMessage, string) {
		var out struct {
			Items []json.RawMessage `json:"items"`
			Next  string            `json:"next"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		return out.Items, out.Next
	}
	var cursors []string
	for cursor := ""; ; {
		_, next, n := a.page(t, cursor, 5)
		cursors = append(cursors, cursor)
		if n == 0 {
			break
		}
		cursor = next
	}
	sawBeyond := false
	for _, cursor := range cursors {
		for _, limit := range []int{5, 100} {
			wantBody, _, _ := a.page(t, cursor, limit)
			gotBody, gotNext, _ := behind.page(t, cursor, limit)
			wantItems, _ := decode(wantBody)
			gotItems, _ := decode(gotBody)
			if len(gotItems) > len(wantItems) {
				t.Fatalf("behind, %d items after %q, at the head %d", len(gotItems), cursor, len(wantItems))
			}
			for i := range gotItems {
				if string(gotItems[i]) != string(wantItems[i]) {
					t.Fatalf("behind, item %d after %q is %s, at the head %s", i, cursor, gotItems[i], wantItems[i])
				}
			}
			if len(gotItems) == 0 && cursor != "" {
				if gotNext != cursor && gotNext != importEnd {
					t.Errorf("behind, no items after %q but next %q", cursor, gotNext)
				}
				sawBeyond = sawBeyond || gotNext == cursor && cursor != importEnd
			}
		}
	}
	if !sawBeyond {
		t.Error("no cursor of A was beyond the end of the replica behind")
	}
	behind.watch()
	snap, err := st.Snapshot(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	waitAt(t, snap.Rev, behind)
	if diff := cmp.Diff(a.pages(t, 5), behind.pages(t, 5)); diff != "" {
		t.Errorf("caught up, the pages differ (-head +caught up):\n%s", diff)
	}
}
