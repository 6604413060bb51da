package langstest

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Case is one row of a negotiation table such as
// internal/langs/testdata/negotiate.txt.
type Case struct {
	Line           int    // line number in the table, for messages
	AcceptLanguage string // "" when the row says "-"
	HasParam       bool   // whether the request has a lang parameter
	Param          string // its value
	Available      []string
	Options        string // extra query, such as "fallback=none"; "" for none
	WantLang       string // a served tag, "400" or "404"
	WantVariant    string // "TW" or "HK" for zh-Hant; "" otherwise
	WantFallback   bool
}

// tableHeader is the first line of a table that is not a comment.
var tableHeader = []string{"accept-language", "lang param", "available", "want lang", "want fallback", "options"}

// ReadCases reads a negotiation table. A table is UTF-8 text: blank lines and
// lines starting with # are ignored, the first other line names the columns
//
//	accept-language | lang param | available | want lang | want fallback | options
//
// and every further line is a case with those columns separated by "|"; the
// options column may be left out. A field is trimmed of spaces; "-" means
// absent (no lang parameter, no Accept-Language header, no options). A field
// may instead be written as Go string literals joined by "+", each optionally
// repeated with *N, to show spaces, an empty value or a long header exactly:
// `"" ` is an empty lang parameter, `"en,"*500 + "sv"` a 2 KB header.
// available lists stored languages with public versions, the original first.
// want lang is a served tag, with the zh-Hant variant in parentheses
// ("zh-Hant (HK)", "zh-Hant (TW)"), or 400 or 404; want fallback is true or
// false, or "-" with 400 and 404.
func ReadCases(r io.Reader) ([]Case, error) {
	var cases []Case
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	header := false
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields, err := splitFields(text)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if !header {
			if len(fields) != len(tableHeader) {
				return nil, fmt.Errorf("line %d: header has %d columns, want %d: %s", line, len(fields), len(tableHeader), strings.Join(tableHeader, " | "))
			}
			for i, f := range fields {
				if !strings.EqualFold(f, tableHeader[i]) {
					return nil, fmt.Errorf("line %d: column %d is %q, want %q", line, i+1, f, tableHeader[i])
				}
			}
			header = true
			continue
		}
		c, err := parseCase(fields)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		c.Line = line
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read cases: %w", err)
	}
	if !header {
		return nil, fmt.Errorf("read cases: no header line")
	}
	return cases, nil
}

func parseCase(fields []string) (Case, error) {
	if len(fields) != 5 && len(fields) != 6 {
		return Case{}, fmt.Errorf("%d columns, want 5 or 6", len(fields))
	}
	var c Case
	var err error
	var absent bool
	if c.AcceptLanguage, _, err = fieldValue(fields[0]); err != nil {
		return Case{}, fmt.Errorf("accept-language: %w", err)
	}
	if c.Param, absent, err = fieldValue(fields[1]); err != nil {
		return Case{}, fmt.Errorf("lang param: %w", err)
	}
	c.HasParam = !absent
	avail, _, err := fieldValue(fields[2])
	if err != nil {
		return Case{}, fmt.Errorf("available: %w", err)
	}
	for l := range strings.SplitSeq(avail, ",") {
		if l = strings.TrimSpace(l); l != "" {
			c.Available = append(c.Available, l)
		}
	}
	want := fields[3]
	if lang, v, ok := strings.Cut(want, "("); ok {
		v, ok = strings.CutSuffix(strings.TrimSpace(v), ")")
		if !ok || (v != "TW" && v != "HK") {
			return Case{}, fmt.Errorf("want lang %q: variant must be (TW) or (HK)", want)
		}
		want, c.WantVariant = strings.TrimSpace(lang), v
	}
	if want == "" || want == "-" {
		return Case{}, fmt.Errorf("want lang is empty")
	}
	c.WantLang = want
	switch fields[4] {
	case "true":
		c.WantFallback = true
	case "false":
	case "-":
		if want != "400" && want != "404" {
			return Case{}, fmt.Errorf("want fallback %q: only 400 and 404 may omit it", fields[4])
		}
	default:
		return Case{}, fmt.Errorf("want fallback %q: want true, false or -", fields[4])
	}
	if len(fields) == 6 {
		if c.Options, _, err = fieldValue(fields[5]); err != nil {
			return Case{}, fmt.Errorf("options: %w", err)
		}
	}
	return c, nil
}

// splitFields splits a row at the "|" outside string literals and trims each
// field.
func splitFields(line string) ([]string, error) {
	var fields []string
	start := 0
	for i := 0; i < len(line); {
		switch line[i] {
		case '"', '`':
			lit, err := strconv.QuotedPrefix(line[i:])
			if err != nil {
				return nil, fmt.Errorf("bad string literal at column %d: %w", i+1, err)
			}
			i += len(lit)
		case '|':
			fields = append(fields, strings.TrimSpace(line[start:i]))
			i++
			start = i
		default:
			i++
		}
	}
	return append(fields, strings.TrimSpace(line[start:])), nil
}

// fieldValue returns the value a field stands for, and whether it is "-".
func fieldValue(f string) (value string, absent bool, err error) {
	if f == "-" {
		return "", true, nil
	}
	if f == "" || (f[0] != '"' && f[0] != '`') {
		return f, false, nil
	}
	var b strings.Builder
	for rest := f; ; {
		lit, err := strconv.QuotedPrefix(rest)
		if err != nil {
			return "", false, fmt.Errorf("bad string literal %s: %w", rest, err)
		}
		s, _ := strconv.Unquote(lit)
		rest = strings.TrimSpace(rest[len(lit):])
		n := 1
		if after, ok := strings.CutPrefix(rest, "*"); ok {
			digits := strings.TrimSpace(after)
			end := strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' })
			if end < 0 {
				end = len(digits)
			}
			if n, err = strconv.Atoi(digits[:end]); err != nil || n < 0 || n > 100000 {
				return "", false, fmt.Errorf("bad repeat count in %s", f)
			}
			rest = strings.TrimSpace(digits[end:])
		}
		b.WriteString(strings.Repeat(s, n))
		if rest == "" {
			return b.String(), false, nil
		}
		after, ok := strings.CutPrefix(rest, "+")
		if !ok {
			return "", false, fmt.Errorf("want + between string literals in %s", f)
		}
		rest = strings.TrimSpace(after)
	}
}
