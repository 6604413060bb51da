package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// TestMain lets tests run the tolk command as a child process: the test
// binary re-executes itself with TOLK_TEST_RUN_MAIN set.
func TestMain(m *testing.M) {
	if os.Getenv("TOLK_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

func runTolk(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	env := func(string) string { return "" }
	err = run(context.Background(), args, env, &out, &errb)
	return out.String(), errb.String(), err
}

func TestCheckEmbedded(t *testing.T) {
	out, _, err := runTolk(t, "check")
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	for _, want := range []string{"article", "internationellt-arbete", "original", "outdated", "missing", "no problems"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestCheckBrokenTree(t *testing.T) {
	dir := t.TempDir()
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(dir+"/"+p[:strings.LastIndex(p, "/")+1], 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir+"/"+p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("site.yaml", "default_language: sv\nlanguages: [{tag: sv}, {tag: en}]\ntags: {a: {sv: A, en: A}}\n")
	write("articles/ok/sv.md", "---\ntitle: Bra\nslug: bra\npublished: 2020-01-03\n---\n\nText.\n")
	write("articles/one/sv.md", "---\ntitle: Ett\nslug: Bad Slug\npublished: 2020-01-03\n---\n")
	write("articles/two/sv.md", "---\ntitle: Två\nslug: tva\npublished: 2020-02-30\n---\n")
	write("articles/three/sv.md", "---\ntitle: Tre\nslug: tre\npublished: 2020-01-03\ntilte: typo\n---\n")
	write("articles/four/sv.md", "")
	write("articles/five/en.md", "---\ntitle: Five\nslug: five\npublished: 2020-01-03\ntranslated_from: sv\nsource_updated: 2020-01-03\n---\n")
	out, errOut, err := runTolk(t, "check", "--content", dir)
	if err == nil {
		t.Fatalf("check passed a broken tree:\n%s", out)
	}
	var located int
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, ".md:") {
			located++
		}
	}
	if located != 5 {
		t.Errorf("%d located problems, want 5:\n%s", located, out)
	}
	if !strings.Contains(errOut, "5 problem(s)") {
		t.Errorf("stderr: %s", errOut)
	}
}

func TestUnknownCommand(t *testing.T) {
	if _, _, err := runTolk(t, "frobnicate"); err == nil {
		t.Error("unknown command accepted")
	}
	if out, _, err := runTolk(t, "version"); err != nil || !strings.HasPrefix(out, "tolk ") {
		t.Errorf("version: %q %v", out, err)
	}
}

func TestIndexCommand(t *testing.T) {
	dir := t.TempDir()
	out, _, err := runTolk(t, "index", "--index", dir)
	if err != nil || !strings.HasPrefix(out, "indexed 20 versions") {
		t.Fatalf("index: %q %v", out, err)
	}
	out, _, err = runTolk(t, "index", "--index", dir)
	if err != nil || !strings.HasPrefix(out, "reused the index of 20 versions") {
		t.Fatalf("second index: %q %v", out, err)
	}
	if _, _, err := runTolk(t, "index"); err == nil {
		t.Error("index without --index succeeded")
	}
}

func TestProgressLines(t *testing.T) {
	var b strings.Builder
	p := newProgress(&b, false)
	for i := 1; i <= 100; i++ {
		p.update(i, 100)
	}
	p.finish()
	if n := strings.Count(b.String(), "\n"); n != 11 { // the first batch, then every tenth
		t.Errorf("%d plain progress lines, want 11:\n%s", n, b.String())
	}
	b.Reset()
	p = newProgress(&b, true)
	p.update(50, 100)
	p.finish()
	if !strings.Contains(b.String(), "\rindexing [===============               ] 50/100\n") {
		t.Errorf("bar: %q", b.String())
	}
}

// testToken is the admin token of the servers the tests start.
const testToken = "tolk-test-admin-token-0123456789abcdef"

// TestShortTokenRefused checks that serve does not start with an admin
// token a client could guess.
func TestShortTokenRefused(t *testing.T) {
	var out, errb bytes.Buffer
	env := func(k string) string {
		if k == "TOLK_ADMIN_TOKEN" {
			return "s3cret"
		}
		return ""
	}
	err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0"}, env, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "TOLK_ADMIN_TOKEN") || !strings.Contains(err.Error(), "openssl rand -hex 32") {
		t.Fatalf("serve with a 6-byte token: %v", err)
	}
}
