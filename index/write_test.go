package index

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/amal-kommun/tolk/internal/article"
)

// TestWritesDeriveIncrementally applies random upserts and deletes to an
// index and checks after each that the live snapshot's documents,
// languages, specs, tag count, fingerprint and suggestion table (pending
// writes folded in) equal what a full derive over the same documents
// gives, every few writes that its vocabulary holds every term of a
// fresh index's with at least its count and that it suggests what the
// fresh index does, and at the end that a snapshot taken before the
// writes still holds its documents (writes share, never change, what
// older snapshots read).
func TestWritesDeriveIncrementally(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(17, 30000))
	tagSets := [][]string{nil, {"skola"}, {"skola", "vänort"}, {"vänort", "vänort"}, {"kultur", "skola", "idrott"}}
	version := func(id, lang string) *article.Version {
		return &article.Version{ID: id, Lang: lang, Title: fmt.Sprintf("Titel %d", r.IntN(1000)), Slug: id,
			Tags: tagSets[r.IntN(len(tagSets))], Summary: "Kort.", Text: fmt.Sprintf("Texten %d om skolan.", r.IntN(50))}
	}
	var initial []*article.Version
	want := make(map[string]*article.Version)
	for i := range 20 {
		v := version(fmt.Sprintf("a%d", i), "sv")
		initial = append(initial, v)
		want[docID(v.ID, v.Lang)] = v
	}
	ix := openTest(t, initial)
	before := ix.current()
	beforeDocs := maps.Clone(want)
	for step := range 300 {
		id := fmt.Sprintf("a%d", r.IntN(30))
		// en and zh-Hans have fields from the start; their first version
		// and the removal of their last change the languages seen.
		lang := []string{"sv", "sv", "en", "zh-Hans"}[r.IntN(4)]
		key := docID(id, lang)
		var err error
		if r.IntN(3) > 0 {
			v := version(id, lang)
			want[key] = v
			err = ix.Upsert(ctx, v)
		} else {
			delete(want, key)
			err = ix.Delete(ctx, id, lang)
		}
		if err != nil {
			t.Fatalf("step %d %s: %v", step, key, err)
		}
		got := ix.current()
		fresh := &snapshot{docs: newDocMap(want), an: got.an}
		fresh.derive()
		if diff := cmp.Diff(want, got.docs.plain()); diff != "" {
			t.Fatalf("step %d %s: documents (-want +got):\n%s", step, key, diff)
		}
		if n := got.docs.len(); n != len(want) {
			t.Fatalf("step %d %s: docs.len() = %d, want %d", step, key, n, len(want))
		}
		for k, v := range want {
			if got.docs.get(k) != v {
				t.Fatalf("step %d %s: docs.get(%s) is not the version upserted", step, key, k)
			}
		}
		if diff := cmp.Diff(fresh.langs, got.langs); diff != "" {
			t.Fatalf("step %d %s: langs (-derived +incremental):\n%s", step, key, diff)
		}
		if g, w := slices.Sorted(maps.Keys(got.specs)), slices.Sorted(maps.Keys(fresh.specs)); !slices.Equal(g, w) {
			t.Fatalf("step %d %s: specs of %v, derived %v", step, key, g, w)
		}
		if got.tags != fresh.tags {
			t.Fatalf("step %d %s: tags = %d, derived %d", step, key, got.tags, fresh.tags)
		}
		if diff := cmp.Diff(fresh.langDocs, got.langDocs); diff != "" {
			t.Fatalf("step %d %s: language counts (-derived +incremental):\n%s", step, key, diff)
		}
		if diff := cmp.Diff(fresh.tagDocs, got.tagDocs); diff != "" {
			t.Fatalf("step %d %s: tag counts (-derived +incremental):\n%s", step, key, diff)
		}
		if fp := fingerprint(got.specs, want); got.fp != fp {
			t.Fatalf("step %d %s: fingerprint differs from the documents'", step, key)
		}
		if diff := cmp.Diff(newSuggester(want), got.sugg.fold(), cmp.AllowUnexported(suggester{}, sugEntry{})); diff != "" {
			t.Fatalf("step %d %s: suggestion table (-rebuilt +incremental):\n%s", step, key, diff)
		}
		if step%30 == 29 {
			checkAgainstFresh(t, step, got, ix, want)
		}
	}
	if diff := cmp.Diff(beforeDocs, before.docs.plain()); diff != "" {
		t.Errorf("the snapshot before the writes changed (-then +now):\n%s", diff)
	}
	if before.docs.len() != len(beforeDocs) {
		t.Errorf("the snapshot before the writes has %d documents, had %d", before.docs.len(), len(beforeDocs))
	}
}

// checkAgainstFresh checks that s, the snapshot of ix after writes,
// holds in each vocabulary every term a fresh index of want holds, with
// at least its count (terms of replaced versions stay, see termTable),
// and that ix suggests what the fresh index suggests.
func checkAgainstFresh(t *testing.T, step int, s *snapshot, ix *Index, want map[string]*article.Version) {
	t.Helper()
	fresh, err := Open(context.Background(), Options{}, slices.Collect(maps.Values(want)))
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	fs := fresh.current()
	for f, ft := range fs.vocab {
		gt := s.vocab[f].flat()
		for i := range ft.len() {
			term := ft.term(i)
			j := gt.search(term)
			if j == gt.len() || gt.term(j) != term {
				t.Fatalf("step %d: vocabulary %s lacks %q", step, f, term)
			}
			if gt.freq[j] < ft.freq[i] {
				t.Fatalf("step %d: vocabulary %s counts %q %d times, a fresh index %d", step, f, term, gt.freq[j], ft.freq[i])
			}
		}
	}
	ctx := context.Background()
	for _, p := range []string{"t", "titel", "titel 1", "tit 9", "x"} {
		if diff := cmp.Diff(fresh.Suggest(ctx, p, nil, 0), ix.Suggest(ctx, p, nil, 0)); diff != "" {
			t.Fatalf("step %d: Suggest(%q) (-fresh +incremental):\n%s", step, p, diff)
		}
	}
}

// TestUpsertAllocates checks that a write of one version does not
// allocate room for a hundred of them (zap reserved room for 100
// documents more than a batch held: 1.4 MB per write here, 2.7 MB at
// 30,000 versions; see sizeSegments). A write here allocates about
// 0.35 MB, most of it Bleve's fixed cost of a batch.
func TestUpsertAllocates(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	vs := loadTree(t, "testdata/relevance/content")
	ix := openTest(t, vs)
	ctx := context.Background()
	var size int
	for _, v := range vs {
		size += len(v.Title) + len(v.Summary) + len(v.Text)
	}
	size /= len(vs)
	var before, after runtime.MemStats
	const writes = 20
	runtime.ReadMemStats(&before)
	for i := range writes {
		v := *vs[i]
		v.Text += fmt.Sprintf(" Ändrad %d.", i)
		if err := ix.Upsert(ctx, &v); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	perWrite := int(after.TotalAlloc-before.TotalAlloc) / writes
	t.Logf("%d bytes allocated per write of a version of %d bytes on average", perWrite, size)
	if perWrite > 800_000 {
		t.Errorf("a write allocated %d bytes, more than 800,000", perWrite)
	}
}
