package store_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/store"
)

// TestWritesMatchWholeBuild makes a run of writes and, on the file
// backend, edits on disk, each applied to the current generation at the
// cost of the change, and checks
// after each that the Store serves what a Store opened anew on the same
// tree builds over every file: the same versions, problems and search
// hits, and the journal has an entry for exactly what changed.
func TestWritesMatchWholeBuild(t *testing.T) {
	ctx := context.Background()
	files := baseTree()
	// Drafts claim slugs, and a translation whose original is missing is
	// not served: both must come and go as a whole build decides.
	files["articles/utkast/sv.md"] = doc("Utkastet", "utkastet", "draft: true\n")
	files["articles/ensam/en.md"] = doc("Alone", "alone", translation("sv"))
	// A translation without its original is a problem of the tree, which
	// the database's Import refuses: on PostgreSQL the steps that need one
	// are left out.
	pgFiles := maps.Clone(files)
	delete(pgFiles, "articles/ensam/en.md")
	eachBackendOf(t, files, pgFiles, func(t *testing.T, f *fixture) {
		steps := []struct {
			name string
			do   func(t *testing.T)
			// entries are the journal entries the step adds, as op id/lang.
			entries []string
			// lastGood is set when a broken file's last good version stays
			// served, which a Store opened anew never read.
			lastGood bool
			// filesOnly is set for edits of the files and for content only
			// a tree holds: the steps of the file backend only.
			filesOnly bool
		}{
			{"put a new article", func(t *testing.T) {
				mustPut(t, f.s, doc("Badhuset", "badhuset", ""), "badhus", "sv")
			}, []string{"upsert badhus/sv"}, false, false},
			{"put its translation", func(t *testing.T) {
				mustPut(t, f.s, doc("The baths", "the-baths", translation("sv")), "badhus", "en")
			}, []string{"upsert badhus/en"}, false, false},
			{"put the missing original", func(t *testing.T) {
				mustPut(t, f.s, doc("Ensam", "ensam", ""), "ensam", "sv")
			}, []string{"upsert ensam/sv", "upsert ensam/en"}, false, true},
			{"a clash with a draft is refused", func(t *testing.T) {
				_, err := f.s.PutBytes(ctx, "krock", "sv", []byte(doc("Krock", "utkastet", "")))
				if _, ok := err.(*store.ValidationError); !ok {
					t.Fatalf("Put of a draft's slug = %v, want a ValidationError", err)
				}
			}, nil, false, false},
			{"change a slug", func(t *testing.T) {
				mustPut(t, f.s, doc("Skolan", "skolan-ny", "tags: [international]\n"), "skola", "sv")
			}, []string{"upsert skola/sv"}, false, false},
			{"the old slug is free again", func(t *testing.T) {
				mustPut(t, f.s, doc("Gamla", "skolan", ""), "gamla", "sv")
			}, []string{"upsert gamla/sv"}, false, false},
			{"publish the draft", func(t *testing.T) {
				mustPut(t, f.s, doc("Utkastet", "utkastet", ""), "utkast", "sv")
			}, []string{"upsert utkast/sv"}, false, false},
			{"delete a translation", func(t *testing.T) {
				if err := f.s.Delete(ctx, "badhus", "en"); err != nil {
					t.Fatal(err)
				}
			}, []string{"delete badhus/en"}, false, false},
			{"edit on disk", func(t *testing.T) {
				f.write(t, "articles/vanort/en.md", doc("The twin towns", "the-twin-towns", translation("sv")))
				f.write(t, "articles/ny/sv.md", doc("Ny", "ny", ""))
				if err := os.Remove(filepath.Join(f.dir, "articles", "gamla", "sv.md")); err != nil {
					t.Fatal(err)
				}
				if err := f.reload(ctx); err != nil {
					t.Fatal(err)
				}
			}, []string{"delete gamla/sv", "upsert ny/sv", "upsert vanort/en"}, false, true},
			{"break a file on disk", func(t *testing.T) {
				f.write(t, "articles/ny/sv.md", "---\ntitle: [\n---\n")
				if err := f.reload(ctx); err != nil {
					t.Fatal(err)
				}
				if titleOf(f.s, "ny", "sv") != "Ny" {
					t.Error("the last good version of a broken file is not served")
				}
			}, nil, true, true},
			{"mend it", func(t *testing.T) {
				f.write(t, "articles/ny/sv.md", doc("Nyare", "ny", ""))
				if err := f.reload(ctx); err != nil {
					t.Fatal(err)
				}
			}, []string{"upsert ny/sv"}, false, true},
		}
		for _, st := range steps {
			if st.filesOnly && f.fb == nil {
				continue
			}
			n := f.j.len()
			st.do(t)
			var got []string
			for _, e := range f.j.all()[n:] {
				if e.Lang != "zh-Hant" {
					got = append(got, string(e.Op)+" "+e.ID+"/"+e.Lang)
				}
			}
			if !slices.Equal(got, st.entries) {
				t.Errorf("%s: journal entries %q, want %q", st.name, got, st.entries)
			}
			fb, jr := f.backend(t)
			fresh, err := store.Open(ctx, store.Options{Backend: fb, Journal: jr})
			if err != nil {
				t.Fatal(err)
			}
			if st.lastGood {
				fresh.Close()
				continue
			}
			if got, want := versionsOf(f.s.Library()), versionsOf(fresh.Library()); !slices.Equal(got, want) {
				t.Errorf("%s: versions %q, a whole build serves %q", st.name, got, want)
			}
			if got, want := problemsOf(f.s.Problems()), problemsOf(fresh.Problems()); !slices.Equal(got, want) {
				t.Errorf("%s: problems %q, a whole build has %q", st.name, got, want)
			}
			for _, q := range []string{"baths", "twin", "skolan", "ny"} {
				if got, want := searchIDs(t, f.s.Index(), q, "en"), searchIDs(t, fresh.Index(), q, "en"); !slices.Equal(got, want) {
					t.Errorf("%s: search %q finds %q, a whole build %q", st.name, q, got, want)
				}
			}
			fresh.Close()
		}
	})
}

// mustPut puts file as the version of id in lang.
func mustPut(t *testing.T, s *store.Store, file, id, lang string) {
	t.Helper()
	if res, err := s.PutBytes(context.Background(), id, lang, []byte(file)); err != nil || !res.Changed {
		t.Fatalf("Put %s/%s = %+v, %v", id, lang, res, err)
	}
}

// problemsOf lists problems as path: message.
func problemsOf(ps []article.Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s:%d: %s", p.Path, p.Line, p.Message))
	}
	return out
}

// TestWriteSeesUnreportedRescan puts a version while a re-scan's change
// is being reported but not yet applied: the write is validated against
// it all the same (the file backend hands it to the core as behind), so a
// slug the edit on disk took is refused, and the late report changes
// nothing more.
func TestWriteSeesUnreportedRescan(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, baseTree())
	f.write(t, "articles/ny/sv.md", doc("Ny", "nytt-namn", ""))
	var putErr error
	var seq uint64
	err := f.fb.Rescan(ctx, func(d store.Delta) {
		_, putErr = f.s.PutBytes(ctx, "annan", "sv", []byte(doc("Annan", "nytt-namn", "")))
		seq = f.s.Current().Seq
		f.s.Report(d)
	})
	if err != nil {
		t.Fatal(err)
	}
	var ve *store.ValidationError
	if !errors.As(putErr, &ve) || ve.Problems[0].Key != "slug" {
		t.Fatalf("Put of the slug an unreported edit took = %v, want a ValidationError at slug", putErr)
	}
	if titleOf(f.s, "ny", "sv") != "Ny" || titleOf(f.s, "annan", "sv") != "" {
		t.Errorf("served %v", versionsOf(f.s.Library()))
	}
	if got := f.s.Current().Seq; got != seq {
		t.Errorf("the late report published again (Seq %d, was %d)", got, seq)
	}
}
