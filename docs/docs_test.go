// Package docs_test keeps the manual in docs/ honest: every curl example is
// run against a real server and must answer the status it documents, the
// systemd unit must pass systemd-analyze verify, and no page may point
// outside the repository.
package docs_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amal-kommun/tolk/internal/webhook"
	"github.com/google/go-cmp/cmp"
)

// exampleHost is the address the examples use: the default of
// `go run ./cmd/tolk serve`. The test substitutes its own server's.
const exampleHost = "localhost:8080"

// testToken is the admin token of the test's server; the examples read it
// from $TOLK_ADMIN_TOKEN.
const testToken = "docs-test-token-0123456789abcdef-0123456789"

// statusMarker is the comment that states the status of the next curl, as
// in "# → 200".
var statusMarker = regexp.MustCompile(`^#\s*→\s*(\d{3})\b`)

// block is one fenced code block of a page.
type block struct {
	lang  string // the info string, such as "sh"
	line  int    // line of the opening fence
	lines []string
}

// fences returns the fenced code blocks of a Markdown page.
func fences(t *testing.T, path string) []block {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []block
	var cur *block
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			if cur == nil {
				cur = &block{lang: strings.TrimSpace(strings.TrimPrefix(line, "```")), line: n}
			} else {
				out = append(out, *cur)
				cur = nil
			}
			continue
		}
		if cur != nil {
			cur.lines = append(cur.lines, line)
		}
	}
	if cur != nil {
		t.Fatalf("%s:%d: unclosed code fence", path, cur.line)
	}
	return out
}

// curlStart reports whether a line starts a curl command, directly or as
// the command substitution of a variable assignment.
var curlStart = regexp.MustCompile(`^(curl\s|[A-Z_][A-Z0-9_]*=\$\(curl\s)`)

// assignment matches a shell variable assignment.
var assignment = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*=`)

// script is the runnable part of one page: its curl examples in order, as
// one shell script, and the status each must answer.
type script struct {
	text   string
	wants  []int
	places []string // file:line of each curl, for messages
	cmds   []string // each curl's text, continuation lines included
}

// pending lists examples whose documented status the server on main does
// not give yet, by a phrase of the command, with what is missing. Such an
// example is reported, not failed; remove its row when the change lands.
var pending = map[string]string{}

// examples collects the sh blocks of a page that contain curl. Such a
// block may hold only curl commands, variable assignments, comments and
// blank lines, and every curl needs a status marker, so that a reader can
// paste the block as it is.
func examples(t *testing.T, path string) script {
	t.Helper()
	var s script
	for _, b := range fences(t, path) {
		if b.lang != "sh" {
			continue
		}
		hasCurl := false
		for _, l := range b.lines {
			if curlStart.MatchString(l) {
				hasCurl = true
			}
		}
		if !hasCurl {
			continue
		}
		want := 0
		cont, quoted, inCmd := false, false, false
		for i, l := range b.lines {
			place := fmt.Sprintf("%s:%d", filepath.Base(path), b.line+1+i)
			wasCont := cont
			trimmed := strings.TrimSpace(l)
			switch {
			case cont:
				// A continuation of the previous command.
			case trimmed == "":
			case strings.HasPrefix(trimmed, "#"):
				if m := statusMarker.FindStringSubmatch(trimmed); m != nil {
					want, _ = strconv.Atoi(m[1])
				}
			case curlStart.MatchString(l):
				if want == 0 && assignment.MatchString(l) {
					want = http.StatusOK // VAR=$(curl …) reads what the next example needs
				}
				if want == 0 {
					t.Errorf("%s: curl without a status marker (# → 200) before it", place)
				}
				s.wants = append(s.wants, want)
				s.places = append(s.places, place)
				s.cmds = append(s.cmds, "")
				want = 0
			case assignment.MatchString(l):
			default:
				t.Errorf("%s: a block with curl examples may hold only curl, assignments and comments, not %q", place, l)
			}
			if strings.Count(l, "'")%2 == 1 {
				quoted = !quoted // a single-quoted argument spans lines
			}
			cont = quoted || strings.HasSuffix(l, `\`)
			if curlStart.MatchString(l) && !wasCont {
				inCmd = true
			}
			if inCmd {
				s.cmds[len(s.cmds)-1] += l + "\n"
				inCmd = cont
			}
			s.text += l + "\n"
		}
	}
	return s
}

// trackSources stats every file of the module, so that Go's test cache,
// which does not see what a child "go build" reads, reruns the test when
// any of them changes.
func trackSources(t *testing.T) {
	t.Helper()
	err := filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != ".." {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			_, err = os.Stat(p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// server builds ./cmd/tolk, starts it on a copy of content/ with an admin
// token and returns its host:port.
func server(t *testing.T) string {
	t.Helper()
	trackSources(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "tolk")
	build := exec.Command("go", "build", "-o", bin, "./cmd/tolk")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/tolk: %v\n%s", err, out)
	}
	content := filepath.Join(dir, "content")
	if err := os.CopyFS(content, os.DirFS("../content")); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve", "--addr", addr, "--content", content,
		"--index", filepath.Join(dir, "index"), "--log-level", "warn")
	cmd.Env = append(os.Environ(), "TOLK_ADMIN_TOKEN="+testToken)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		if t.Failed() {
			t.Logf("server log:\n%s", log.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server on %s not ready after 60 s", addr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pages returns the Markdown pages of docs/, sorted.
func pages(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatal("no pages in docs/")
	}
	return files
}

// statusLine is what the test's curl wrapper writes to stderr after each
// request.
const statusLine = "tolk-docs-status:"

// TestCurlExamples runs every page's curl examples, in order, against a
// real server and checks that each answers the status its marker states.
func TestCurlExamples(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but curl is not installed: the documentation's examples cannot be checked")
		}
		t.Skip("curl is not installed")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	var scripts []script
	var names []string
	for _, p := range pages(t) {
		if s := examples(t, p); len(s.wants) > 0 {
			scripts = append(scripts, s)
			names = append(names, p)
		}
	}
	if len(scripts) == 0 {
		t.Fatal("no curl examples found in docs/")
	}
	if t.Failed() {
		t.FailNow()
	}
	addr := server(t)
	// The wrapper keeps the examples' own output on stdout (so that
	// VAR=$(curl …) works) and reports each status on stderr.
	prelude := fmt.Sprintf("curl() { %q -sS --max-time 20 -w '%%{stderr}%s%%{http_code}\\n' \"$@\"; }\n", curl, statusLine)
	for i, s := range scripts {
		t.Run(names[i], func(t *testing.T) {
			text := prelude + strings.ReplaceAll(s.text, exampleHost, addr)
			cmd := exec.Command(sh, "-c", text)
			cmd.Dir = t.TempDir() // examples may write files (curl -o)
			cmd.Env = append(os.Environ(), "TOLK_ADMIN_TOKEN="+testToken)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Logf("script exit: %v", err)
			}
			var got []int
			var other []string
			for _, l := range strings.Split(stderr.String(), "\n") {
				if rest, ok := strings.CutPrefix(l, statusLine); ok {
					n, _ := strconv.Atoi(rest)
					got = append(got, n)
				} else if i := strings.Index(l, statusLine); i >= 0 {
					n, _ := strconv.Atoi(l[i+len(statusLine):])
					got = append(got, n)
					other = append(other, l[:i])
				} else if l != "" {
					other = append(other, l)
				}
			}
			for j := range s.wants {
				g := -1
				if j < len(got) {
					g = got[j]
				}
				if g != s.wants[j] {
					if why := pendingReason(s.cmds[j]); why != "" {
						t.Logf("%s: status %d, the page says %d: pending, %s", s.places[j], g, s.wants[j], why)
						continue
					}
					t.Errorf("%s: status %d, the page says %d", s.places[j], g, s.wants[j])
				}
			}
			if len(got) != len(s.wants) {
				t.Errorf("%d requests ran, the page has %d curl examples", len(got), len(s.wants))
			}
			if t.Failed() {
				t.Logf("stderr:\n%s", strings.Join(other, "\n"))
			}
		})
	}
}

// pendingReason returns why cmd is pending, or "".
func pendingReason(cmd string) string {
	for phrase, why := range pending {
		if strings.Contains(cmd, phrase) {
			return why
		}
	}
	return ""
}

// TestSystemdUnit checks the unit in operations.md with systemd-analyze
// verify, pointing its ExecStart at a real executable (verify refuses a
// binary that does not exist).
func TestSystemdUnit(t *testing.T) {
	var unit string
	for _, b := range fences(t, "operations.md") {
		if b.lang == "ini" && strings.Contains(strings.Join(b.lines, "\n"), "[Service]") {
			unit = strings.Join(b.lines, "\n") + "\n"
		}
	}
	if unit == "" {
		t.Fatal("operations.md has no ```ini block with a [Service] section")
	}
	const bin = "/usr/local/bin/tolk"
	if !strings.Contains(unit, "ExecStart="+bin+" ") {
		t.Fatalf("the unit's ExecStart no longer runs %s", bin)
	}
	for n, l := range strings.Split(unit, "\n") {
		if i := strings.Index(l, "#"); i > 0 && !strings.HasPrefix(strings.TrimSpace(l), "#") {
			t.Errorf("unit line %d: systemd reads %q as part of the value", n+1, l[i:])
		}
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	dir := t.TempDir()
	exe := filepath.Join(dir, "tolk")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "tolk.service")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(unit, bin, exe)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", "--man=no", path).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestSelfContained checks that the manual, the README files and the
// examples name nothing outside the repository.
func TestSelfContained(t *testing.T) {
	outside := regexp.MustCompile(`\.\./shared|/wor[k]/|/home/|/root/`)
	files := []string{"../README.md", "../content/README.md"}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".md") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for n, l := range strings.Split(string(data), "\n") {
			if m := outside.FindString(l); m != "" {
				t.Errorf("%s:%d: names %q, outside the repository", f, n+1, m)
			}
		}
	}
}

// TestLinks checks that every relative link of the manual and the README
// files leads to a file of the repository.
func TestLinks(t *testing.T) {
	link := regexp.MustCompile(`\]\(([^)#\s]+)(#[^)]*)?\)`)
	files := []string{"../README.md", "../content/README.md"}
	files = append(files, pages(t)...)
	var broken []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(string(data), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(f), target)); err != nil {
				broken = append(broken, f+" → "+target)
			}
		}
	}
	if diff := cmp.Diff([]string(nil), broken); diff != "" {
		t.Errorf("broken links (-want +got):\n%s", diff)
	}
}

// TestWebhookReceivers runs the signature-checking receivers of api.md, in
// Go and in Node, and sends each a delivery signed by Tolk's own signer, a
// tampered one and an unsigned one.
func TestWebhookReceivers(t *testing.T) {
	var goSrc, jsSrc string
	for _, b := range fences(t, "api.md") {
		text := strings.Join(b.lines, "\n") + "\n"
		switch {
		case b.lang == "go" && strings.Contains(text, "X-Tolk-Signature"):
			goSrc = text
		case b.lang == "js" && strings.Contains(text, "x-tolk-signature"):
			jsSrc = text
		}
	}
	if goSrc == "" || jsSrc == "" {
		t.Fatal("api.md lacks the Go or the Node webhook receiver")
	}
	const secret = "docs-test-webhook-secret"
	const listen = "9000"
	if !strings.Contains(goSrc, ":"+listen) || !strings.Contains(jsSrc, "listen("+listen+")") {
		t.Fatalf("the receivers no longer listen on %s", listen)
	}

	t.Run("go", func(t *testing.T) {
		dir := t.TempDir()
		port := freePort(t)
		src := strings.Replace(goSrc, `":`+listen+`"`, `"127.0.0.1:`+port+`"`, 1)
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module receiver\n\ngo 1.22\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		bin := filepath.Join(dir, "receiver")
		build := exec.Command("go", "build", "-o", bin, ".")
		build.Dir = dir
		build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("the Go receiver does not build: %v\n%s", err, out)
		}
		receive(t, exec.Command(bin), secret, port)
	})
	t.Run("node", func(t *testing.T) {
		node, err := exec.LookPath("node")
		if err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal("CI=true but node is not installed")
			}
			t.Skip("node is not installed")
		}
		dir := t.TempDir()
		port := freePort(t)
		src := strings.Replace(jsSrc, "listen("+listen+")", "listen("+port+", '127.0.0.1')", 1)
		path := filepath.Join(dir, "receiver.mjs")
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		receive(t, exec.Command(node, path), secret, port)
	})
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// receive starts a receiver with TOLK_WEBHOOK_SECRET=secret and checks
// that it accepts a delivery signed with it and refuses the others.
func receive(t *testing.T, cmd *exec.Cmd, secret, port string) {
	t.Helper()
	cmd.Env = append(os.Environ(), "TOLK_WEBHOOK_SECRET="+secret)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("receiver output:\n%s", log.String())
		}
	})
	body := []byte(`{"event":"article.upsert","id":"dunhuang-samarbete","lang":"en","slug":"partnership-with-dunhuang","url":null,"previous_url":null,"at":"2026-12-07T17:28:57Z"}`)
	tampered := bytes.Replace(body, []byte("upsert"), []byte("delete"), 1)
	cases := []struct {
		name, sig string
		body      []byte
		want      int
	}{
		{"signed", webhook.Sign(secret, body), body, http.StatusNoContent},
		{"upper-case hex", "sha256=" + strings.ToUpper(strings.TrimPrefix(webhook.Sign(secret, body), "sha256=")), body, http.StatusNoContent},
		{"tampered body", webhook.Sign(secret, body), tampered, http.StatusUnauthorized},
		{"other secret", webhook.Sign("another secret", body), body, http.StatusUnauthorized},
		{"unsigned", "", body, http.StatusUnauthorized},
		{"not hex", "sha256=zz", body, http.StatusUnauthorized},
	}
	url := "http://127.0.0.1:" + port + "/hooks/tolk"
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("receiver not listening on %s", port)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, c := range cases {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if c.sig != "" {
			req.Header.Set("X-Tolk-Signature", c.sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s: status %d, want %d", c.name, resp.StatusCode, c.want)
		}
	}
}

// pendingFlags are flags operations.md documents that `tolk serve -h` does
// not list yet, with the change that adds them; remove a row when it lands.
var pendingFlags = map[string]string{}

// TestFlagsDocumented checks that the configuration table of
// operations.md lists exactly the flags and environment variables that
// `tolk serve -h` prints.
func TestFlagsDocumented(t *testing.T) {
	trackSources(t)
	bin := filepath.Join(t.TempDir(), "tolk")
	build := exec.Command("go", "build", "-o", bin, "./cmd/tolk")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/tolk: %v\n%s", err, out)
	}
	help, _ := exec.Command(bin, "serve", "-h").CombinedOutput()
	flagRE := regexp.MustCompile(`(?m)^\s+-([a-z][a-z0-9-]*)\b`)
	envRE := regexp.MustCompile(`\bTOLK_[A-Z0-9_]+\b`)
	served := map[string]bool{}
	for _, m := range flagRE.FindAllStringSubmatch(string(help), -1) {
		served["--"+m[1]] = true
	}
	if len(served) < 5 {
		t.Fatalf("could not read the flags of tolk serve -h:\n%s", help)
	}
	data, err := os.ReadFile("operations.md")
	if err != nil {
		t.Fatal(err)
	}
	page := string(data)
	i := strings.Index(page, "## Configuration")
	j := strings.Index(page[i+1:], "\n## ")
	if i < 0 || j < 0 {
		t.Fatal("operations.md has no Configuration section")
	}
	table := page[i : i+1+j]
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `(--[a-z0-9-]+)`").FindAllStringSubmatch(table, -1) {
		documented[m[1]] = true
	}
	for f := range served {
		if !documented[f] {
			t.Errorf("tolk serve -h has %s, the configuration table of operations.md does not", f)
		}
	}
	for f := range documented {
		if !served[f] {
			if why, ok := pendingFlags[f]; ok {
				t.Logf("%s: documented, not in tolk serve -h yet (pending: %s)", f, why)
				continue
			}
			t.Errorf("operations.md documents %s, which tolk serve -h does not have", f)
		}
	}
	for _, env := range envRE.FindAllString(string(help), -1) {
		if !strings.Contains(table, "`"+env+"`") {
			t.Errorf("tolk serve -h names %s, the configuration table of operations.md does not", env)
		}
	}
}

// TestPackageMap checks the table of architecture.md against the imports
// `go list` reports: every package of the module has a row, and each row
// names exactly the module's packages it imports (tests aside).
func TestPackageMap(t *testing.T) {
	trackSources(t)
	const module = "github.com/amal-kommun/tolk"
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./...")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	got := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg := strings.TrimPrefix(strings.TrimPrefix(f[0], module), "/")
		imports := []string{}
		for _, imp := range f[1:] {
			if rest, ok := strings.CutPrefix(imp, module+"/"); ok {
				imports = append(imports, rest)
			}
		}
		sort.Strings(imports)
		got[pkg] = imports
	}
	data, err := os.ReadFile("architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z/]+)` \\|[^|]*\\| ([^|]*) \\|$")
	name := regexp.MustCompile("`([a-z/]+)`")
	want := map[string][]string{}
	for _, m := range row.FindAllStringSubmatch(string(data), -1) {
		imports := []string{}
		if !strings.HasPrefix(m[2], "none") {
			for _, n := range name.FindAllStringSubmatch(m[2], -1) {
				imports = append(imports, n[1])
			}
		}
		sort.Strings(imports)
		want[m[1]] = imports
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("architecture.md's package table differs from go list (-page +go list):\n%s", diff)
	}
}

// TestReadme checks that the README shows the two commands a newcomer
// needs and links every page of the manual.
func TestReadme(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	for _, s := range []string{"go run ./cmd/tolk serve", "go test ./..."} {
		if !strings.Contains(readme, s) {
			t.Errorf("README.md lacks %q", s)
		}
	}
	for _, p := range pages(t) {
		if !strings.Contains(readme, "(docs/"+p+")") {
			t.Errorf("README.md does not link docs/%s", p)
		}
	}
}
