package main

import (
	"debug/elf"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestStaticBinaryServesFromNothing builds tolk as the Dockerfile does and
// checks what the distroless image relies on: the binary is statically
// linked, and it serves the embedded corpus started in an empty directory
// with an empty environment, writing only to its index directory.
func TestStaticBinaryServesFromNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the image is linux")
	}
	bin := filepath.Join(t.TempDir(), "tolk")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X main.version=test", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("binary has a %v program header: it is dynamically linked", p.Type)
		}
	}
	if s := f.Section(".dynamic"); s != nil {
		t.Error("binary has a .dynamic section")
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("binary imports %v", libs)
	}
	f.Close()

	work, indexDir := t.TempDir(), t.TempDir()
	os.Chmod(work, 0o555) // nothing may be written here (root ignores this; the check below does not)
	defer os.Chmod(work, 0o755)
	addr := freePort(t)
	cmd := exec.Command(bin, "serve")
	cmd.Dir = work
	cmd.Env = []string{"TOLK_ADDR=" + addr, "TOLK_INDEX=" + indexDir} // configured only through TOLK_*
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	start := time.Now()
	var ready bool
	for time.Since(start) < 30*time.Second && !ready {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			ready = resp.StatusCode == 200
			resp.Body.Close()
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !ready {
		t.Fatal("never ready")
	}
	t.Logf("ready %s after start", time.Since(start).Round(time.Millisecond))
	resp, err := http.Get("http://" + addr + "/v1/articles/internationellt-arbete?lang=sv")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Åmåls kommun") {
		t.Fatalf("article: %d %.200s", resp.StatusCode, body)
	}
	// The healthcheck subcommand works in the same empty world.
	hc := exec.Command(bin, "healthcheck")
	hc.Dir, hc.Env = work, []string{"TOLK_HEALTHCHECK_URL=http://" + addr + "/readyz"}
	if out, err := hc.CombinedOutput(); err != nil {
		t.Errorf("healthcheck: %v %s", err, out)
	}
	if ents, _ := os.ReadDir(work); len(ents) > 0 {
		t.Errorf("the server wrote %d entries into its working directory", len(ents))
	}
	if ents, _ := os.ReadDir(indexDir); len(ents) == 0 {
		t.Error("nothing persisted in the index directory")
	}
}
