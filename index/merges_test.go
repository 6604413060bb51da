package index

import (
	"encoding/json"
	"testing"

	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
)

// planSegment is a segment as Scorch's merge planner sees it.
type planSegment struct {
	id         uint64
	full, live int64
}

func (s planSegment) Id() uint64          { return s.id }
func (s planSegment) FullSize() int64     { return s.full }
func (s planSegment) LiveSize() int64     { return s.live }
func (s planSegment) HasVector() bool     { return false }
func (s planSegment) FileSize() int64     { return s.live * 3000 }
func (s planSegment) LiveFileSize() int64 { return s.live * 3000 }

// planOptions returns the merge plan options Scorch derives from
// scorchConfig(n), the way Scorch parses them.
func planOptions(t *testing.T, n int) *mergeplan.MergePlanOptions {
	t.Helper()
	o := mergeplan.DefaultMergePlanOptions
	b, err := json.Marshal(scorchConfig(n)["scorchMergePlanOptions"])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatal(err)
	}
	if err := mergeplan.ValidateMergePlannerOptions(&o); err != nil {
		t.Fatal(err)
	}
	return &o
}

// TestMergesSpareTheCompactedSegment checks that the segments one-version
// writes add are merged among themselves, never with the segment the
// index was compacted into, however many of its documents they replaced,
// while they are not left to pile up either.
func TestMergesSpareTheCompactedSegment(t *testing.T) {
	for _, tc := range []struct {
		docs, writes, replaced int
	}{
		{30000, 40, 40},
		{30000, 400, 300},
		{30000, 4000, 3000},
		{5000, 200, 150},
	} {
		o := planOptions(t, tc.docs)
		segs := []mergeplan.Segment{planSegment{id: 1, full: int64(tc.docs), live: int64(tc.docs - tc.replaced)}}
		for i := range tc.writes {
			segs = append(segs, planSegment{id: uint64(2 + i), full: 1, live: 1})
		}
		p, err := mergeplan.Plan(segs, o)
		if err != nil {
			t.Fatal(err)
		}
		if p == nil || len(p.Tasks) == 0 {
			t.Errorf("%d documents, %d writes: no merge planned", tc.docs, tc.writes)
			continue
		}
		for _, task := range p.Tasks {
			for _, s := range task.Segments {
				if s.Id() == 1 {
					t.Errorf("%d documents, %d writes: the compacted segment is rewritten (with %d others)", tc.docs, tc.writes, len(task.Segments)-1)
				}
			}
		}
	}
}
