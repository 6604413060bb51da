package index

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/amal-kommun/tolk/internal/article"
)

// repetitive returns the fixture plus versions whose 1 MiB texts repeat
// one word: the input that made one search cost a second of CPU and
// 720 MB.
func repetitive() []*article.Version {
	vs := fixture()
	return append(vs,
		&article.Version{ID: "aaa", Lang: "sv", Title: "Ett a", Summary: "a a a", Text: strings.Repeat("a ", 1<<19)},
		&article.Version{ID: "aaa", Lang: "en", Title: "An a", Summary: "a a a", Text: strings.Repeat("school ", 1<<17)},
		&article.Version{ID: "aaa", Lang: "zh-Hans", Title: "学校", Summary: "学校", Text: strings.Repeat("学校", 1<<17)},
	)
}

// repetitiveQueries are searches that each match a repetitive text.
var repetitiveQueries = []struct{ q, lang string }{
	{"a", "sv"},
	{"school", "en"},
	{"schools", "en"},
	{`"school school"`, "en"},
	{"学校", "zh-Hans"},
	{"a", ""},
}

// searchBytes returns the bytes allocated by one search.
func searchBytes(t testing.TB, ix *Index, r Request) uint64 {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := ix.Search(context.Background(), r); err != nil {
		t.Fatalf("search %q: %v", r.Query, err)
	}
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestSearchWorkBounded requires a search of a word repeated half a
// million times in one text to allocate what a search of an ordinary
// text does, give or take a few megabytes, and still find and mark it.
func TestSearchWorkBounded(t *testing.T) {
	ix := openTest(t, repetitive())
	const most = 8 << 20
	for _, c := range repetitiveQueries {
		var langs []string
		if c.lang != "" {
			langs = []string{c.lang}
		}
		r := Request{Query: c.q, Langs: langs}
		searchBytes(t, ix, r) // warm the facet tables
		if got := searchBytes(t, ix, r); got > most {
			t.Errorf("search %q in %q allocated %d MB, want at most %d", c.q, c.lang, got>>20, most>>20)
		}
		res, err := ix.Search(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, h := range res.Hits {
			if h.ID == "aaa" {
				found = true
				if !strings.Contains(h.SnippetHTML, "<mark>") {
					t.Errorf("search %q: snippet of the repetitive text marks nothing: %.200q", c.q, h.SnippetHTML)
				}
				if len(h.SnippetHTML) > 4096 {
					t.Errorf("search %q: snippet of %d bytes", c.q, len(h.SnippetHTML))
				}
			}
		}
		if !found {
			t.Errorf("search %q in %q: the repetitive text is not found (%d hits)", c.q, c.lang, len(res.Hits))
		}
	}
}

// BenchmarkRepetitive searches texts that repeat one word half a million
// times.
func BenchmarkRepetitive(b *testing.B) {
	ix := openTest(b, repetitive())
	for _, c := range repetitiveQueries {
		b.Run(c.lang+"/"+c.q, func(b *testing.B) {
			var langs []string
			if c.lang != "" {
				langs = []string{c.lang}
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ix.Search(context.Background(), Request{Query: c.q, Langs: langs}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSearchBudget requires a search over its time budget to fail with
// ErrUnavailable, and a later search in budget to work.
func TestSearchBudget(t *testing.T) {
	ctx := context.Background()
	ix, err := Open(ctx, Options{SearchBudget: time.Nanosecond}, fixture())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if _, err := ix.Search(ctx, Request{Query: "skolan", Langs: []string{"sv"}}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("search over budget: %v, want ErrUnavailable", err)
	}
	if err := ix.Health(); err != nil {
		t.Errorf("a search over budget broke the index: %v", err)
	}
	ix.budget = time.Minute
	if res, err := ix.Search(ctx, Request{Query: "skolan", Langs: []string{"sv"}}); err != nil || res.Total == 0 {
		t.Errorf("search in budget: %d hits, %v", res.Total, err)
	}
	// The caller's own deadline is not the index's failure.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := ix.Search(cctx, Request{Query: "skolan", Langs: []string{"sv"}}); errors.Is(err, ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("search with a cancelled context: %v, want context.Canceled", err)
	}
}
