package webhook_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/amal-kommun/tolk/internal/webhook"
)

// apiDoc is the page that publishes the receivers' verification snippets.
const apiDoc = "../../docs/api.md"

// verify is the Go receiver's check of docs/api.md ("Verify the
// signature"), copied byte for byte: TestVerifySnippetIsDocumented fails
// when the two differ, so the tests that check real deliveries with it
// check exactly what receivers copy.
func verify(secret string, body []byte, header string) bool {
	hexSum, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil)) // constant time
}

// funcVerify finds the source of `func verify(…) bool { … }` in text.
var funcVerify = regexp.MustCompile(`(?s)\nfunc verify\(.*?\n}\n`)

// fence returns the fenced code blocks of the Markdown page md whose info
// string is lang.
func fence(md, lang string) []string {
	var blocks []string
	for _, part := range strings.Split(md, "\n```"+lang+"\n")[1:] {
		if end := strings.Index(part, "\n```"); end >= 0 {
			blocks = append(blocks, part[:end+1])
		}
	}
	return blocks
}

// docSnippet returns the block of api.md in language lang that contains
// marker.
func docSnippet(t *testing.T, lang, marker string) string {
	t.Helper()
	data, err := os.ReadFile(apiDoc)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range fence(string(data), lang) {
		if strings.Contains(b, marker) {
			return b
		}
	}
	t.Fatalf("%s has no %s block with %q", apiDoc, lang, marker)
	return ""
}

func TestVerifySnippetIsDocumented(t *testing.T) {
	self, err := os.ReadFile("verify_test.go")
	if err != nil {
		t.Fatal(err)
	}
	want := funcVerify.FindString(string(self))
	got := funcVerify.FindString("\n" + docSnippet(t, "go", "X-Tolk-Signature"))
	if want == "" || got == "" {
		t.Fatalf("func verify not found (here %d bytes, in %s %d bytes)", len(want), apiDoc, len(got))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the verify of %s differs from this test's copy (-test +docs):\n%s", apiDoc, diff)
	}
}

// signatureCases are deliveries, real or altered, with whether a receiver
// must accept them.
func signatureCases(body []byte, header string) []struct {
	name   string
	secret string
	body   []byte
	header string
	want   bool
} {
	return []struct {
		name   string
		secret string
		body   []byte
		header string
		want   bool
	}{
		{"valid", secret, body, header, true},
		{"upper-case hex", secret, body, "sha256=" + strings.ToUpper(header[7:]), true},
		{"wrong secret", "other", body, header, false},
		{"body changed", secret, bytes.Replace(body, []byte("upsert"), []byte("delete"), 1), header, false},
		{"body with trailing newline", secret, append(bytes.Clone(body), '\n'), header, false},
		{"no prefix", secret, body, header[7:], false},
		{"upper-case prefix", secret, body, "SHA256=" + header[7:], false},
		{"other algorithm", secret, body, "sha1=" + header[7:], false},
		{"truncated", secret, body, header[:len(header)-2], false},
		{"not hex", secret, body, "sha256=" + strings.Repeat("zz", 32), false},
		{"empty", secret, body, "", false},
	}
}

func TestSignVerify(t *testing.T) {
	// RFC 4231, test case 2.
	if got, want := webhook.Sign("Jefe", []byte("what do ya want for nothing?")),
		"sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
	body := []byte(`{"event":"article.upsert"}`)
	for _, tc := range signatureCases(body, webhook.Sign(secret, body)) {
		t.Run(tc.name, func(t *testing.T) {
			if got := verify(tc.secret, tc.body, tc.header); got != tc.want {
				t.Errorf("verify = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestShellSnippet runs the OpenSSL check of docs/api.md on a real
// delivery and on altered copies of it.
func TestShellSnippet(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but openssl is not installed: the shell snippet of docs/api.md cannot be checked")
		}
		t.Skip("openssl is not installed")
	}
	script := docSnippet(t, "sh", "openssl dgst")
	r := newReceiver(t, ok)
	d, _ := newDispatcher(t, webhook.Options{URLs: []string{r.URL}})
	start(t, d)
	d.Enqueue(event(1))
	delivery := r.next(t)
	for _, tc := range signatureCases(delivery.Body, delivery.Header.Get("X-Tolk-Signature")) {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "body.json"), tc.body, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("sh", "-c", script)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "TOLK_WEBHOOK_SECRET="+tc.secret, "SIG="+tc.header)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("the snippet failed: %v\n%s", err, out)
			}
			want := map[bool]string{true: "valid\n", false: "invalid\n"}[tc.want]
			if string(out) != want {
				t.Errorf("the snippet printed %q, want %q", out, want)
			}
		})
	}
}
