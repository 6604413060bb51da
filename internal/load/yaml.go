package load

import (
	"errors"
	"fmt"
	"strings"

	"github.com/amal-kommun/tolk/internal/article"
	"go.yaml.in/yaml/v4"
)

// reporter collects the problems of one file. offset is added to the line
// numbers of YAML nodes, which count from the start of the YAML text.
// keyed is set for version files, whose problems name the front-matter key
// they are about.
type reporter struct {
	path     string
	offset   int
	keyed    bool
	problems []article.Problem
}

// at reports a problem of the file as a whole, or of its YAML as text.
func (r *reporter) at(line int, format string, args ...any) {
	r.atKey("", line, format, args...)
}

// atKey reports a problem about key on line.
func (r *reporter) atKey(key string, line int, format string, args ...any) {
	if !r.keyed {
		key = ""
	}
	r.problems = append(r.problems, article.Problem{Path: r.path, Line: max(line, 1), Message: fmt.Sprintf(format, args...), Key: key})
}

// node reports a problem on the line of n.
func (r *reporter) node(n *yaml.Node, format string, args ...any) {
	r.at(n.Line+r.offset, format, args...)
}

// about reports a problem about key on the line of n.
func (r *reporter) about(key string, n *yaml.Node, format string, args ...any) {
	r.atKey(key, n.Line+r.offset, format, args...)
}

// parseYAML parses src into the top node of its first document: nil, with no
// problem, for an empty document; nil, with a problem, for invalid YAML.
func (r *reporter) parseYAML(src []byte) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		line, msg := 1, err.Error()
		if le, ok := errors.AsType[*yaml.LoadError](err); ok {
			msg = le.Message
			line = max(le.Mark.Line, 1)
			// The line where the unfinished construct began (an unclosed
			// list, a key still waiting for its colon) is where the writer
			// looks, not the line where the parser gave up, often the next
			// one or the end. A construct begun on line 1 is as a rule the
			// top-level mapping, which locates nothing.
			if le.ContextMark.Line > 1 {
				line = le.ContextMark.Line
			}
		}
		r.at(line+r.offset, "invalid YAML: %s", msg)
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	return resolve(doc.Content[0])
}

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// field is one entry of a YAML mapping.
type field struct {
	key   *yaml.Node
	value *yaml.Node // aliases resolved
}

// isNull reports whether n is absent or an explicit YAML null (`key:` or
// `key: ~`).
func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// mapping returns the entries of m by key. It reports keys that are not
// plain scalars, keys used twice, and, when known is not nil, keys not in
// known, suggesting the known key a misspelt one was probably meant to be.
// what names m in messages ("front matter", "site.yaml").
func (r *reporter) mapping(m *yaml.Node, what string, known []string) (map[string]field, []string) {
	if m.Kind != yaml.MappingNode {
		r.node(m, "%s must be a mapping of keys to values, not %s", what, kindName(m))
		return nil, nil
	}
	fields := make(map[string]field, len(m.Content)/2)
	var order []string
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := resolve(m.Content[i]), resolve(m.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			r.node(k, "%s: a key must be a plain word, not %s", what, kindName(k))
			continue
		}
		if prev, dup := fields[k.Value]; dup {
			r.about(k.Value, k, "duplicate key %q (first on line %d)", k.Value, prev.key.Line+r.offset)
			continue
		}
		if known != nil && !contains(known, k.Value) {
			if s := suggest(k.Value, known); s != "" {
				r.about(k.Value, k, "unknown key %q in %s (did you mean %q?)", k.Value, what, s)
			} else {
				r.about(k.Value, k, "unknown key %q in %s (known keys: %s)", k.Value, what, strings.Join(known, ", "))
			}
			continue
		}
		fields[k.Value] = field{key: k, value: v}
		order = append(order, k.Value)
	}
	return fields, order
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// kindName describes the kind of n for messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "empty"
		}
		return fmt.Sprintf("the %s %q", strings.TrimPrefix(n.ShortTag(), "!!"), n.Value)
	}
	return "nothing"
}

// text returns the value of a key whose value is one line of text. Any
// scalar counts as text (a title may well be 2020); a null is "".
func (r *reporter) text(f field, name string) (string, bool) {
	if isNull(f.value) {
		return "", true
	}
	if f.value.Kind != yaml.ScalarNode {
		r.about(f.key.Value, f.value, "%s must be text, not %s", name, kindName(f.value))
		return "", false
	}
	return f.value.Value, true
}

// list returns the items of a key whose value is a list of words. A null
// is an empty list.
func (r *reporter) list(f field, name string) ([]string, bool) {
	if isNull(f.value) {
		return nil, true
	}
	if f.value.Kind != yaml.SequenceNode {
		r.about(f.key.Value, f.value, "%s must be a list, like %s: [a, b], not %s", name, name, kindName(f.value))
		return nil, false
	}
	var out []string
	ok := true
	for _, item := range f.value.Content {
		item = resolve(item)
		if item.Kind != yaml.ScalarNode || isNull(item) {
			r.about(f.key.Value, item, "%s must be a list of words, not of %s", name, kindName(item))
			ok = false
			continue
		}
		out = append(out, item.Value)
	}
	return out, ok
}

// suggest returns the key in known that key is most likely a misspelling
// of, or "".
func suggest(key string, known []string) string {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "_") }
	best, bestDist := "", 0
	for _, k := range known {
		d := distance(norm(key), norm(k))
		if d <= max(1, len(k)/3) && (best == "" || d < bestDist) {
			best, bestDist = k, d
		}
	}
	return best
}

// distance is the optimal string alignment distance between a and b, in
// runes: the edits of Levenshtein plus swapping two adjacent runes, the
// commonest typo ("titel").
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
