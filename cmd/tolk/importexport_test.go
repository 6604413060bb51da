package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amal-kommun/tolk/content"
	"github.com/amal-kommun/tolk/internal/pgstore/pgtest"
)

// TestImportExport runs tolk import and tolk export against PostgreSQL:
// the embedded corpus goes in, comes out as the same files, and goes in
// again without a change; the database URL may come from the environment.
func TestImportExport(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	out, errOut, err := runTolk(t, "import", "--database", url)
	if err != nil {
		t.Fatalf("import: %v\n%s%s", err, out, errOut)
	}
	if !strings.Contains(out, "site.yaml written") || !strings.Contains(out, "revision 1,") {
		t.Errorf("first import said:\n%s", out)
	}
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	env := func(k string) string {
		if k == "TOLK_DATABASE_URL" {
			return url
		}
		return ""
	}
	if err := run(t.Context(), []string{"export", "--content", dir}, env, &stdout, &stderr); err != nil {
		t.Fatalf("export with TOLK_DATABASE_URL: %v\n%s", err, stderr.String())
	}
	err = fs.WalkDir(content.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		want, _ := fs.ReadFile(content.FS, p)
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("exported %s differs from the corpus (%v)", p, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out, _, err = runTolk(t, "import", "--database", url, "--content", dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, " 0 written, 0 deleted, site.yaml unchanged, 0 changes logged (revision 1,") {
		t.Errorf("importing the export changed something:\n%s", out)
	}

	// A broken tree: its problems are printed, nothing is imported.
	broken := filepath.Join(dir, "articles", "trasig", "sv.md")
	os.MkdirAll(filepath.Dir(broken), 0o755)
	os.WriteFile(broken, []byte("---\ntitle: Trasig\n---\n"), 0o644)
	out, errOut, err = runTolk(t, "import", "--database", url, "--content", dir)
	if err == nil || !strings.Contains(out, filepath.Join("articles", "trasig", "sv.md")) || !strings.Contains(errOut, "nothing imported") {
		t.Errorf("import of a broken tree: %v\n%s%s", err, out, errOut)
	}
}

func TestImportExportFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"import"}, "--database"},
		{[]string{"export", "--database", "postgres://x/y"}, "--content is required"},
		{[]string{"export", "--database", "postgres://x/y", "--content", "d", "extra"}, "unexpected arguments"},
	} {
		_, _, err := runTolk(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("tolk %s = %v, want an error naming %s", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}

// TestImportExportSites: sites of one database are apart; --site falls
// back to TOLK_SITE, and a site never written cannot be exported.
func TestImportExportSites(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	env := func(k string) string {
		switch k {
		case "TOLK_DATABASE_URL":
			return url
		case "TOLK_SITE":
			return "amal"
		}
		return ""
	}
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"import"}, env, &stdout, &stderr); err != nil {
		t.Fatalf("import: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "→ site amal:") {
		t.Errorf("import did not use TOLK_SITE:\n%s", stdout.String())
	}
	if _, _, err := runTolk(t, "export", "--database", url, "--site", "default", "--content", t.TempDir()); err == nil || !strings.Contains(err.Error(), "no such site") {
		t.Errorf("export of a site never written = %v", err)
	}
	if _, _, err := runTolk(t, "export", "--database", url, "--site", "Bad Name", "--content", t.TempDir()); err == nil || !strings.Contains(err.Error(), "bad site name") {
		t.Errorf("export of a bad site name = %v", err)
	}
	dir := t.TempDir()
	if out, _, err := runTolk(t, "export", "--database", url, "--site", "amal", "--content", dir); err != nil || !strings.Contains(out, "site amal → ") {
		t.Fatalf("export --site amal: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "site.yaml")); err != nil {
		t.Error(err)
	}
}
