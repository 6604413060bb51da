package pgstore_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/amal-kommun/tolk/content"
	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/pgstore"
)

// tree returns the content files of fsys (site.yaml and the version
// files) by path.
func tree(t *testing.T, fsys fs.FS) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == "site.yaml" || (strings.HasPrefix(p, "articles/") && strings.HasSuffix(p, ".md") && d.Type().IsRegular()) {
			data, err := fs.ReadFile(fsys, p)
			out[p] = string(data)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestImportExportCorpus: the embedded corpus imports in one commit,
// exports as the same files, imports again without a change, and an
// export imported into another site gives the same versions.
func TestImportExportCorpus(t *testing.T) {
	t.Parallel()
	st, _ := open(t)
	ctx := t.Context()
	res, problems, err := st.Import(ctx, "default", content.FS)
	if err != nil || len(problems) > 0 {
		t.Fatalf("Import = %v, problems %v", err, problems)
	}
	corpus := tree(t, content.FS)
	if res.Versions != len(corpus)-1 || res.Written != res.Versions || res.Rev != 1 || !res.SiteChanged {
		t.Fatalf("first import: %+v (corpus has %d files)", res, len(corpus))
	}
	log, _, _, err := st.Log(ctx, "default", 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	hant := 0
	for i, c := range log {
		if !c.Silent || c.Op != journal.Upsert {
			t.Errorf("first import's entry %d = %+v, want a silent upsert", i, c)
		}
		if c.Lang == "zh-Hant" {
			hant++
			if prev := log[i-1]; prev.ID != c.ID || prev.Lang != "zh-Hans" || c.Hash != "" || c.Slug != prev.Slug {
				t.Errorf("zh-Hant entry %+v does not follow its zh-Hans entry %+v", c, prev)
			}
		}
	}
	if hant == 0 || len(log) != res.Logged {
		t.Errorf("%d entries (%d zh-Hant), import said %d", len(log), hant, res.Logged)
	}

	dir := t.TempDir()
	if n, err := st.Export(ctx, "default", dir); err != nil || n != res.Versions {
		t.Fatalf("Export = %d, %v", n, err)
	}
	if diff := cmp.Diff(corpus, tree(t, os.DirFS(dir))); diff != "" {
		t.Errorf("export differs from the corpus (-corpus +export):\n%s", diff)
	}

	again, problems, err := st.Import(ctx, "default", os.DirFS(dir))
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	if again.Written != 0 || again.Deleted != 0 || again.SiteChanged || again.Logged != 0 || again.Rev != 1 || again.Head != res.Head {
		t.Errorf("second import changed something: %+v", again)
	}

	if _, _, err := st.Import(ctx, "copy", os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	a, err := st.Snapshot(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.Snapshot(ctx, "copy")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a.Versions, b.Versions); diff != "" || string(a.SiteYAML) != string(b.SiteYAML) {
		t.Errorf("export → import differs (-default +copy):\n%s", diff)
	}
}

// TestImportChanges: a changed tree logs what changed, in order, with the
// previous slug and URLs, and its drafts and deletions as deletes.
func TestImportChanges(t *testing.T) {
	t.Parallel()
	st, _ := open(t)
	ctx := t.Context()
	files := tree(t, content.FS)
	m := fstest.MapFS{}
	for p, data := range files {
		m[p] = &fstest.MapFile{Data: []byte(data)}
	}
	first, _, err := st.Import(ctx, "default", m)
	if err != nil {
		t.Fatal(err)
	}
	// Change a zh-Hans slug, turn an English version into a draft, delete
	// a Swedish translation-less article's English version.
	const hans = "articles/dunhuang-samarbete/zh-Hans.md"
	m[hans] = &fstest.MapFile{Data: []byte(strings.Replace(files[hans], "slug: dunhuang-hezuo", "slug: dunhuang-hezuo-2", 1))}
	const en = "articles/dunhuang-samarbete/en.md"
	m[en] = &fstest.MapFile{Data: []byte(strings.Replace(files[en], "\n---\n", "\ndraft: true\n---\n", 1))}
	var gone string
	for p := range files {
		if strings.HasSuffix(p, "/en.md") && !strings.Contains(p, "dunhuang") {
			if _, ok := files[strings.TrimSuffix(p, "en.md")+"zh-Hans.md"]; !ok && !strings.Contains(files[p], "translated_from: en") {
				gone = p
				break
			}
		}
	}
	if gone == "" {
		t.Fatal("no English version to delete")
	}
	delete(m, gone)
	res, problems, err := st.Import(ctx, "default", m)
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	if res.Written != 2 || res.Deleted != 1 || res.SiteChanged || res.Rev != 2 {
		t.Errorf("import = %+v", res)
	}
	log, _, _, err := st.Log(ctx, "default", first.Head, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range log {
		got = append(got, c.ID+"/"+c.Lang+" "+string(c.Op)+" "+c.Slug+" "+c.PreviousSlug)
		if c.Silent || c.URL == "" {
			t.Errorf("entry %+v: want announced, with a URL", c)
		}
	}
	goneID := filepath.Base(filepath.Dir(gone))
	want := []string{
		"dunhuang-samarbete/en delete partnership-with-dunhuang ",
		"dunhuang-samarbete/zh-Hans upsert dunhuang-hezuo-2 dunhuang-hezuo",
		"dunhuang-samarbete/zh-Hant upsert dunhuang-hezuo-2 dunhuang-hezuo",
	}
	del := goneID + "/en delete"
	if goneID < "dunhuang-samarbete" {
		want = append([]string{del}, want...)
	} else {
		want = append(want, del)
	}
	for i := range got {
		if strings.HasPrefix(got[i], goneID+"/en delete") {
			got[i] = del
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log of the second import (-want +got):\n%s", diff)
	}
}

// TestImportInvalid: a tree with a problem writes nothing.
func TestImportInvalid(t *testing.T) {
	t.Parallel()
	st, _ := open(t)
	m := fstest.MapFS{}
	for p, data := range tree(t, content.FS) {
		m[p] = &fstest.MapFile{Data: []byte(data)}
	}
	m["articles/x/sv.md"] = &fstest.MapFile{Data: []byte("---\ntitle: x\n---\n")}
	_, problems, err := st.Import(t.Context(), "default", m)
	if err != nil || len(problems) == 0 {
		t.Fatalf("Import = %v, %d problems, want problems", err, len(problems))
	}
	if _, err := st.Snapshot(t.Context(), "default"); !errors.Is(err, pgstore.ErrNoSite) {
		t.Fatalf("Snapshot after an invalid import = %v, want ErrNoSite", err)
	}
}

// TestExportPrunes: an export into an earlier export removes the version
// files the site no longer has and keeps other files.
func TestExportPrunes(t *testing.T) {
	t.Parallel()
	st, _ := open(t)
	ctx := t.Context()
	if _, _, err := st.Import(ctx, "default", content.FS); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	stale := filepath.Join(dir, "articles", "old-article", "sv.md")
	os.MkdirAll(filepath.Dir(stale), 0o755)
	os.WriteFile(stale, []byte("x"), 0o644)
	readme := filepath.Join(dir, "README.md")
	os.WriteFile(readme, []byte("kept"), 0o644)
	if _, err := st.Export(ctx, "default", dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(stale)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale article folder: %v, want it removed", err)
	}
	if _, err := os.Stat(readme); err != nil {
		t.Errorf("README.md: %v, want it kept", err)
	}
	if _, err := st.Export(ctx, "absent", t.TempDir()); !errors.Is(err, pgstore.ErrNoSite) {
		t.Errorf("Export(absent) = %v, want ErrNoSite", err)
	}
}
