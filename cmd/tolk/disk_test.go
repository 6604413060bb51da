package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestFullAndReadOnlyDisk serves a content tree from a tiny tmpfs: when the
// disk is full a write is 507 and when it is read-only a write is 503, both
// as problem JSON, nothing acknowledged is lost, and reads go on.
func TestFullAndReadOnlyDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("mounts a tmpfs")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs (CI runs as root)")
	}
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	defer exec.Command("umount", "-l", mnt).Run()
	src := copyCorpus(t)
	if out, err := exec.Command("cp", "-r", src+"/.", mnt).CombinedOutput(); err != nil {
		t.Fatalf("copy: %v %s", err, out)
	}
	srv := startServe(t, []string{"TOLK_ADMIN_TOKEN=" + testToken}, "--content", mnt, "--index", t.TempDir(), "--rescan", "0")
	put := func(id, word string) (int, string) {
		body := `{"title": "Disk ` + word + `", "slug": "` + id + `", "published": "2024-01-01", "body_markdown": "` + word + `"}`
		req, _ := http.NewRequest("PUT", srv.base+"/v1/articles/"+id+"/sv", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Content-Type") + " " + string(b)
	}
	get := func(path string) int {
		resp, err := http.Get(srv.base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code, body := put("fore-fyllning", "fore"); code != 201 {
		t.Fatalf("first write: %d %s", code, body)
	}
	// Fill the disk.
	filler := filepath.Join(mnt, "filler")
	f, _ := os.Create(filler)
	f.Write(make([]byte, 2<<20)) // fails when full; that is the point
	f.Close()
	code, body := put("full-disk", "full")
	if code != 507 || !strings.Contains(body, "application/problem+json") || !strings.Contains(body, "insufficient_storage") {
		t.Errorf("write to a full disk: %d %s", code, body)
	}
	if get("/v1/articles/fore-fyllning?lang=sv") != 200 || get("/v1/articles/internationellt-arbete") != 200 {
		t.Error("reads stopped while the disk was full")
	}
	os.Remove(filler)
	// Make it read-only.
	if out, err := exec.Command("mount", "-o", "remount,ro", mnt).CombinedOutput(); err != nil {
		t.Fatalf("remount: %v %s", err, out)
	}
	code, body = put("read-only", "ro")
	if code != 503 || !strings.Contains(body, "unavailable") {
		t.Errorf("write to a read-only disk: %d %s", code, body)
	}
	if get("/v1/articles/fore-fyllning?lang=sv") != 200 || get("/v1/search?q=fore&lang=sv") != 200 {
		t.Error("reads stopped while the disk was read-only")
	}
	exec.Command("mount", "-o", "remount,rw", mnt).Run()
	if code, body := put("efter", "efter"); code != 201 {
		t.Errorf("write after the disk recovered: %d %s", code, body)
	}
}
