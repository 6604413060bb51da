package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amal-kommun/tolk/internal/pgstore/pgtest"
)

// TestDatabaseScenario runs tolkbench --database end to end on a small
// corpus in a test database: it imports the corpus, starts two replicas,
// and reports every figure, with every write of the stream served by the
// other replica and no failed read.
func TestDatabaseScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("builds tolk and starts two replicas")
	}
	db := pgtest.URL(t)
	file := filepath.Join(t.TempDir(), "report.json")
	var out bytes.Buffer
	err := run(t.Context(), []string{"--database", db, "--site", "bench-test", "--articles", "30", "--cache", "",
		"--stream", "2s", "--write-rate", "20", "--duration", "2s", "--rounds", "2", "--warmup", "0", "--generator", "go", "--json", file}, &out, io.Discard)
	if err != nil {
		t.Fatalf("tolkbench --database: %v\n%s", err, out.String())
	}
	for _, want := range []string{"Database mode", "cold start of replica B", "restart of replica B", "propagation", "write throughput", "search", "article"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the output lacks %q:\n%s", want, out.String())
		}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var rep report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	r := rep.Database
	if r == nil {
		t.Fatalf("no database section in %s", data)
	}
	if r.Versions != 90 || len(r.ColdStartSeconds) != 2 || r.WarmStartSeconds <= 0 || r.Writes < 1 || r.Behind != 0 || r.LagP99US <= 0 || r.WriteP99US <= 0 || r.WriteThroughput <= 0 {
		t.Errorf("database figures %+v", r)
	}
	if len(r.Reads) != 2 {
		t.Fatalf("reads %+v, want search and article", r.Reads)
	}
	for _, c := range r.Reads {
		if c.Errors != 0 || c.QuietRPS <= 0 || c.WritingRPS <= 0 || len(c.RoundRatios) != 2 {
			t.Errorf("reads on B: %+v", c)
		}
	}
}
