package httpapi

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestParallelIfMatchOneWins: ten writers sending the same If-Match at
// once: the precondition is checked under the store's write lock, so one
// succeeds and nine get 412 (issue 14, finding 6).
func TestParallelIfMatchOneWins(t *testing.T) {
	a, _, _ := newWriteAPI(t, Options{AdminToken: token})
	r := a.put("/v1/articles/vanort-de-pere/sv", newArticle)
	if r.Code != 201 {
		t.Fatalf("create: %d %s", r.Code, r.body)
	}
	etag := r.Header().Get("ETag")
	var wg sync.WaitGroup
	codes := make([]int, 10)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := strings.Replace(newArticle, "Zebrafinkar", "Zebror "+strings.Repeat("x", i+1), 1)
			req := httptest.NewRequest("PUT", "/v1/articles/vanort-de-pere/sv", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("If-Match", etag)
			rec := httptest.NewRecorder()
			a.srv.Handler().ServeHTTP(rec, req)
			codes[i] = rec.Code
		}()
	}
	wg.Wait()
	n200, n412 := 0, 0
	for _, c := range codes {
		switch c {
		case 200:
			n200++
		case 412:
			n412++
		}
	}
	if n200 != 1 || n412 != 9 {
		t.Errorf("10 parallel PUTs with one If-Match: %v, want one 200 and nine 412", codes)
	}
}

// TestPreconditionsAsTheContractSays: If-Match accepts any ETag the server
// sent for the current version (identity or gzip, strong or W/) or *;
// If-None-Match: * makes PUT create-only; a failed precondition is 412
// precondition_failed. The client is Go's net/http, which asks for gzip
// and decompresses by itself, so it sees the gzip ETag (issue 15).
func TestPreconditionsAsTheContractSays(t *testing.T) {
	a, _, _ := newWriteAPI(t, Options{AdminToken: token})
	ts := httptest.NewServer(a.srv.Handler())
	defer ts.Close()
	do := func(method, path, body string, hdr ...string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res, string(b)
	}
	const path = "/v1/articles/vanort-de-pere/sv"
	long := strings.Replace(newArticle, "Zebrafinkar.", "Zebrafinkar. "+strings.Repeat("Långa texter komprimeras. ", 80), 1)
	if res, body := do("PUT", path, long, "If-Match", "*"); res.StatusCode != 412 || !strings.Contains(body, `"precondition_failed"`) {
		t.Errorf("If-Match: * on a missing version: %d %s", res.StatusCode, body)
	}
	if res, body := do("PUT", path, long, "If-None-Match", "*"); res.StatusCode != 201 {
		t.Fatalf("create-only PUT of a new version: %d %s", res.StatusCode, body)
	}
	if res, body := do("PUT", path, long, "If-None-Match", "*"); res.StatusCode != 412 || !strings.Contains(body, `"precondition_failed"`) {
		t.Errorf("create-only PUT over an existing version: %d %s", res.StatusCode, body)
	}
	get, _ := do("GET", "/v1/articles/vanort-de-pere?lang=sv&preview=true", "")
	etag := get.Header.Get("ETag")
	if !get.Uncompressed || etag == "" {
		t.Fatalf("the client did not receive gzip (uncompressed=%v, etag %q)", get.Uncompressed, etag)
	}
	for i, form := range []string{"%s", "W/%s", `"other", %s`, "*"} {
		im := form
		if strings.Contains(form, "%s") {
			im = fmt.Sprintf(form, etag)
		}
		body := strings.Replace(long, "Zebrafinkar.", "Zebrafinkar "+strings.Repeat("!", i+1), 1)
		res, b := do("PUT", path, body, "If-Match", im)
		if res.StatusCode != 200 {
			t.Errorf("If-Match %s on the current version: %d %s", im, res.StatusCode, b)
		}
		// Alternate: the identity ETag of the write's answer, then the
		// gzip one of a fresh GET.
		etag = res.Header.Get("ETag")
		if i%2 == 1 {
			get, _ := do("GET", "/v1/articles/vanort-de-pere?lang=sv&preview=true", "")
			etag = get.Header.Get("ETag")
		}
	}
	if res, body := do("PUT", path, long, "If-Match", `"stale"`); res.StatusCode != 412 || !strings.Contains(body, `"precondition_failed"`) {
		t.Errorf("stale If-Match: %d %s", res.StatusCode, body)
	}
	if res, body := do("DELETE", path, "", "If-Match", `"stale"`); res.StatusCode != 412 || !strings.Contains(body, `"precondition_failed"`) {
		t.Errorf("DELETE with a stale If-Match: %d %s", res.StatusCode, body)
	}
	if res, body := do("DELETE", path, "", "If-Match", "*"); res.StatusCode != 204 {
		t.Errorf("DELETE with If-Match: *: %d %s", res.StatusCode, body)
	}
}
