package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amal-kommun/tolk/internal/load"
	"github.com/amal-kommun/tolk/internal/store"
)

// heldProblem returns the message of the problem the Store reports for a
// held tree, or "".
func heldProblem(s *store.Store) string {
	for _, p := range s.Problems() {
		if p.Path == load.ArticlesDir {
			return p.Message
		}
	}
	return ""
}

// TestMassDeleteHeld: a re-scan that would delete most of the corpus at
// once (the content directory replaced by an empty one, or gone) is held
// (issue 14, finding 10).
func TestMassDeleteHeld(t *testing.T) {
	ctx := context.Background()
	replaceEmpty := func(t *testing.T, f *fixture) {
		if err := os.RemoveAll(filepath.Join(f.dir, "articles")); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(filepath.Join(f.dir, "articles"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	removeDir := func(t *testing.T, f *fixture) {
		if err := os.Rename(f.dir, f.dir+".gone"); err != nil {
			t.Fatal(err)
		}
	}
	restoreDir := func(t *testing.T, f *fixture) {
		if err := os.Rename(f.dir+".gone", f.dir); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name    string
		break_  func(*testing.T, *fixture)
		restore func(*testing.T, *fixture)
	}{
		{"emptied", replaceEmpty, func(t *testing.T, f *fixture) { writeTree(t, f.dir, baseTree()) }},
		{"missing", removeDir, restoreDir},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, baseTree())
			n, events := f.j.len(), f.rec.numEvents()
			before := versionsOf(f.s.Library())
			tc.break_(t, f)
			f.reload(ctx) // an error for a missing directory
			if got := versionsOf(f.s.Library()); strings.Join(got, ",") != strings.Join(before, ",") {
				t.Errorf("served %v, want the last good %v", got, before)
			}
			if f.j.len() != n || f.rec.numEvents() != events {
				t.Errorf("held scan journaled %d entries and sent %d events", f.j.len()-n, f.rec.numEvents()-events)
			}
			if heldProblem(f.s) == "" {
				t.Errorf("Problems %v do not report the hold", f.s.Problems())
			}
			if got := f.rec.lastProblems(); !strings.Contains(strings.Join(got, "\n"), "articles") {
				t.Errorf("OnChange problems %v do not report the hold", got)
			}
			_, err := f.s.PutBytes(ctx, "ny", "sv", []byte(doc("Ny", "ny", "")))
			if !errors.Is(err, store.ErrUnavailable) {
				t.Errorf("Put while held = %v, want ErrUnavailable", err)
			}
			if err := f.s.Delete(ctx, "skola", "sv"); !errors.Is(err, store.ErrUnavailable) {
				t.Errorf("Delete while held = %v, want ErrUnavailable", err)
			}

			tc.restore(t, f)
			if err := f.reload(ctx); err != nil {
				t.Fatal(err)
			}
			if msg := heldProblem(f.s); msg != "" {
				t.Errorf("still held after the tree came back: %s", msg)
			}
			if f.j.len() != n {
				t.Errorf("the restored tree journaled %v", f.j.since(n))
			}
			if _, err := f.s.PutBytes(ctx, "ny", "sv", []byte(doc("Ny", "ny", ""))); err != nil {
				t.Errorf("Put after the tree came back: %v", err)
			}
		})
	}
}

// TestMassDeleteShare: deleting up to the share is an editor's work; a
// fresh start serves what is there; MaxDeleteShare 1 turns the hold off.
func TestMassDeleteShare(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, baseTree()) // 4 versions
	if err := os.Remove(filepath.Join(f.dir, "articles/skola/sv.md")); err != nil {
		t.Fatal(err)
	}
	if err := f.reload(ctx); err != nil {
		t.Fatal(err)
	}
	if f.s.Library().Version("skola", "sv") != nil || heldProblem(f.s) != "" {
		t.Fatalf("deleting one version of four was held: %v", f.s.Problems())
	}
	os.RemoveAll(filepath.Join(f.dir, "articles"))
	f.reload(ctx)
	if f.s.Library().Version("vanort", "sv") == nil {
		t.Fatal("the whole corpus was deleted by one re-scan")
	}
	// A fresh start serves what is there.
	s, _ := f.open(t)
	if n := len(s.Library().All()); n != 0 || heldProblem(s) != "" {
		t.Errorf("a fresh start serves %d versions, problems %v", n, s.Problems())
	}

	g := newFixture(t, baseTree())
	g.s.Close()
	s, fb := openFiles(t, g.dir, "", store.Options{MaxDeleteShare: 1})
	os.RemoveAll(filepath.Join(g.dir, "articles"))
	os.Mkdir(filepath.Join(g.dir, "articles"), 0o755)
	if err := fb.Rescan(ctx, s.Report); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Library().All()); n != 0 {
		t.Errorf("with MaxDeleteShare 1, %d versions still served", n)
	}
}
