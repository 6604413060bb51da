package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/amal-kommun/tolk/internal/article"
)

// tmpfs mounts a tmpfs of size (as mount's -o size= says it) on a fresh
// directory and returns it; it is unmounted when the test ends. Without
// root it skips, except in CI, where a skipped disk test would hide a
// regression.
func tmpfs(t *testing.T, size string) string {
	t.Helper()
	skip := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but the full-disk test cannot run: "+format, args...)
		}
		t.Skipf(format, args...)
	}
	if testing.Short() {
		skip("mounts a tmpfs")
	}
	if os.Geteuid() != 0 {
		skip("needs root to mount a tmpfs (CI runs as root)")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		skip("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// fill writes to path until the file system is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatalf("fill: %v", err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			break
		}
	}
	// Small writes take what whole blocks left.
	for {
		if _, err := f.Write(buf[:512]); err != nil {
			break
		}
	}
	f.Sync()
}

// TestFullDisk puts the index on a 2 MiB tmpfs, fills it and writes: no
// write may panic, searches then fail with ErrUnavailable and Health says
// why, and a Rebuild once space is freed makes everything work again.
func TestFullDisk(t *testing.T) {
	mnt := tmpfs(t, "2m")
	ctx := context.Background()
	dir := filepath.Join(mnt, "index")
	ix, err := Open(ctx, Options{Dir: dir}, fixture())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { ix.Close() })
	if err := ix.WaitCompacted(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ix.Health(); err != nil {
		t.Fatalf("Health before the disk is full: %v", err)
	}
	filler := filepath.Join(mnt, "filler")
	fill(t, filler)

	// Write until the index notices: Scorch persists in the background, so
	// the first writes may still succeed in memory.
	var writeErr error
	for i := range 200 {
		v := &article.Version{ID: fmt.Sprintf("full-%d", i), Lang: "sv", Title: "Cykelbana längs Vänern",
			Summary: "Ny cykelbana.", Text: strings.Repeat("Cykelbanan öppnar i maj längs sjön. ", 200)}
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("Upsert panicked: %v", r)
				}
			}()
			writeErr = ix.Upsert(ctx, v)
		}()
		if writeErr != nil {
			break
		}
		if ix.Health() != nil {
			break
		}
	}
	t.Logf("write on a full disk: %v", writeErr)
	if err := ix.Health(); err == nil {
		t.Fatal("Health is nil with the index's disk full")
	} else {
		t.Logf("Health: %v", err)
		if strings.Contains(err.Error(), mnt) {
			t.Errorf("Health names the index directory: %q", err)
		}
	}
	for _, q := range []string{"skolan", "välfärdsteknologi", "cykelbana"} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("Search panicked: %v", r)
				}
			}()
			if _, err := ix.Search(ctx, Request{Query: q, Langs: []string{"sv"}}); !errors.Is(err, ErrUnavailable) {
				t.Errorf("search %q with the index broken: %v, want ErrUnavailable", q, err)
			}
		}()
	}
	// Bleve's panics are contained too: forget that the index is broken,
	// and the next search, which panics inside Scorch, finds out again.
	ix.current().state.err.Store(nil)
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("Search on the broken index panicked: %v", r)
			}
		}()
		if _, err := ix.Search(ctx, Request{Query: "skolan", Langs: []string{"sv"}}); !errors.Is(err, ErrUnavailable) {
			t.Errorf("search in Scorch's broken state: %v, want ErrUnavailable", err)
		}
	}()
	if ix.Health() == nil {
		t.Error("Health is nil after Bleve panicked in a search")
	}
	// A rebuild on a disk still full fails and leaves the index broken.
	if err := ix.Rebuild(ctx, fixture()); err == nil {
		t.Log("Rebuild on a full disk succeeded")
	} else if ix.Health() == nil {
		t.Errorf("Rebuild failed (%v) but Health is nil", err)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if err := ix.Rebuild(ctx, fixture()); err != nil {
		t.Fatalf("Rebuild after freeing space: %v", err)
	}
	if err := ix.Health(); err != nil {
		t.Errorf("Health after the rebuild: %v", err)
	}
	if got := find(t, ix, "välfärdsteknologi", "sv").Total; got != 1 {
		t.Errorf("after the rebuild: total %d, want 1", got)
	}
	v := &article.Version{ID: "ny", Lang: "sv", Title: "Ny gångbana", Text: "Gångbanan öppnar i juni."}
	if err := ix.Upsert(ctx, v); err != nil {
		t.Fatalf("Upsert after the rebuild: %v", err)
	}
	if got := find(t, ix, "gångbana", "sv").Total; got != 1 {
		t.Errorf("after the rebuild and an upsert: total %d, want 1", got)
	}
}

// TestSearchFailureBreaksIndex requires a Bleve failure inside a search
// (here: its index closed underneath it) to mark the index broken, as a
// failed write does, so that Health reports it and Options.OnBroken tells
// the store, which rebuilds; and Health's text to name no path under the
// index directory.
func TestSearchFailureBreaksIndex(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "index")
	broken := make(chan error, 4)
	ix, err := Open(ctx, Options{Dir: dir, OnBroken: func(err error) { broken <- err }}, fixture())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	if err := ix.WaitCompacted(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ix.current().bi.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Search(ctx, Request{Query: "skolan", Langs: []string{"sv"}}); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("search on a failing index: %v, want ErrUnavailable", err)
	}
	if err := ix.Health(); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Health after a failed search: %v, want ErrUnavailable", err)
	}
	select {
	case err := <-broken:
		if !errors.Is(err, ErrUnavailable) {
			t.Errorf("OnBroken got %v, want ErrUnavailable", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("OnBroken not called after a failed search")
	}
	if err := ix.Rebuild(ctx, fixture()); err != nil {
		t.Fatalf("Rebuild: %v", err)
	}
	if err := ix.Health(); err != nil {
		t.Errorf("Health after the rebuild: %v", err)
	}
	if got := find(t, ix, "skolan", "sv").Total; got == 0 {
		t.Error("after the rebuild: skolan finds nothing")
	}
	select {
	case err := <-broken:
		t.Errorf("OnBroken called again: %v", err)
	default:
	}
}

// TestHealthNamesNoPath requires the reasons Health gives to name no
// absolute path of the index directory (they reach /readyz), and to keep
// the errors they wrap.
func TestHealthNamesNoPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	ix, err := Open(context.Background(), Options{Dir: dir}, fixture())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	cause := &os.PathError{Op: "write", Path: filepath.Join(dir, "search-1", "store", "00000002.zap"), Err: syscall.ENOSPC}
	ix.current().state.fail(fmt.Errorf("upsert x/sv: %w: %w", ErrUnavailable, cause))
	err = ix.Health()
	if err == nil {
		t.Fatal("Health is nil")
	}
	if strings.Contains(err.Error(), dir) || strings.Contains(err.Error(), filepath.Dir(dir)) {
		t.Errorf("Health names the index directory: %q", err)
	}
	if !strings.Contains(err.Error(), filepath.Join("search-1", "store", "00000002.zap")) {
		t.Errorf("Health lost the file's name relative to the index: %q", err)
	}
	if !errors.Is(err, syscall.ENOSPC) || !errors.Is(err, ErrUnavailable) {
		t.Errorf("Health %q does not wrap ENOSPC and ErrUnavailable", err)
	}
}
