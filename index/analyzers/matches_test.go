package analyzers

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"
)

// queryAnalyzer maps an index analyzer to the one its queries use.
var queryAnalyzer = map[string]string{
	Swedish:       SwedishQuery,
	SwedishFolded: SwedishFoldedQuery,
	English:       English,
	Chinese:       Chinese,
	Pinyin:        Pinyin,
	Plain:         Plain,
}

// TestMatches checks the reviewable table in testdata/matches.txt.
func TestMatches(t *testing.T) {
	f, err := os.Open("testdata/matches.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		cols := strings.Split(text, "\t")
		if len(cols) != 4 || cols[3] != "finds" && cols[3] != "misses" {
			t.Fatalf("matches.txt:%d: want 4 tab-separated columns ending in finds or misses, got %q", line, text)
		}
		index, query, doc, want := cols[0], cols[1], cols[2], cols[3] == "finds"
		qa, ok := queryAnalyzer[index]
		if !ok {
			t.Fatalf("matches.txt:%d: unknown analyzer %q", line, index)
		}
		t.Run(index+"/"+query+"/"+doc, func(t *testing.T) {
			qterms := terms(analyze(t, qa, query))
			dterms := terms(analyze(t, index, doc))
			if len(qterms) == 0 {
				t.Fatalf("matches.txt:%d: query %q has no terms", line, query)
			}
			var missing []string
			for q := range qterms {
				if !dterms[q] {
					missing = append(missing, q)
				}
			}
			slices.Sort(missing)
			if got := len(missing) == 0; got != want {
				t.Errorf("matches.txt:%d: %s %q finds %q = %v, want %v\nquery terms %v\ntext terms %v\nmissing %v",
					line, index, query, doc, got, want, sortedKeys(qterms), sortedKeys(dterms), missing)
			}
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
