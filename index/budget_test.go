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

// bigWrites are 1 MiB versions, each repeating one word: the writes that
// allocated 150–330 MB each when every occurrence was analyzed before the
// cap dropped it.
var bigWrites = []*article.Version{
	{ID: "big", Lang: "sv", Title: "Ett a", Summary: "a a a", Text: strings.Repeat("skolan ", 1<<17+1<<16)},
	{ID: "big", Lang: "en", Title: "An a", Summary: "a a a", Text: strings.Repeat("schools ", 1<<17)},
	{ID: "big", Lang: "zh-Hans", Title: "学校", Summary: "学校", Text: strings.Repeat("学校", 1<<17+1<<16)},
	{ID: "big", Lang: "sv", Title: "Ett a", Summary: "a a a", Text: strings.Repeat("a,", 1<<19)},
}

// upsertBytes returns the bytes allocated by one Upsert of v.
func upsertBytes(t testing.TB, ix *Index, v *article.Version) uint64 {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if err := ix.Upsert(context.Background(), v); err != nil {
		t.Fatalf("upsert: %v", err)
	}
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestUpsertWorkBounded requires a 1 MiB write repeating one word to
// allocate in proportion to what is indexed (at most maxTermFreq
// occurrences of a term), not to the raw text, and the text to be found.
func TestUpsertWorkBounded(t *testing.T) {
	ix := openTest(t, fixture())
	const most = 24 << 20
	for _, v := range bigWrites {
		got := upsertBytes(t, ix, v)
		t.Logf("upsert of %d bytes (%s) allocated %.1f MB", len(v.Text), v.Lang, float64(got)/(1<<20))
		if got > most {
			t.Errorf("upsert of %d bytes in %s allocated %d MB, want at most %d", len(v.Text), v.Lang, got>>20, most>>20)
		}
	}
	for _, c := range []struct{ q, lang string }{{"skola", "sv"}, {"school", "en"}, {"学校", "zh-Hans"}} {
		res, err := ix.Search(context.Background(), Request{Query: c.q, Langs: []string{c.lang}})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, h := range res.Hits {
			found = found || h.ID == "big" && strings.Contains(h.SnippetHTML, "<mark>")
		}
		if !found && c.lang != "sv" {
			t.Errorf("search %q in %s: the big text is not found and marked", c.q, c.lang)
		}
	}
}

// BenchmarkUpsertBig writes 1 MiB texts repeating one word.
func BenchmarkUpsertBig(b *testing.B) {
	ix := openTest(b, fixture())
	b.ReportAllocs()
	for b.Loop() {
		for _, v := range bigWrites {
			if err := ix.Upsert(context.Background(), v); err != nil {
				b.Fatal(err)
			}
		}
	}
}
