package load

import (
	"strings"
	"testing"
	"time"
)

func TestBodyLimits(t *testing.T) {
	const head = "---\ntitle: T\nslug: t\npublished: 2020-01-03\n---\n\n" // body from line 7
	nestedList := func(n int) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(strings.Repeat("  ", i) + "- x\n")
		}
		return b.String()
	}
	tests := []struct {
		name string
		body string
		want []want
	}{
		{"lists on one line", "Intro\n\n" + strings.Repeat("- ", 50_000) + "x\n", []want{{9, "line opens 50000 nested lists or block quotes; at most 32"}}},
		{"block quotes", strings.Repeat(">", 50_000) + " x\n", []want{{7, "line opens 50000 nested"}}},
		{"quotes and ordered lists", strings.Repeat("> 1. ", 20) + "x\n", []want{{7, "line opens 40 nested"}}},
		{"lists by indentation", nestedList(2000), []want{{136, "line is indented 258 columns; at most 256"}, {137, "indented"}, {138, ""}, {139, ""}, {140, ""}}},
		{"unclosed links", "Text\n" + strings.Repeat("[a](", 50_000) + "\n", []want{{7, "paragraph has more than 2000 '[' characters"}}},
		{"images", "\n\nText\n" + strings.Repeat("![a](", 3000) + "\n", []want{{9, "more than 2000 '['"}}},
		{"wide table", "|" + strings.Repeat("a|", 10_000) + "\n|" + strings.Repeat("-|", 10_000) + "\n", []want{{8, "table has 10000 columns; at most 100"}}},
		{"huge body", strings.Repeat("a", MaxBodyBytes+1), []want{{6, "body is 4194306 bytes long; at most 4194304"}}},
	}
	r := NewRenderer()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			v, problems := ParseVersion(svPath, []byte(head+tt.body), r)
			if v != nil {
				t.Error("ParseVersion accepted the body")
			}
			checkProblems(t, svPath, problems, tt.want)
			for _, p := range problems {
				if p.Key != "body" {
					t.Errorf("problem %q has key %q, want body", p, p.Key)
				}
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("ParseVersion took %v", d)
			}
		})
	}
}

func TestBodyWithinLimits(t *testing.T) {
	tests := []struct{ name, body string }{
		{"deep but allowed", strings.Repeat("> ", 32) + "x\n"},
		{"thematic breaks", "* * *\n\n- - -\n"},
		{"many links in many paragraphs", strings.Repeat(strings.Repeat("[a](b) ", 500)+"\n\n", 20)},
		{"brackets in fenced code", "```json\n" + strings.Repeat("[[1, 2], [3]]\n", 2000) + "```\n"},
		{"brackets in tilde fence", "~~~~\n" + strings.Repeat("[", 3000) + "\n```\n~~~~\n"},
		{"table of 100 columns", "|" + strings.Repeat("a|", 100) + "\n|" + strings.Repeat(":-:|", 100) + "\n"},
		{"indented code", strings.Repeat(" ", 256) + "x\n"},
	}
	r := NewRenderer()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, problems := ParseVersion(svPath, []byte("---\ntitle: T\nslug: t\npublished: 2020-01-03\n---\n"+tt.body), r)
			if len(problems) > 0 {
				t.Errorf("problems: %q", problems)
			}
		})
	}
}
