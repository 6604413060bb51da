package httpapi

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestNegotiatedErrorsVary: an error whose status or body depended on
// Accept-Language carries Vary: Accept-Language, so a shared cache keeps
// it apart per language (issue 15).
func TestNegotiatedErrorsVary(t *testing.T) {
	a, _, _ := newWriteAPI(t, Options{AdminToken: token})
	if r := a.put("/v1/articles/bara-svenska/sv", strings.Replace(newArticle, "vanorten-de-pere", "bara-svenska", 1)); r.Code != 201 {
		t.Fatalf("create: %d %s", r.Code, r.body)
	}
	for _, tt := range []struct{ target, code string }{
		{"/v1/articles/bara-svenska?fallback=none", "translation_unavailable"},
		{"/v1/articles?lang=xx", "unsupported_language"},
		{"/v1/search?q=a&lang=xx", "unsupported_language"},
	} {
		r := a.get(tt.target, "Accept-Language", "zh-CN")
		if !strings.Contains(string(r.body), tt.code) || !strings.Contains(strings.Join(r.Header().Values("Vary"), ","), "Accept-Language") {
			t.Errorf("%s: %d %v %s", tt.target, r.Code, r.Header().Values("Vary"), r.body)
		}
	}
}

// TestChangeFeedPreviousSlugAndNoCache: /v1/changes is no-cache, and an
// upsert that changed the slug names the old slug and URL (issue 15).
func TestChangeFeedPreviousSlugAndNoCache(t *testing.T) {
	a, _, _ := newWriteAPI(t, Options{AdminToken: token})
	a.put("/v1/articles/vanort-de-pere/sv", newArticle)
	a.put("/v1/articles/vanort-de-pere/sv", strings.Replace(newArticle, `"vanorten-de-pere"`, `"var-vanort"`, 1))
	r := a.get("/v1/changes?limit=1000")
	if cc := r.Header().Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("/v1/changes Cache-Control %q, want no-cache", cc)
	}
	var out struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatal(err)
	}
	n := len(out.Items)
	first, last := out.Items[n-2], out.Items[n-1]
	for _, k := range []string{"previous_slug", "previous_url"} {
		if v, ok := first[k]; !ok || v != nil {
			t.Errorf("first upsert's %s = %v (present %v), want null", k, v, ok)
		}
	}
	if last["previous_slug"] != "vanorten-de-pere" || !strings.HasSuffix(last["previous_url"].(string), "/sv/vanorten-de-pere") {
		t.Errorf("slug change: %v", last)
	}
}

// TestDraftsInPreviewLists: with the token and preview=true, the list
// includes drafts (draft: true) and coverage counts them as draft; the
// article object always has draft and author (issue 15).
func TestDraftsInPreviewLists(t *testing.T) {
	a, _, _ := newWriteAPI(t, Options{AdminToken: token})
	putDraft(t, a)
	auth := []string{"Authorization", "Bearer " + token}
	type item struct {
		ID     string  `json:"id"`
		Draft  *bool   `json:"draft"`
		Author *string `json:"author"`
	}
	find := func(items []item) *item {
		for i := range items {
			if items[i].ID == "utkast" {
				return &items[i]
			}
		}
		return nil
	}
	pub := decode[struct{ Items []item }](t, a.get("/v1/articles?per_page=100", auth...))
	if find(pub.Items) != nil {
		t.Errorf("a draft is listed without preview")
	}
	if len(pub.Items) == 0 || pub.Items[0].Draft == nil || *pub.Items[0].Draft {
		t.Errorf("list items lack draft: false: %+v", pub.Items[:1])
	}
	prev := decode[struct{ Items []item }](t, a.get("/v1/articles?per_page=100&preview=true", auth...))
	if it := find(prev.Items); it == nil || it.Draft == nil || !*it.Draft {
		t.Errorf("preview list: draft missing or not draft: true: %+v", it)
	}
	if r := a.get("/v1/articles?preview=true"); r.Code != 401 {
		t.Errorf("preview list without token: %d", r.Code)
	}
	cov := decode[struct {
		Items []struct {
			ID       string            `json:"id"`
			Versions map[string]string `json:"versions"`
		}
	}](t, a.get("/v1/translations?per_page=100&preview=true", auth...))
	found := false
	for _, it := range cov.Items {
		if it.ID == "utkast" {
			found = true
			if it.Versions["sv"] != "draft" {
				t.Errorf("coverage of a draft: %v", it.Versions)
			}
		}
	}
	if !found {
		t.Errorf("a draft-only article is missing from preview coverage")
	}
	art := a.get("/v1/articles/utkast?preview=true", auth...)
	var m map[string]any
	json.Unmarshal(art.body, &m)
	if m["draft"] != true {
		t.Errorf("preview of a draft: draft = %v", m["draft"])
	}
	if v, ok := m["author"]; !ok || v != nil {
		t.Errorf("author = %v (present %v), want null", v, ok)
	}
}

// TestWriteValidationReportsEverything: every problem at once, each once,
// with the right pointer (issue 15).
func TestWriteValidationReportsEverything(t *testing.T) {
	a, _, _ := newWriteAPI(t, Options{AdminToken: token})
	for _, tt := range []struct {
		name, path, body string
		status           int
		want             []string // pointers, in any order, each exactly once
		detail           string
	}{
		{"bad slug and unknown tag", "/v1/articles/probe/en", `{"title":"T","slug":"Bad Slug","published":"2024-01-01","tags":["nope"]}`, 422, []string{"/slug", "/tags"}, ""},
		{"missing source_updated", "/v1/articles/internationellt-arbete/zh-Hans", `{"title":"T","slug":"ok-slug","published":"2024-01-01","translated_from":"sv"}`, 422, []string{"/source_updated"}, ""},
		{"wrong type once", "/v1/articles/probe/en", `{"title":5,"slug":"ok-slug","published":"2024-01-01"}`, 422, []string{"/title"}, ""},
		{"updated before published", "/v1/articles/probe/en", `{"title":"T","slug":"ok-slug","published":"2024-01-05","updated":"2024-01-01"}`, 422, []string{"/updated"}, ""},
		{"bad id in the URL and a bad slug", "/v1/articles/Bad_Id/en", `{"title":"T","slug":"Bad Slug","published":"2024-01-01"}`, 422, []string{"/id", "/slug"}, ""},
		{"derived lang in the URL", "/v1/articles/probe/zh-Hant", `{"title":"T","slug":"ok-slug","published":"2024-01-01"}`, 422, []string{"/lang"}, ""},
		{"truncated", "/v1/articles/probe/en", `{"title":"T","slug":"ok`, 400, nil, "truncated"},
		{"duplicate key", "/v1/articles/probe/en", `{"title":"T","title":"U","slug":"ok-slug","published":"2024-01-01"}`, 400, nil, "title"},
	} {
		r := a.put(tt.path, tt.body)
		p := decode[Problem](t, r)
		if r.Code != tt.status || !strings.Contains(p.Detail, tt.detail) {
			t.Errorf("%s: %d %s", tt.name, r.Code, r.body)
			continue
		}
		count := map[string]int{}
		for _, e := range p.Errors {
			count[e.Pointer]++
		}
		for _, w := range tt.want {
			if count[w] != 1 {
				t.Errorf("%s: %d errors at %s: %s", tt.name, count[w], w, r.body)
			}
		}
		if len(p.Errors) != len(tt.want) {
			t.Errorf("%s: errors %+v, want exactly %v", tt.name, p.Errors, tt.want)
		}
	}
}
