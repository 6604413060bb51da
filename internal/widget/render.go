package widget

import (
	"bytes"
	_ "embed"
	"fmt"
	"html"
	"html/template"
	"io"
	"strings"

	"github.com/amal-kommun/tolk/internal/langs"
)

// Hit is one server-rendered result of the no-JavaScript page.
type Hit struct {
	Title, URL, Lang string
	// SnippetHTML is the API's snippet: escaped text plus <mark>…</mark>.
	SnippetHTML string
}

// Language is one served language of the site, as /v1/languages lists it.
type Language struct {
	// Tag is the served tag, such as "zh-Hant".
	Tag string
	// Name is the language's name in itself ("svenska").
	Name string
	// Dir is "ltr" or "rtl".
	Dir string
}

// Page is what the demo page shows. A Page with only Lang is the page
// without a search.
type Page struct {
	// Lang is the page's language: a served tag the server negotiated. The
	// page's own texts are in it when the widget has texts for it, else in
	// English.
	Lang string
	// Langs are the site's served languages, each with its own search box.
	// Without them the page has one search box, in Lang.
	Langs []Language
	// Query is the search the page answers (?q=); "" shows no results.
	Query string
	// Hits are the first results of Query in Lang.
	Hits []Hit
	// Total counts every result of Query, beyond Hits too.
	Total int
	// Error is shown instead of results, e.g. a problem's detail.
	Error string
}

//go:embed page.html
var pageHTML string

// page is parsed once and only ever executed, which html/template allows
// concurrently.
var page = template.Must(template.New("page").Parse(pageHTML))

// Render writes the demo page for p: the search box in every language, an
// explanation of the API and, when p has a query or an error, the results
// in p's language, usable without JavaScript. It re-sanitizes every
// SnippetHTML (see sanitizeSnippet) and escapes every other field, so no
// field of p can add markup. Render writes nothing when it fails.
func Render(w io.Writer, p Page) error {
	lang := p.Lang
	tl := textLang(lang)
	v := pageView{Lang: tl, T: texts[tl]}
	if tl != lang {
		v.TextLang = tl
	}
	served := p.Langs
	if len(served) == 0 {
		name, _ := langs.Names(lang)
		served = []Language{{Tag: lang, Name: name, Dir: langs.Direction(lang)}}
	}
	for _, l := range served {
		dl := textLang(l.Tag)
		d := demo{Tag: l.Tag, Name: l.Name, Dir: l.Dir, T: texts[dl]}
		if dl != l.Tag {
			d.TextLang = dl
		}
		if l.Tag == lang {
			d.Query = p.Query
			if p.Query != "" || p.Error != "" {
				d.Results = results(lang, served, p)
			}
		}
		v.Demos = append(v.Demos, d)
	}
	if p.Query != "" {
		v.Title = p.Query + " – "
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, v); err != nil {
		return fmt.Errorf("render demo page: %w", err)
	}
	_, err := buf.WriteTo(w)
	return err
}

// pageView is the template's data.
type pageView struct {
	// Lang is the language of T; TextLang is set to it when it is not
	// the language of the results.
	Lang, TextLang string
	Title          string // prefix of <title>
	T              text
	Demos          []demo
}

// demo is the search box of one language.
type demo struct {
	Tag, Name, Dir string
	// TextLang is the language of T when it is not Tag's.
	TextLang string
	T        text
	Query    string
	Results  *resultsView
}

type resultsView struct {
	Summary, Error string
	Hits           []hitView
}

type hitView struct {
	Title, URL string
	Lang       string // set when the hit's language is not the page's
	Badge      string
	Snippet    template.HTML
}

func results(lang string, served []Language, p Page) *resultsView {
	t := texts[textLang(lang)]
	r := &resultsView{Error: p.Error}
	if p.Error == "" {
		switch {
		case p.Total == 0 || len(p.Hits) == 0:
			r.Summary = t.NoResults(p.Query)
		case len(p.Hits) < p.Total:
			r.Summary = t.Results(p.Total, p.Query) + " " + t.Showing(len(p.Hits), p.Total)
		default:
			r.Summary = t.Results(p.Total, p.Query)
		}
	}
	for _, h := range p.Hits {
		hv := hitView{Title: h.Title, URL: h.URL, Snippet: sanitizeSnippet(h.SnippetHTML)}
		if h.Lang != "" && h.Lang != lang {
			hv.Lang = h.Lang
			hv.Badge = h.Lang
			for _, l := range served {
				if l.Tag == h.Lang {
					hv.Badge = l.Name
				}
			}
		}
		r.Hits = append(r.Hits, hv)
	}
	return r
}

// sanitizeSnippet makes s safe to insert as HTML whatever it holds: it splits
// s at the literal tags <mark> and </mark>, decodes the character references
// of the text between them and escapes that text again, then puts back
// balanced <mark> elements. Any other markup, a <mark> with attributes
// included, comes out as text, and a well-formed snippet of the API comes
// out the same as it went in (up to the spelling of its escapes).
func sanitizeSnippet(s string) template.HTML {
	var b strings.Builder
	open := false
	for s != "" {
		i := strings.Index(s, "<")
		var text, tag string
		switch {
		case i < 0:
			text, s = s, ""
		case strings.HasPrefix(s[i:], "<mark>"):
			text, tag, s = s[:i], "<mark>", s[i+len("<mark>"):]
		case strings.HasPrefix(s[i:], "</mark>"):
			text, tag, s = s[:i], "</mark>", s[i+len("</mark>"):]
		default:
			text, s = s[:i+1], s[i+1:]
		}
		b.WriteString(html.EscapeString(html.UnescapeString(text)))
		switch {
		case tag == "<mark>" && !open, tag == "</mark>" && open:
			b.WriteString(tag)
			open = !open
		}
	}
	if open {
		b.WriteString("</mark>")
	}
	return template.HTML(b.String())
}
