package index

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
)

// minNDCG is the mean nDCG@10 every language must reach, and
// minPhenomenonNDCG that of every phenomenon (category) of a language.
const (
	minNDCG           = 0.92
	minPhenomenonNDCG = 0.85
)

// pendingLangs are judged and printed but not yet held to minNDCG: a
// language whose rows are written before search can answer them. None is
// now (zh-Hant, Taiwan phrasing, was until queries were also searched
// with analyzers.AlternativeSimplified: 0.700 → 0.992).
var pendingLangs = map[string]bool{}

// judgedQuery is one line of testdata/relevance/queries.txt.
type judgedQuery struct {
	line     int
	lang     string
	query    string
	grades   map[string]int
	category string
}

// readJudgments reads lines of the form
// "lang | query | id=grade id=grade ... | category"; '#' starts a comment.
func readJudgments(t *testing.T, path string) []judgedQuery {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open judgments: %v", err)
	}
	defer f.Close()
	var out []judgedQuery
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, " | ")
		if len(cols) != 4 {
			t.Fatalf("%s:%d: want 4 columns separated by \" | \", got %d", path, n, len(cols))
		}
		jq := judgedQuery{line: n, lang: strings.TrimSpace(cols[0]), query: strings.TrimSpace(cols[1]),
			grades: map[string]int{}, category: strings.TrimSpace(cols[3])}
		for _, j := range strings.Fields(cols[2]) {
			id, g, ok := strings.Cut(j, "=")
			grade, err := strconv.Atoi(g)
			if !ok || err != nil || grade < 0 || grade > 3 {
				t.Fatalf("%s:%d: bad judgment %q", path, n, j)
			}
			jq.grades[id] = grade
		}
		out = append(out, jq)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read judgments: %v", err)
	}
	return out
}

// ndcg returns nDCG@k of the ranked ids against grades.
func ndcg(ranked []string, grades map[string]int, k int) float64 {
	dcg := 0.0
	for i, id := range ranked[:min(k, len(ranked))] {
		dcg += (math.Pow(2, float64(grades[id])) - 1) / math.Log2(float64(i+2))
	}
	ideal := make([]int, 0, len(grades))
	for _, g := range grades {
		ideal = append(ideal, g)
	}
	slices.SortFunc(ideal, func(a, b int) int { return b - a })
	idcg := 0.0
	for i, g := range ideal[:min(k, len(ideal))] {
		idcg += (math.Pow(2, float64(g)) - 1) / math.Log2(float64(i+2))
	}
	if idcg == 0 {
		if len(ranked) == 0 {
			return 1
		}
		return 0
	}
	return dcg / idcg
}

func TestNDCG(t *testing.T) {
	tests := []struct {
		name   string
		ranked []string
		grades map[string]int
		want   float64
	}{
		{"perfect", []string{"a", "b"}, map[string]int{"a": 3, "b": 1}, 1},
		{"swapped", []string{"b", "a"}, map[string]int{"a": 3, "b": 1}, (1 + 7/math.Log2(3)) / (7 + 1/math.Log2(3))},
		{"nothing found", nil, map[string]int{"a": 3}, 0},
		{"only irrelevant", []string{"x"}, map[string]int{"a": 2}, 0},
		{"nothing relevant exists, nothing found", nil, map[string]int{}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ndcg(tt.ranked, tt.grades, 10); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("ndcg = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRelevance searches the judged queries of testdata/relevance over its
// corpus and requires a mean nDCG@10 of at least minNDCG per language.
func TestRelevance(t *testing.T) {
	const dir = "testdata/relevance"
	queries := readJudgments(t, dir+"/queries.txt")
	ix := openTest(t, loadTree(t, dir+"/content"))

	type agg struct {
		sum float64
		n   int
	}
	byLang, byCat := map[string]*agg{}, map[string]*agg{}
	add := func(m map[string]*agg, k string, v float64) {
		if m[k] == nil {
			m[k] = &agg{}
		}
		m[k].sum += v
		m[k].n++
	}
	var worst strings.Builder
	for _, q := range queries {
		lang := q.lang
		if lang == "zh-Hant" {
			// Derived: its readers search the zh-Hans versions.
			lang = "zh-Hans"
		}
		res, err := ix.Search(context.Background(), Request{Query: q.query, Langs: []string{lang}, PerPage: 10})
		if err != nil {
			t.Fatalf("line %d: search %q: %v", q.line, q.query, err)
		}
		var ranked []string
		for _, h := range res.Hits {
			ranked = append(ranked, h.ID)
		}
		score := ndcg(ranked, q.grades, 10)
		add(byLang, q.lang, score)
		add(byCat, q.lang+"/"+q.category, score)
		if score < 0.7 {
			fmt.Fprintf(&worst, "  %.2f  %s | %s | got %v\n", score, q.lang, q.query, ranked)
		}
	}

	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "group\tqueries\tnDCG@10\t")
	for _, m := range []map[string]*agg{byLang, byCat} {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(tw, "%s\t%d\t%.3f\t\n", k, m[k].n, m[k].sum/float64(m[k].n))
		}
	}
	tw.Flush()
	t.Logf("relevance over %d queries:\n%s", len(queries), b.String())
	if worst.Len() > 0 {
		t.Logf("queries below 0.70:\n%s", worst.String())
	}
	for lang, a := range byLang {
		if pendingLangs[lang] {
			t.Logf("%s: mean nDCG@10 = %.3f, not checked yet (pending)", lang, a.sum/float64(a.n))
			continue
		}
		if got := a.sum / float64(a.n); got < minNDCG {
			t.Errorf("%s: mean nDCG@10 = %.3f, want ≥ %.2f", lang, got, minNDCG)
		}
	}
	for cat, a := range byCat {
		lang, _, _ := strings.Cut(cat, "/")
		if pendingLangs[lang] {
			continue
		}
		if got := a.sum / float64(a.n); got < minPhenomenonNDCG {
			t.Errorf("%s: mean nDCG@10 = %.3f, want ≥ %.2f", cat, got, minPhenomenonNDCG)
		}
	}
}
