package apiclient

import (
	"context"
	"net/http"
	"testing"
)

// TestConditionalWrite edits a version the way a CMS on Go's net/http
// does: it reads the preview (the transport asks for gzip and decompresses
// silently, so the ETag it keeps is the gzip representation's) and writes
// it back with If-Match, through the generated typed methods; a stale
// If-Match and a create-only PUT of an existing version are 412
// precondition_failed.
func TestConditionalWrite(t *testing.T) {
	c, _ := newServer(t)
	ctx := context.Background()
	auth := func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
	list, err := c.ListArticlesWithResponse(ctx, &ListArticlesParams{Lang: ptr(LangParam("sv"))})
	if err != nil {
		t.Fatal(err)
	}
	first := list.JSON200.Items[0]
	read := func() (*Article, string, bool) {
		t.Helper()
		r, err := c.GetArticleWithResponse(ctx, first.Id, &GetArticleParams{Lang: ptr(LangParam(first.OriginalLang)), Preview: ptr(GetArticleParamsPreviewTrue)}, auth)
		if err != nil {
			t.Fatal(err)
		}
		check(t, "preview", r.HTTPResponse, r.Body, 200, r.JSON200)
		return r.JSON200, r.HTTPResponse.Header.Get("ETag"), r.HTTPResponse.Uncompressed
	}
	art, etag, gzipped := read()
	if etag == "" || !gzipped {
		t.Fatalf("want the preview gzip-compressed with an ETag (gzip %v, ETag %q)", gzipped, etag)
	}
	tags := make([]string, len(art.Tags))
	for i, tg := range art.Tags {
		tags[i] = tg.Key
	}
	body := func(title string) VersionWrite {
		return VersionWrite{Title: title, Slug: art.Slug, Published: art.Published, Updated: &art.Updated,
			Tags: &tags, Summary: &art.Summary, BodyMarkdown: ptr("Edited.")}
	}
	put, err := c.PutArticleWithResponse(ctx, art.Id, StoredLangParam(art.Lang), &PutArticleParams{IfMatch: ptr(IfMatchHeader(etag))}, body(art.Title+" (1)"), auth)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "put If-Match current", put.HTTPResponse, put.Body, 200, put.JSON200)

	stale, err := c.PutArticleWithResponse(ctx, art.Id, StoredLangParam(art.Lang), &PutArticleParams{IfMatch: ptr(IfMatchHeader(etag))}, body(art.Title+" (2)"), auth)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "put If-Match stale", stale.HTTPResponse, stale.Body, 412, stale.ApplicationproblemJSON412)
	if p := stale.ApplicationproblemJSON412; p.Code != ProblemCodePreconditionFailed {
		t.Errorf("stale If-Match: code %s", p.Code)
	}
	create, err := c.PutArticleWithResponse(ctx, art.Id, StoredLangParam(art.Lang), &PutArticleParams{IfNoneMatch: ptr(PutArticleParamsIfNoneMatchAsterisk)}, body(art.Title+" (3)"), auth)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "put If-None-Match *", create.HTTPResponse, create.Body, 412, create.ApplicationproblemJSON412)
}
