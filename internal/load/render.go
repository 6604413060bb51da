package load

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"golang.org/x/net/html"
)

// codeLanguage matches the class goldmark gives the code of a fenced block
// with an info string: ```go → class="language-go".
var codeLanguage = regexp.MustCompile(`^language-[A-Za-z0-9_+#.-]+$`)

// Renderer turns Markdown into sanitized HTML and plain text. It is safe for
// concurrent use; build one and share it.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// NewRenderer returns a Renderer for CommonMark with GitHub tables.
//
// Raw HTML in the Markdown is dropped twice: goldmark runs without
// html.WithUnsafe, so it writes a comment in place of raw HTML, and the
// output then goes through bluemonday's policy for user content, which
// removes scripts, styles, event handlers and unsafe URLs, as defence in
// depth.
func NewRenderer() *Renderer {
	md := goldmark.New(
		goldmark.WithExtensions(extension.NewTable(
			// An align attribute, unlike the default style attribute,
			// survives the sanitizer.
			extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute),
		)),
	)
	p := bluemonday.UGCPolicy()
	// The corpus is the site's own editorial content, not user comments:
	// its links are not marked rel="nofollow".
	p.RequireNoFollowOnLinks(false)
	// Keep the language of fenced code, for highlighting in clients.
	p.AllowAttrs("class").Matching(codeLanguage).OnElements("code")
	return &Renderer{md: md, policy: p}
}

// Render converts markdown to sanitized HTML and to plain text. The plain
// text holds the text of paragraphs, headings, list items, code blocks and
// table cells, one block a line and the cells of a table row separated by
// spaces, with entities decoded and no markup. It never contains '<': a
// literal "<" in the article's text becomes '‹' (U+2039), so that no
// consumer that forgets to escape it can be made to emit a tag. Images
// contribute their alt text, and a line break between two Chinese or
// Japanese characters contributes nothing. The error is non-nil only if
// rendering itself fails, which well-formed UTF-8 input does not cause.
//
// Render does not check the limits on a body's shape that ParseVersion
// does (see MaxNesting); run outside input through ParseVersion.
func (r *Renderer) Render(markdown []byte) (htmlOut, text string, err error) {
	var buf bytes.Buffer
	buf.Grow(len(markdown) + len(markdown)/4)
	if err := r.md.Convert(markdown, &buf); err != nil {
		return "", "", fmt.Errorf("render markdown: %w", err)
	}
	safe := r.policy.SanitizeBytes(buf.Bytes())
	text, err = plainText(safe)
	if err != nil {
		return "", "", err
	}
	return string(safe), text, nil
}

// blockElements end a line of plain text.
var blockElements = map[string]bool{
	"p": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"li": true, "pre": true, "blockquote": true, "tr": true, "table": true, "ul": true,
	"ol": true, "hr": true, "br": true, "div": true, "thead": true, "tbody": true,
	"details": true, "summary": true, "figure": true, "figcaption": true, "section": true,
	"article": true, "aside": true, "dl": true, "dt": true, "dd": true,
}

// plainText extracts the text of sanitized HTML. Working from the HTML, not
// the Markdown tree, makes the text agree with what readers see: entities
// and backslash escapes are already resolved and raw HTML is already gone.
func plainText(sanitized []byte) (string, error) {
	t := textWriter{out: make([]byte, 0, len(sanitized))}
	z := html.NewTokenizer(bytes.NewReader(sanitized))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if err := z.Err(); err != io.EOF {
				return "", fmt.Errorf("extract text: %w", err)
			}
			return strings.TrimSpace(string(t.out)), nil
		case html.TextToken:
			t.text(string(z.Text()))
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			switch tag := string(name); {
			case tag == "pre":
				if tt == html.StartTagToken {
					t.pre++
				} else if tt == html.EndTagToken && t.pre > 0 {
					t.pre--
				}
				t.pending = '\n'
			case blockElements[tag]:
				t.pending = '\n'
			case tag == "td" || tag == "th":
				if t.pending == 0 {
					t.pending = ' '
				}
			case tag == "img" && hasAttr:
				for {
					key, val, more := z.TagAttr()
					if string(key) == "alt" {
						t.text(string(val))
					}
					if !more {
						break
					}
				}
			}
		}
	}
}

// textWriter collects plain text, turning the ends of blocks into line
// breaks and runs of white space outside <pre> into one space.
type textWriter struct {
	out     []byte
	pending byte // separator owed before the next text: 0, ' ' or '\n'
	pre     int  // depth of <pre> elements
}

func (w *textWriter) text(s string) {
	if w.pre == 0 {
		s = collapseSpace(s)
		if strings.TrimSpace(s) == "" {
			if s != "" && w.pending == 0 {
				w.pending = ' '
			}
			return
		}
	}
	switch {
	case len(w.out) == 0:
		if w.pre == 0 {
			s = strings.TrimLeft(s, " ")
		}
	case w.pending == '\n':
		w.out = bytes.TrimRight(w.out, " ")
		if w.out[len(w.out)-1] != '\n' {
			w.out = append(w.out, '\n')
		}
		if w.pre == 0 {
			s = strings.TrimLeft(s, " ")
		}
	case w.pending == ' ':
		if last := w.out[len(w.out)-1]; last != ' ' && last != '\n' && s[0] != ' ' {
			w.out = append(w.out, ' ')
		}
	}
	w.pending = 0
	for i := 0; i < len(s); i++ {
		if s[i] == '<' {
			w.out = append(w.out, "‹"...)
		} else {
			w.out = append(w.out, s[i])
		}
	}
}

// collapseSpace turns every run of white space in s into one space, as a
// browser shows it, except that a line break between two Chinese or
// Japanese characters disappears (CSS Text's segment break rule): those
// scripts put no spaces between words, and a space would split a word
// that an editor's line wrapping happened to break.
func collapseSpace(s string) string {
	if !strings.ContainsAny(s, "\t\n\r\f") && !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space, newline := false, false
	var prev rune
	for _, r := range s {
		switch r {
		case '\n', '\r':
			newline = true
			fallthrough
		case ' ', '\t', '\f':
			space = true
			continue
		}
		if space && !(newline && noSpaceScript(prev) && noSpaceScript(r)) {
			b.WriteByte(' ')
		}
		space, newline, prev = false, false, r
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
	return b.String()
}

// noSpaceScript reports whether r is a Han, Hiragana or Katakana character
// or CJK punctuation: text written without spaces between words.
func noSpaceScript(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) ||
		r >= 0x3000 && r <= 0x303F || r >= 0xFF00 && r <= 0xFFEF
}
