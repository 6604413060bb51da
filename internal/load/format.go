package load

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/amal-kommun/tolk/internal/article"
	"go.yaml.in/yaml/v4"
)

// Format writes v in the canonical form of content-format.md: front matter
// between --- lines with the keys in the order of article.Fields, optional
// keys left out when absent (draft when false, tags and aliases when empty),
// dates exactly as written (their Raw text), lists in flow style
// (tags: [a, b]) and strings quoted only where YAML needs it; then a blank
// line and the body, with LF line endings and one trailing newline.
//
// updated is written when it differs from published or when the file v
// was parsed from had it (v.Lines["updated"] > 0), so that a file that
// repeats published as updated keeps it. Format does not validate v:
// ParseVersion of the result reports what is wrong with it. For a version
// ParseVersion returned, ParseVersion(Format(v)) equals v except for Lines
// (and Outdated, which Build sets), and Format of a canonical file's version
// gives back the file's bytes.
func Format(v *article.Version) []byte {
	m := &yaml.Node{Kind: yaml.MappingNode}
	add := func(key string, value *yaml.Node) {
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, value)
	}
	for _, fd := range article.Fields() {
		if omit(fd, v) {
			continue
		}
		switch fd.Kind {
		case article.KindSlugs:
			add(fd.Key, flowList(*fd.List(v)))
		case article.KindDate:
			add(fd.Key, date(*fd.Date(v)))
		case article.KindBool:
			add(fd.Key, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
		default:
			add(fd.Key, str(*fd.Str(v)))
		}
	}

	var b bytes.Buffer
	b.WriteString("---\n")
	// Marshal, not an Encoder: yaml v4's Encoder wraps lines at 80
	// columns, which would rewrite every long summary of a canonical
	// file; Marshal never wraps.
	if out, err := yaml.Marshal(m); err == nil {
		b.Write(out)
	} else {
		// The emitter fails only on input it cannot represent, which
		// strings from Go do not produce; write the mapping by hand.
		writeQuoted(&b, m)
	}
	b.WriteString("---\n")
	if body := normalizeBody(v.Body); body != "" {
		b.WriteString("\n")
		b.WriteString(body)
	}
	return b.Bytes()
}

// omit reports whether Format leaves field fd of v out: an optional field
// with no value, or one equal to its Default that v's file did not have.
// A required field is always written, empty or not, for ParseVersion to
// report.
func omit(fd article.Field, v *article.Version) bool {
	if fd.Required {
		return false
	}
	if fd.IsZero(v) {
		return true
	}
	if fd.Default != "" && fd.Line(v) == 0 {
		def, _ := article.FieldByKey(fd.Default)
		return fd.Date(v).Raw == def.Date(v).Raw
	}
	return false
}

// str is a string scalar: plain when YAML would read it back as a string,
// quoted otherwise ("2020", "true", "a: b").
func str(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) || s != strings.TrimSpace(s) {
		// Line breaks, tabs and other controls, or surrounding spaces: the
		// emitter would pick a block style that cannot hold them all
		// (a tab-only line is not valid indentation); double quotes with
		// escapes hold anything.
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// date is a date scalar, written plain (2020-01-03) as people write it.
func date(d article.Date) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Value: d.Raw}
	if d.Raw == "" {
		n.Tag = "!!str" // an empty date must not turn into a null key
	}
	return n
}

func flowList(items []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, s := range items {
		n.Content = append(n.Content, str(s))
	}
	return n
}

// writeQuoted writes the flat mapping m with every value double-quoted, a
// form any YAML reader accepts.
func writeQuoted(b *bytes.Buffer, m *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		b.WriteString(m.Content[i].Value)
		b.WriteString(": ")
		v := m.Content[i+1]
		if v.Kind == yaml.SequenceNode {
			b.WriteByte('[')
			for j, item := range v.Content {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(strconv.Quote(item.Value))
			}
			b.WriteByte(']')
		} else {
			b.WriteString(strconv.Quote(v.Value))
		}
		b.WriteByte('\n')
	}
}
