package analyzers

import (
	"embed"
	"sync"
	"testing"

	"github.com/blevesearch/bleve/v2/mapping"
)

// tok is a token as the tests compare it.
type tok struct {
	Term       string
	Start, End int
	Pos        int
}

var testMapping = sync.OnceValues(func() (*mapping.IndexMappingImpl, error) {
	m := mapping.NewIndexMapping()
	if err := AddTo(m); err != nil {
		return nil, err
	}
	return m, nil
})

// analyze runs text through the named analyzer of a real Bleve mapping.
func analyze(t testing.TB, name, text string) []tok {
	t.Helper()
	m, err := testMapping()
	if err != nil {
		t.Fatalf("AddTo: %v", err)
	}
	a := m.AnalyzerNamed(name)
	if a == nil {
		t.Fatalf("no analyzer %s", name)
	}
	var out []tok
	for _, tk := range a.Analyze([]byte(text)) {
		out = append(out, tok{Term: string(tk.Term), Start: tk.Start, End: tk.End, Pos: tk.Position})
	}
	return out
}

// terms returns the set of terms of tokens.
func terms(toks []tok) map[string]bool {
	set := make(map[string]bool, len(toks))
	for _, t := range toks {
		set[t.Term] = true
	}
	return set
}

//go:embed testdata/*.txt
var testdataFS embed.FS
