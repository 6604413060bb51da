package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestIndexDamageWhileStopped damages the persisted index between runs in
// every way a disk or an operator can: the server rebuilds from the content
// and serves searches.
func TestIndexDamageWhileStopped(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers")
	}
	damages := []struct {
		name   string
		damage func(t *testing.T, dir string)
	}{
		{"deleted", func(t *testing.T, dir string) { os.RemoveAll(dir) }},
		{"emptied", func(t *testing.T, dir string) {
			ents, _ := os.ReadDir(dir)
			for _, e := range ents {
				os.RemoveAll(filepath.Join(dir, e.Name()))
			}
		}},
		{"truncated", func(t *testing.T, dir string) {
			filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
				if err == nil && !info.IsDir() {
					os.Truncate(p, info.Size()/2)
				}
				return nil
			})
		}},
		{"garbage", func(t *testing.T, dir string) {
			filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
				if err == nil && !info.IsDir() {
					os.WriteFile(p, []byte("not an index \x00\xff garbage"), 0o644)
				}
				return nil
			})
		}},
	}
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			indexDir := filepath.Join(t.TempDir(), "index")
			srv := startServe(t, nil, "--index", indexDir)
			srv.cmd.Process.Signal(syscall.SIGTERM)
			srv.cmd.Wait()
			d.damage(t, indexDir)
			srv = startServe(t, nil, "--index", indexDir)
			resp, err := http.Get(srv.base + "/v1/search?q=Dunhuang&lang=en")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var res struct {
				Total int `json:"total"`
			}
			json.NewDecoder(resp.Body).Decode(&res)
			if resp.StatusCode != 200 || res.Total == 0 {
				t.Fatalf("after the index was %s: status %d, %d hits", d.name, resp.StatusCode, res.Total)
			}
		})
	}
}
