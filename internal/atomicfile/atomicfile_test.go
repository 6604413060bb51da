package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestWriteFile replaces files as the package promises: the new bytes in
// place with the old file's mode, or the old file untouched and no
// temporary file left when a step fails, and nothing written outside the
// root.
func TestWriteFile(t *testing.T) {
	enospc := func(*os.File, []byte) (int, error) { return 0, syscall.ENOSPC }
	erofs := func(*os.Root, string, string) error { return syscall.EROFS }
	tests := []struct {
		name     string
		existing string // "" for none
		mode     fs.FileMode
		target   string
		ops      func(*Ops)
		wantErr  error // nil: success; errAny: any error
		want     string
		wantMode fs.FileMode
	}{
		{name: "new file", target: "f.txt", want: "new", wantMode: 0o640},
		{name: "replaced, keeping the mode", existing: "old", mode: 0o604, target: "f.txt", want: "new", wantMode: 0o604},
		{name: "disk full", existing: "old", mode: 0o644, target: "f.txt", ops: func(o *Ops) { o.Write = enospc }, wantErr: syscall.ENOSPC, want: "old", wantMode: 0o644},
		{name: "read-only", existing: "old", mode: 0o644, target: "f.txt", ops: func(o *Ops) { o.Rename = erofs }, wantErr: syscall.EROFS, want: "old", wantMode: 0o644},
		{name: "outside the root", target: "../f.txt", wantErr: errAny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "d")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, "f.txt")
			if tc.existing != "" {
				if err := os.WriteFile(p, []byte(tc.existing), tc.mode); err != nil {
					t.Fatal(err)
				}
				os.Chmod(p, tc.mode)
			}
			root, err := os.OpenRoot(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer root.Close()
			ops := DefaultOps()
			if tc.ops != nil {
				tc.ops(&ops)
			}
			err = ops.WriteFile(root, tc.target, ".tmp-", []byte("new"), 0o640)
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("WriteFile = %v", err)
			case tc.wantErr != nil && tc.wantErr != errAny && !errors.Is(err, tc.wantErr):
				t.Fatalf("WriteFile = %v, want %v", err, tc.wantErr)
			case tc.wantErr != nil && err == nil:
				t.Fatal("WriteFile succeeded")
			}
			if _, err := os.Stat(filepath.Join(parent, "f.txt")); err == nil {
				t.Error("a file was written outside the root")
			}
			ents, _ := os.ReadDir(dir)
			for _, e := range ents {
				if strings.HasPrefix(e.Name(), ".tmp-") {
					t.Errorf("temporary file %s left", e.Name())
				}
			}
			if tc.want == "" {
				return
			}
			data, err := os.ReadFile(p)
			if err != nil || string(data) != tc.want {
				t.Errorf("file = %q, %v; want %q", data, err, tc.want)
			}
			if st, err := os.Stat(p); err != nil || st.Mode().Perm() != tc.wantMode {
				t.Errorf("mode = %v, %v; want %v", st.Mode().Perm(), err, tc.wantMode)
			}
		})
	}
}

// errAny stands for any error in the table of TestWriteFile.
var errAny = errors.New("any error")

// TestCreateStreams writes through the *os.File too (WriteAt for a header
// written last), and Abort after Commit does nothing.
func TestCreateStreams(t *testing.T) {
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	f, err := DefaultOps().Create(root, "cache", ".cache.tmp-", 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	if _, err := f.Write([]byte("....body")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("head"), 0); err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	f.Abort()
	if data, err := os.ReadFile(filepath.Join(dir, "cache")); err != nil || string(data) != "headbody" {
		t.Errorf("file = %q, %v", data, err)
	}
}
