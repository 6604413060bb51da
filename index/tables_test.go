package index

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/amal-kommun/tolk/internal/article"
)

// derivedTables is what a snapshot's tables hold, in comparable form.
type derivedTables struct {
	Vers    []string // document ids, in table order
	Titles  string
	Starts  []uint32
	Entries [][4]int64
	Vocab   map[string][]string // term and frequency, per field
}

func tablesOf(s *snapshot) derivedTables {
	sugg := s.sugg.fold()
	d := derivedTables{Titles: sugg.titles, Starts: sugg.starts, Vocab: make(map[string][]string)}
	for _, v := range sugg.vers {
		d.Vers = append(d.Vers, docID(v.ID, v.Lang))
	}
	for _, e := range sugg.entries {
		d.Entries = append(d.Entries, [4]int64{int64(e.off), int64(e.n), int64(e.pos), int64(e.ver)})
	}
	for f, t := range s.vocab {
		t = t.flat()
		for i := range t.len() {
			d.Vocab[f] = append(d.Vocab[f], fmt.Sprintf("%s %d", t.term(i), t.freq[i]))
		}
	}
	return d
}

// answers returns what ix answers to a fixed set of searches and
// suggestions, prefixes and typos included. Scores are left out: after an
// update they differ between an index and a fresh one until Bleve merges
// the update's segment.
func answers(t *testing.T, ix *Index) []any {
	t.Helper()
	var out []any
	for _, q := range []string{"välfärdsteknologi", "valfard", "teknologi", "förskola", "skolan", "welfare", "technolgy", "tech", "福利", "library"} {
		hits := find(t, ix, q).Hits
		for i := range hits {
			hits[i].Score = 0
		}
		out = append(out, hits)
	}
	for _, p := range []string{"f", "för", "str", "p", "福", "fu"} {
		out = append(out, ix.Suggest(context.Background(), p, nil, 0))
	}
	return out
}

func TestTablesFile(t *testing.T) {
	ctx := context.Background()
	versions := fixture()
	mem := openTest(t, versions)
	want := tablesOf(mem.current())
	wantAnswers := answers(t, mem)

	dir := t.TempDir()
	open := func(t *testing.T, vs []*article.Version) *Index {
		t.Helper()
		ix, err := Open(ctx, Options{Dir: dir}, vs)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { ix.Close() })
		return ix
	}
	ix := open(t, versions)
	path := filepath.Join(dir, ix.current().name, tablesFile)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("build left no tables file: %v", err)
	}
	ix.Close()

	// check opens the index and reports whether it read the tables file,
	// after checking the tables and answers against an in-memory index.
	check := func(t *testing.T, vs []*article.Version, want derivedTables, wantAnswers []any) bool {
		t.Helper()
		ix := open(t, vs)
		if !ix.Reused() {
			t.Fatal("rebuilt the index")
		}
		s := ix.current()
		if diff := cmp.Diff(want, tablesOf(s)); diff != "" {
			t.Errorf("tables (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(wantAnswers, answers(t, ix)); diff != "" {
			t.Errorf("answers (-want +got):\n%s", diff)
		}
		ix.Close()
		return s.sugg.base.file != nil
	}
	replace := func(t *testing.T, b []byte) {
		t.Helper()
		tmp := path + ".test"
		if err := os.WriteFile(tmp, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("read", func(t *testing.T) {
		if !check(t, versions, want, wantAnswers) {
			t.Error("reopen derived the tables instead of reading them")
		}
	})
	broken := []struct {
		name  string
		spoil func(t *testing.T)
	}{
		{"missing", func(t *testing.T) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}},
		{"empty", func(t *testing.T) { replace(t, nil) }},
		{"truncated", func(t *testing.T) { replace(t, good[:len(good)/2]) }},
		{"header only", func(t *testing.T) { replace(t, good[:tablesHeaderLen]) }},
		{"garbage", func(t *testing.T) {
			b := make([]byte, len(good))
			for i := range b {
				b[i] = byte(i*7 + i>>8)
			}
			replace(t, b)
		}},
		{"flipped byte", func(t *testing.T) {
			b := append([]byte(nil), good...)
			b[len(b)/2] ^= 0x20
			replace(t, b)
		}},
		{"other layout", func(t *testing.T) {
			b := append([]byte(nil), good...)
			b[8]++
			replace(t, b)
		}},
		{"appended bytes", func(t *testing.T) { replace(t, append(append([]byte(nil), good...), 0, 0, 0, 0, 0, 0, 0, 0)) }},
	}
	for _, tc := range broken {
		t.Run(tc.name, func(t *testing.T) {
			tc.spoil(t)
			if check(t, versions, want, wantAnswers) {
				t.Fatal("reopen read a spoilt tables file")
			}
			if !check(t, versions, want, wantAnswers) {
				t.Error("the next reopen derived the tables again: the file was not rewritten")
			}
		})
	}

	t.Run("stale", func(t *testing.T) {
		// An update changes the index's fingerprint but leaves the tables
		// file of the content it was built for.
		changed := fixture()
		changed[0].Title = "Strategi för välfärdsteknologi och sensorer"
		ix := open(t, versions)
		if err := ix.Upsert(ctx, changed[0]); err != nil {
			t.Fatal(err)
		}
		ix.Close()
		mem := openTest(t, changed)
		want := tablesOf(mem.current())
		wantAnswers := answers(t, mem)
		// Terms of replaced versions stay in the vocabulary (see vocab.go),
		// which the in-memory index never had: the first reopen, deriving
		// the tables, says what the vocabulary is.
		ix = open(t, changed)
		derived := tablesOf(ix.current())
		if ix.current().sugg.base.file != nil {
			t.Fatal("reopen read the tables file of other content")
		}
		ix.Close()
		want.Vocab = derived.Vocab
		if diff := cmp.Diff(want, derived); diff != "" {
			t.Errorf("derived tables (-want +got):\n%s", diff)
		}
		if !check(t, changed, want, wantAnswers) {
			t.Error("the next reopen derived the tables again: the file was not rewritten")
		}
		if got := find(t, open(t, changed), "sensorer").Total; got != 1 {
			t.Errorf("sensorer: total %d, want 1", got)
		}
	})
}

func TestTablesStaleMapping(t *testing.T) {
	dir := t.TempDir()
	ix, err := Open(context.Background(), Options{Dir: dir}, fixture())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	s := ix.current()
	path := filepath.Join(dir, s.name, tablesFile)
	fields := vocabFields(s.specs)
	if _, _, err := readTables(path, s.mver, s.fp, s.docs.plain(), fields); err != nil {
		t.Fatalf("readTables: %v", err)
	}
	otherFP := s.fp
	otherFP[0] ^= 1
	docs := s.docs.plain()
	fewer, other := s.docs.plain(), s.docs.plain()
	delete(fewer, docID("skola", "en"))
	delete(other, docID("skola", "en"))
	other[docID("skola", "fr")] = &article.Version{ID: "skola", Lang: "fr", Title: "École"}
	tests := []struct {
		name   string
		mver   string
		fp     contentHash
		docs   map[string]*article.Version
		fields map[string]string
	}{
		{"mapping version", "other", s.fp, docs, fields},
		{"fingerprint", s.mver, otherFP, docs, fields},
		{"a version less", s.mver, s.fp, fewer, fields},
		{"another version", s.mver, s.fp, other, fields},
		{"vocabulary fields", s.mver, s.fp, docs, map[string]string{"title_sv_plain": anPlain}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readTables(path, tc.mver, tc.fp, tc.docs, tc.fields)
			if err == nil {
				t.Fatal("read a tables file written for other content")
			}
		})
	}
}
