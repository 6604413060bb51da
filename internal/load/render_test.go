package load

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRender(t *testing.T) {
	tests := []struct {
		name     string
		markdown string
		html     string
		text     string
	}{
		{"empty", "", "", ""},
		{"paragraphs", "One\ntwo.\n\nThree.\n", "<p>One\ntwo.</p>\n<p>Three.</p>\n", "One two.\nThree."},
		{"headings and lists", "# Rubrik\n\n- ett\n- två\n\n1. a\n2. b\n", "<h1>Rubrik</h1>\n<ul>\n<li>ett</li>\n<li>två</li>\n</ul>\n<ol>\n<li>a</li>\n<li>b</li>\n</ol>\n", "Rubrik\nett\ntvå\na\nb"},
		{"emphasis and links", "Se *[sidan](https://example.se/a?b=1&c=2)* **nu**.\n", "<p>Se <em><a href=\"https://example.se/a?b=1&amp;c=2\">sidan</a></em> <strong>nu</strong>.</p>\n", "Se sidan nu."},
		{"entities decoded", "Fish &amp; chips &eacute; &#x4E2D; \\*not em\\*\n", "<p>Fish &amp; chips é 中 *not em*</p>\n", "Fish & chips é 中 *not em*"},
		{"less-than in text", "a < b and 1<2\n", "<p>a &lt; b and 1&lt;2</p>\n", "a ‹ b and 1‹2"},
		{"raw HTML omitted", "<div onclick=\"x()\">hej</div>\n\nText <b onmouseover=\"y()\">fet</b> <script>alert(1)</script>\n", "\n<p>Text fet alert(1)</p>\n", "Text fet alert(1)"},
		{"HTML comment dropped", "<!-- hemligt -->\n\nText\n", "\n<p>Text</p>\n", "Text"},
		{"code class not a language dropped", "```go\" onclick=\"x\nkod\n```\n", "<pre><code>kod\n</code></pre>\n", "kod"},
		{"javascript link dropped", "[klicka](javascript:alert(1))\n", "<p>klicka</p>\n", "klicka"},
		{"image keeps alt text", "![Karta över Åmål](https://example.se/karta.png)\n", "<p><img src=\"https://example.se/karta.png\" alt=\"Karta över Åmål\"></p>\n", "Karta över Åmål"},
		{"code", "Kör `go <x>`:\n\n```go\nif a < b {\n\treturn\n}\n```\n", "<p>Kör <code>go &lt;x&gt;</code>:</p>\n<pre><code class=\"language-go\">if a &lt; b {\n\treturn\n}\n</code></pre>\n", "Kör go ‹x>:\nif a ‹ b {\n\treturn\n}"},
		{
			"table",
			"| Land | Stad |\n|:-----|----:|\n| Sverige | Åmål |\n| Kina | 北京 |\n",
			"<table>\n<thead>\n<tr>\n<th align=\"left\">Land</th>\n<th align=\"right\">Stad</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td align=\"left\">Sverige</td>\n<td align=\"right\">Åmål</td>\n</tr>\n<tr>\n<td align=\"left\">Kina</td>\n<td align=\"right\">北京</td>\n</tr>\n</tbody>\n</table>\n",
			"Land Stad\nSverige Åmål\nKina 北京",
		},
		{"blockquote and break", "> Citat\n> rad två  \n> tre\n\n---\n\nSlut\n", "<blockquote>\n<p>Citat\nrad två<br>\ntre</p>\n</blockquote>\n<hr>\n<p>Slut</p>\n", "Citat rad två\ntre\nSlut"},
		{"Chinese line breaks", "奥莫尔市开展了\n大量国际工作，\n我们 为此感到 Åmål\n自豪。\n", "<p>奥莫尔市开展了\n大量国际工作，\n我们 为此感到 Åmål\n自豪。</p>\n", "奥莫尔市开展了大量国际工作，我们 为此感到 Åmål 自豪。"},
		{"autolink", "<https://example.se>\n", "<p><a href=\"https://example.se\">https://example.se</a></p>\n", "https://example.se"},
	}
	r := NewRenderer()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			html, text, err := r.Render([]byte(tt.markdown))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.html, html); diff != "" {
				t.Errorf("HTML (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.text, text); diff != "" {
				t.Errorf("text (-want +got):\n%s", diff)
			}
		})
	}
}
