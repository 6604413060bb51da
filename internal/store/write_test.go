package store_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/amal-kommun/tolk/internal/contenttest"
	"github.com/amal-kommun/tolk/internal/store"

	"github.com/google/go-cmp/cmp"

	"github.com/amal-kommun/tolk/content"
	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/load"
)

func TestPutReadYourWrites(t *testing.T) {
	eachBackend(t, baseTree(), func(t *testing.T, f *fixture) {
		ctx := context.Background()
		file := doc("Badhuset öppnar", "badhuset-oppnar", "")

		res, err := f.s.PutBytes(ctx, "badhus", "sv", []byte(file))
		if err != nil {
			t.Fatalf("Put: %v", err)
		}
		if !res.Created || !res.Changed || res.Version == nil || res.Version.Title != "Badhuset öppnar" {
			t.Errorf("Put = %+v, want created and changed with the new version", res)
		}
		if got := titleOf(f.s, "badhus", "sv"); got != "Badhuset öppnar" {
			t.Errorf("Library after Put: title %q", got)
		}
		if diff := cmp.Diff([]string{"badhus/sv"}, searchIDs(t, f.s.Index(), "badhuset", "sv")); diff != "" {
			t.Errorf("search after Put (-want +got):\n%s", diff)
		}
		if f.rec.lib != f.s.Library() {
			t.Error("OnChange did not get the new Library before Put returned")
		}
		if f.fb != nil { // the files of the tree
			data, err := os.ReadFile(filepath.Join(f.dir, "articles", "badhus", "sv.md"))
			if err != nil || string(data) != file {
				t.Errorf("file on disk = %q, %v; want the bytes put", data, err)
			}
		}
		wantJournal := []string{"upsert badhus/sv badhuset-oppnar"}
		if diff := cmp.Diff(wantJournal, f.j.since(f.j.len()-1)); diff != "" {
			t.Errorf("journal (-want +got):\n%s", diff)
		}

		// The same bytes again change nothing.
		entries, events, gens := f.j.len(), f.rec.numEvents(), f.rec.gens
		res, err = f.s.PutBytes(ctx, "badhus", "sv", []byte(file))
		if err != nil {
			t.Fatalf("identical Put: %v", err)
		}
		if res.Created || res.Changed || res.Version == nil {
			t.Errorf("identical Put = %+v, want unchanged with the version", res)
		}
		if f.j.len() != entries || f.rec.numEvents() != events || f.rec.gens != gens {
			t.Error("identical Put appended to the journal, sent a webhook or published a generation")
		}

		// Replacing changes the title everywhere.
		res, err = f.s.PutBytes(ctx, "badhus", "sv", []byte(doc("Simhallen öppnar", "badhuset-oppnar", "")))
		if err != nil || res.Created || !res.Changed {
			t.Fatalf("replacing Put = %+v, %v", res, err)
		}
		if diff := cmp.Diff([]string{"badhus/sv"}, searchIDs(t, f.s.Index(), "simhallen", "sv")); diff != "" {
			t.Errorf("search after replacing (-want +got):\n%s", diff)
		}
		if got := searchIDs(t, f.s.Index(), "badhuset", "sv"); len(got) != 0 {
			// "badhuset" is still the slug, not the title or text.
			t.Logf("search for the old title still finds %v", got)
		}
	})
}

func TestPutJournalAndWebhooks(t *testing.T) {
	eachBackend(t, baseTree(), func(t *testing.T, f *fixture) {
		ctx := context.Background()
		url := func(lang, slug string) string { return "https://www.example.se/" + lang + "/" + slug }
		steps := []struct {
			name        string
			id, lang    string
			file        string
			wantJournal []string
			wantEvents  []string
		}{
			{
				name: "new translation into zh-Hans brings zh-Hant",
				id:   "skola", lang: "zh-Hans",
				file:        doc("学校", "xuexiao", translation("sv")),
				wantJournal: []string{"upsert skola/zh-Hans xuexiao", "upsert skola/zh-Hant xuexiao"},
				wantEvents: []string{
					"article.upsert skola/zh-Hans xuexiao " + url("zh-Hans", "xuexiao") + " -",
					"article.upsert skola/zh-Hant xuexiao " + url("zh-Hant", "xuexiao") + " -",
				},
			},
			{
				name: "changed slug has a previous_url",
				id:   "skola", lang: "sv",
				file:        doc("Skolan", "skolan-i-amal", "tags: [international]\n"),
				wantJournal: []string{"upsert skola/sv skolan-i-amal"},
				wantEvents:  []string{"article.upsert skola/sv skolan-i-amal " + url("sv", "skolan-i-amal") + " " + url("sv", "skolan")},
			},
			{
				name: "turning into a draft is a delete",
				id:   "vanort", lang: "en",
				file:        doc("The twin town", "the-twin-town", translation("sv")+"draft: true\n"),
				wantJournal: []string{"delete vanort/en the-twin-town"},
				wantEvents:  []string{"article.delete vanort/en the-twin-town " + url("en", "the-twin-town") + " " + url("en", "the-twin-town")},
			},
			{
				name: "editing a draft is nothing",
				id:   "vanort", lang: "en",
				file: doc("The twin towns", "the-twin-town", translation("sv")+"draft: true\n"),
			},
			{
				name: "publishing a draft is an upsert",
				id:   "vanort", lang: "en",
				file:        doc("The twin towns", "the-twin-town", translation("sv")),
				wantJournal: []string{"upsert vanort/en the-twin-town"},
				wantEvents:  []string{"article.upsert vanort/en the-twin-town " + url("en", "the-twin-town") + " -"},
			},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				entries, events := f.j.len(), f.rec.numEvents()
				if _, err := f.s.PutBytes(ctx, st.id, st.lang, []byte(st.file)); err != nil {
					t.Fatalf("Put: %v", err)
				}
				if diff := cmp.Diff(st.wantJournal, f.j.since(entries)); diff != "" {
					t.Errorf("journal (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(st.wantEvents, f.rec.eventsSince(events)); diff != "" {
					t.Errorf("webhooks (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestPutValidation(t *testing.T) {
	tests := []struct {
		name     string
		id, lang string
		file     string
		wantKeys []string // Key of each problem
	}{
		{"missing title", "ny", "sv", "---\nslug: ny\npublished: 2020-01-03\n---\n\nText.\n", []string{"title"}},
		{"empty title", "ny", "sv", doc(`""`, "ny", ""), []string{"title"}},
		{"bad slug", "ny", "sv", doc("Ny", "Ny_Artikel", ""), []string{"slug"}},
		{"slug of another article", "ny", "sv", doc("Ny", "skolan", ""), []string{"slug"}},
		{"alias of another article's slug", "ny", "sv", doc("Ny", "ny", "aliases: [vanorten]\n"), []string{"aliases"}},
		{"unknown tag", "ny", "sv", doc("Ny", "ny", "tags: [sport]\n"), []string{"tags"}},
		{"unknown key", "ny", "sv", doc("Ny", "ny", "titel: Ny\n"), []string{"titel"}},
		{"bad date", "ny", "sv", "---\ntitle: Ny\nslug: ny\npublished: igår\n---\n", []string{"published"}},
		{"derived language", "vanort", "zh-Hant", doc("友好城市", "twin-town-zh", translation("zh-Hans")), []string{""}},
		{"unknown language", "ny", "de", doc("Neu", "neu", ""), []string{""}},
		{"language in the wrong case", "ny", "zh-hans", doc("新", "xin", ""), []string{""}},
		{"second original", "vanort", "zh-Hans", doc("友好城市", "twin-town-zh", ""), []string{""}},
		{"second original checked first", "skola", "en", doc("School", "school", ""), []string{""}},
		{"slug of another article in another language", "ny", "en", doc("New", "the-twin-town-x", "aliases: [skolan]\n"), []string{"aliases"}},
		{"translation of a missing version", "skola", "en", doc("The school", "the-school", translation("zh-Hans")), []string{"translated_from"}},
		{"bad article id", "../etc", "sv", doc("Ny", "ny", ""), []string{""}},
		{"bad language name", "ny", "sv/../../x", doc("Ny", "ny", ""), []string{""}},
	}
	eachBackend(t, baseTree(), func(t *testing.T, f *fixture) {
		before, entries := versionsOf(f.s.Library()), f.j.len()
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := f.s.PutBytes(context.Background(), tt.id, tt.lang, []byte(tt.file))
				var ve *store.ValidationError
				if !errors.As(err, &ve) {
					t.Fatalf("Put: %v, want a *ValidationError", err)
				}
				var keys []string
				for _, p := range ve.Problems {
					keys = append(keys, p.Key)
					if p.Message == "" {
						t.Errorf("problem without a message: %+v", p)
					}
				}
				if diff := cmp.Diff(tt.wantKeys, keys); diff != "" {
					t.Errorf("problem keys (-want +got):\n%s\nproblems: %v", diff, ve.Problems)
				}
			})
		}
		if diff := cmp.Diff(before, versionsOf(f.s.Library())); diff != "" {
			t.Errorf("invalid writes changed the Library (-want +got):\n%s", diff)
		}
		if f.j.len() != entries {
			t.Errorf("invalid writes reached the journal: %v", f.j.since(entries))
		}
		if f.fb != nil { // the files of the tree
			if _, err := os.Stat(filepath.Join(f.dir, "articles", "ny")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("invalid writes created a folder: %v", err)
			}
		}
	})
}

func TestDelete(t *testing.T) {
	eachBackend(t, baseTree(), func(t *testing.T, f *fixture) {
		ctx := context.Background()
		steps := []struct {
			name     string
			id, lang string
			want     error
			journal  []string
		}{
			{"original with translations", "vanort", "sv", store.ErrConflict, nil},
			{"source of a translation", "vanort", "en", store.ErrConflict, nil},
			{"missing version", "vanort", "de", store.ErrNotFound, nil},
			{"missing article", "inget", "sv", store.ErrNotFound, nil},
			{"invalid id", "../x", "sv", store.ErrNotFound, nil},
			{"translation", "vanort", "zh-Hans", nil, []string{"delete vanort/zh-Hans twin-town-zh", "delete vanort/zh-Hant twin-town-zh"}},
			{"translation then", "vanort", "en", nil, []string{"delete vanort/en the-twin-town"}},
			{"original last", "vanort", "sv", nil, []string{"delete vanort/sv vanorten"}},
			{"again", "vanort", "sv", store.ErrNotFound, nil},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				n := f.j.len()
				err := f.s.Delete(ctx, st.id, st.lang)
				if !errors.Is(err, st.want) || (st.want == nil && err != nil) {
					t.Fatalf("Delete = %v, want %v", err, st.want)
				}
				if err != nil && f.dir != "" && strings.Contains(err.Error(), f.dir) {
					t.Errorf("the error names a server path: %v", err)
				}
				if st.want == store.ErrConflict {
					var ce *store.ConflictError
					if !errors.As(err, &ce) {
						t.Fatalf("Delete = %T %v, want a *ConflictError", err, err)
					}
					if strings.Contains(ce.Reason, ".md") || strings.Contains(ce.Reason, "articles/") || !strings.Contains(ce.Reason, st.id) {
						t.Errorf("Reason %q should name the article, not files", ce.Reason)
					}
				}
				if diff := cmp.Diff(st.journal, f.j.since(n)); diff != "" {
					t.Errorf("journal (-want +got):\n%s", diff)
				}
				if st.want == nil && f.s.Library().Version(st.id, st.lang) != nil {
					t.Error("the deleted version is still in the Library")
				}
			})
		}
		if f.fb != nil { // the files of the tree
			if _, err := os.Stat(filepath.Join(f.dir, "articles", "vanort")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the empty article folder was not removed: %v", err)
			}
		}
		if got := searchIDs(t, f.s.Index(), "vänorten", "sv"); len(got) != 0 {
			t.Errorf("search still finds the deleted article: %v", got)
		}
	})
}

func TestReadOnly(t *testing.T) {
	fsys := fstest.MapFS{
		"site.yaml":             {Data: []byte(contenttest.Site)},
		"articles/skola/sv.md":  {Data: []byte(doc("Skolan", "skolan", ""))},
		"articles/.tolk-tmp-1":  {Data: []byte("junk")},
		"articles/skola/en.md~": {Data: []byte("junk")},
	}
	s, err := store.Open(context.Background(), store.Options{Backend: embedded(t, fsys)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.ReadOnly() {
		t.Error("ReadOnly() = false for the embedded corpus")
	}
	if diff := cmp.Diff([]string{"skola/sv Skolan"}, versionsOf(s.Library())); diff != "" {
		t.Errorf("Library (-want +got):\n%s", diff)
	}
	if _, err := s.PutBytes(context.Background(), "skola", "en", []byte(doc("School", "school", translation("sv")))); !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("Put = %v, want ErrReadOnly", err)
	}
	if err := s.Delete(context.Background(), "skola", "sv"); !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("Delete = %v, want ErrReadOnly", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Watch(ctx); err != nil {
		t.Errorf("Watch = %v, want nil", err)
	}
}

// TestReadOnlyDirectory makes the content directory really read-only.
func TestReadOnlyDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root, which writes to read-only folders; TestWriteFailures simulates EACCES instead")
	}
	f := newFixture(t, baseTree())
	for _, d := range []string{f.dir, filepath.Join(f.dir, "articles"), filepath.Join(f.dir, "articles", "skola")} {
		if err := os.Chmod(d, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(d, 0o755) })
	}
	if _, err := f.s.PutBytes(context.Background(), "skola", "sv", []byte(doc("Skolan i Åmål", "skolan", ""))); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Put = %v, want ErrUnavailable", err)
	}
	if _, err := f.s.PutBytes(context.Background(), "ny", "sv", []byte(doc("Ny", "ny", ""))); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Put in a new folder = %v, want ErrUnavailable", err)
	}
	if err := f.s.Delete(context.Background(), "skola", "sv"); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Delete = %v, want ErrUnavailable", err)
	}
	if titleOf(f.s, "skola", "sv") != "Skolan" {
		t.Error("failed writes changed the Library")
	}
}

// TestPutClashReportedElsewhere writes a version whose problem article.Build
// reports in another file, and checks that the ValidationError puts it on
// the version written.
func TestPutClashReportedElsewhere(t *testing.T) {
	files := baseTree()
	files["articles/engelsk/en.md"] = doc("English first", "english-first", "")
	eachBackend(t, files, func(t *testing.T, f *fixture) {
		// sv comes before en in the site's order, so Build calls the existing
		// English original the second one.
		_, err := f.s.PutBytes(context.Background(), "engelsk", "sv", []byte(doc("Svenska", "svenska", "")))
		var ve *store.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("Put = %v, want a ValidationError", err)
		}
		for _, p := range ve.Problems {
			if p.Path != "articles/engelsk/sv.md" || !strings.Contains(p.Message, "articles/engelsk/en.md") {
				t.Errorf("problem %+v: want it on the file written, naming the other", p)
			}
		}
		if len(ve.Problems) == 0 {
			t.Error("no problems")
		}
	})
}

// TestPutRewritesFileRemovedOnDisk puts the bytes the Store last saw for a
// file that an editor has since removed, before any re-scan: the file must
// be written again, not taken as unchanged.
func TestPutRewritesFileRemovedOnDisk(t *testing.T) {
	f := newFixture(t, baseTree())
	p := filepath.Join(f.dir, "articles", "skola", "sv.md")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	res, err := f.s.PutBytes(context.Background(), "skola", "sv", data)
	if err != nil || !res.Changed {
		t.Fatalf("Put = %+v, %v; want a change", res, err)
	}
	if got, err := os.ReadFile(p); err != nil || string(got) != string(data) {
		t.Errorf("file after Put = %q, %v", got, err)
	}
}

// TestPutSurvivesIndexFailure breaks the index and checks that a write is
// still acknowledged and served: the backend is the truth, and the index is
// rebuilt in the background.
func TestPutSurvivesIndexFailure(t *testing.T) {
	eachBackend(t, baseTree(), func(t *testing.T, f *fixture) {
		if err := f.s.Index().Close(); err != nil { // every update now fails
			t.Fatal(err)
		}
		if _, err := f.s.PutBytes(context.Background(), "ny", "sv", []byte(doc("Ny", "ny", ""))); err != nil {
			t.Fatalf("Put with a failing index: %v", err)
		}
		if titleOf(f.s, "ny", "sv") != "Ny" {
			t.Error("the write is not served")
		}
		if diff := cmp.Diff([]string{"upsert ny/sv ny"}, f.j.since(f.j.len()-1)); diff != "" {
			t.Errorf("journal (-want +got):\n%s", diff)
		}
		if !f.s.Rebuilding() {
			t.Error("no index rebuild scheduled")
		}
	})
}

// TestEmbeddedMatchesLoad opens the embedded corpus and checks it serves
// what load.Load gives.
func TestEmbeddedMatchesLoad(t *testing.T) {
	s, err := store.Open(context.Background(), store.Options{Backend: embedded(t, content.FS)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	lib, problems, err := load.Load(context.Background(), content.FS)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(versionsOf(lib), versionsOf(s.Library())); diff != "" {
		t.Errorf("versions (-load +store):\n%s", diff)
	}
	if diff := cmp.Diff(problems, s.Problems()); diff != "" {
		t.Errorf("problems (-load +store):\n%s", diff)
	}
}

// TestPutVersion writes a parsed version, as the write API does: the file
// on disk is its canonical form, the served version has the HTML Put
// rendered, and Validate reports a rule of one version alone by its key.
func TestPutVersion(t *testing.T) {
	eachBackend(t, baseTree(), func(t *testing.T, f *fixture) {
		v := &article.Version{ID: "badhus", Lang: "sv", Title: "Badhuset öppnar", Slug: "badhuset-oppnar",
			Published: article.Date{Raw: "2020-01-03"}, Body: "Det *nya* badhuset.\n"}
		if ps := store.Validate(v); len(ps) != 0 {
			t.Fatalf("Validate = %v, want none", ps)
		}
		res, err := f.s.Put(context.Background(), v)
		if err != nil || !res.Created || !res.Changed {
			t.Fatalf("Put = %+v, %v; want created", res, err)
		}
		if f.fb != nil { // the files of the tree
			data, err := os.ReadFile(filepath.Join(f.dir, "articles", "badhus", "sv.md"))
			if err != nil || string(data) != string(load.Format(v)) {
				t.Errorf("file on disk = %q, %v; want load.Format of the version", data, err)
			}
		}
		if got := f.s.Library().Version("badhus", "sv"); got == nil || !strings.Contains(got.HTML, "<em>nya</em>") {
			t.Errorf("served version = %+v, want the rendered body", got)
		}
		bad := *v
		bad.Slug = "Inte_En_Slug"
		ps := store.Validate(&bad)
		if len(ps) != 1 || ps[0].Key != "slug" {
			t.Errorf("Validate of a bad slug = %v, want one problem at slug", ps)
		}
	})
}
