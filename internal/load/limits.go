package load

import "strings"

// Limits on the shape of a Markdown body. goldmark takes time quadratic in
// some of these (a line "- - - … x" nesting lists 50,000 deep takes
// minutes; so does a paragraph of 50,000 "[a](" link openers), and a table
// whose header row has thousands of columns is padded out in every row.
// No article comes near them; they keep one hostile or garbled file from
// stalling a load.
const (
	MaxNesting       = 32   // block quotes and list items open on one line
	MaxIndent        = 256  // columns of leading white space
	MaxBrackets      = 2000 // '[' in one paragraph, outside fenced code
	MaxTableColumns  = 100  // cells in a table's delimiter row
	MaxBodyBytes     = 4 << 20
	maxShapeProblems = 5 // reported per file; the rest are alike
)

// checkBody reports a body whose shape breaks the limits above, at the
// lines of the file where it does, the body starting on line first.
func checkBody(rep *reporter, body string, first int) {
	if len(body) > MaxBodyBytes {
		rep.atKey(keyBody, first, "body is %d bytes long; at most %d", len(body), MaxBodyBytes)
		return
	}
	var fence string // the fence of the open fenced code block
	brackets, paraLine, reported := 0, 0, 0
	report := func(line int, format string, args ...any) {
		if reported < maxShapeProblems {
			rep.atKey(keyBody, line, format, args...)
		}
		reported++
	}
	for i, line := range strings.Split(body, "\n") {
		n := first + i
		trimmed := strings.TrimLeft(line, " \t")
		if fence != "" {
			if strings.HasPrefix(trimmed, fence) && strings.Trim(trimmed, fence[:1]+" \t") == "" {
				fence = ""
			}
			continue
		}
		if trimmed == "" {
			brackets, paraLine = 0, 0
			continue
		}
		if paraLine == 0 {
			paraLine = n
		}
		if w := indentWidth(line); w > MaxIndent {
			report(n, "line is indented %d columns; at most %d", w, MaxIndent)
			continue
		}
		if d := nesting(line); d > MaxNesting {
			report(n, "line opens %d nested lists or block quotes; at most %d", d, MaxNesting)
			continue
		}
		if f := fenceOf(trimmed); f != "" {
			fence = f
			continue
		}
		if brackets <= MaxBrackets {
			brackets += strings.Count(line, "[")
			if brackets > MaxBrackets {
				report(paraLine, "paragraph has more than %d '[' characters", MaxBrackets)
			}
		}
		if c := delimiterCells(trimmed); c > MaxTableColumns {
			report(n, "table has %d columns; at most %d", c, MaxTableColumns)
		}
	}
}

// indentWidth returns the columns of leading white space of line, a tab
// reaching the next multiple of 4.
func indentWidth(line string) int {
	w := 0
	for _, c := range line {
		switch c {
		case ' ':
			w++
		case '\t':
			w += 4 - w%4
		default:
			return w
		}
	}
	return w
}

// nesting returns how many block quote and list item markers start line.
func nesting(line string) int {
	depth := 0
	s := line
	for {
		s = strings.TrimLeft(s, " \t")
		switch {
		case strings.HasPrefix(s, ">"):
			s = s[1:]
		case len(s) >= 2 && strings.ContainsRune("-*+", rune(s[0])) && (s[1] == ' ' || s[1] == '\t'):
			s = s[2:]
		default:
			digits := len(s) - len(strings.TrimLeft(s, "0123456789"))
			if digits == 0 || digits > 9 || len(s) < digits+2 || !strings.ContainsRune(".)", rune(s[digits])) ||
				(s[digits+1] != ' ' && s[digits+1] != '\t') {
				return depth
			}
			s = s[digits+2:]
		}
		depth++
	}
}

// fenceOf returns the fence ("```", "~~~~") that trimmed opens, or "".
func fenceOf(trimmed string) string {
	for _, c := range "`~" {
		n := len(trimmed) - len(strings.TrimLeft(trimmed, string(c)))
		if n >= 3 {
			return trimmed[:n]
		}
	}
	return ""
}

// delimiterCells returns the number of cells of a table delimiter row such
// as "|:--|--:|", or 0 when trimmed is not one.
func delimiterCells(trimmed string) int {
	if !strings.Contains(trimmed, "-") || strings.Trim(trimmed, "|-: \t") != "" {
		return 0
	}
	cells := strings.Split(strings.Trim(strings.TrimSpace(trimmed), "|"), "|")
	for _, c := range cells {
		if !strings.Contains(c, "-") {
			return 0
		}
	}
	return len(cells)
}
