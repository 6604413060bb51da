package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	failed bool
	msg    string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.failed = true
	r.msg = format
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = true
	r.msg = format
	panic(r) // Check must not go on; stands in for runtime.Goexit
}

func check(t *testing.T, path string, got []byte) (r *recorder) {
	t.Helper()
	r = &recorder{TB: t}
	defer func() {
		if p := recover(); p != nil && p != r {
			panic(p)
		}
	}()
	Check(r, path, got)
	return r
}

func TestCheck(t *testing.T) {
	if *update {
		t.Skip("with -update Check writes instead of comparing")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "page.html")
	if err := os.WriteFile(path, []byte("<p>same</p>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		got        string
		fail       bool
		msg        string
	}{
		{"equal", path, "<p>same</p>\n", false, ""},
		{"differs", path, "<p>other</p>\n", true, "-golden +got"},
		{"missing", filepath.Join(dir, "none.html"), "x", true, "-update"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := check(t, tt.path, []byte(tt.got))
			if r.failed != tt.fail || !strings.Contains(r.msg, tt.msg) {
				t.Errorf("Check failed = %v (%q), want %v with %q", r.failed, r.msg, tt.fail, tt.msg)
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	old := *update
	*update = true
	defer func() { *update = old }()
	path := filepath.Join(t.TempDir(), "new", "page.json")
	if r := check(t, path, []byte(`{"a":1}`)); r.failed {
		t.Fatalf("Check with -update failed: %s", r.msg)
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != `{"a":1}` {
		t.Errorf("with -update the file holds %q, %v", got, err)
	}
}
