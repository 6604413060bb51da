package httpapi

import (
	"net/http"
	"strings"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/langs"
)

// tagJSON is a tag with its label in the response language.
type tagJSON struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// translationJSON is one other version of an article.
type translationJSON struct {
	Lang        string  `json:"lang"`
	Slug        string  `json:"slug"`
	Title       string  `json:"title"`
	Outdated    bool    `json:"outdated"`
	DerivedFrom *string `json:"derived_from"`
	URL         *string `json:"url"`
}

// articleJSON is the article object of the contract; list items leave out
// BodyHTML and Translations.
type articleJSON struct {
	ID            string    `json:"id"`
	Lang          string    `json:"lang"`
	RequestedLang string    `json:"requested_lang"`
	Fallback      bool      `json:"fallback"`
	DerivedFrom   *string   `json:"derived_from"`
	Slug          string    `json:"slug"`
	Title         string    `json:"title"`
	Summary       string    `json:"summary"`
	BodyHTML      *string   `json:"body_html,omitempty"`
	Tags          []tagJSON `json:"tags"`
	Published     string    `json:"published"`
	Updated       string    `json:"updated"`
	OriginalLang  string    `json:"original_lang"`
	Outdated      bool      `json:"outdated"`
	// Author is the version's author, converted like the title for a
	// derived language; null when the version names none.
	Author *string `json:"author"`
	// Draft is true only in a preview of a draft.
	Draft        bool               `json:"draft"`
	URL          *string            `json:"url"`
	Translations *[]translationJSON `json:"translations,omitempty"`
}

// served is one version as it is served in a language: a stored version,
// or a zh-Hans version converted to zh-Hant.
type served struct {
	v       *article.Version
	lang    string        // the served tag
	variant langs.Variant // the conversion, for derived languages
	from    string        // the stored language it is derived from; "" for stored
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// title returns the served title, converted for derived languages.
func (s *Server) title(sv served) string {
	if sv.from == "" {
		return sv.v.Title
	}
	return s.conv.Text(sv.variant, sv.v.Title)
}

// servedAs returns v served as lang (a stored or derived tag).
func servedAs(site *article.Site, v *article.Version, lang string, variant langs.Variant) served {
	return served{v: v, lang: lang, variant: variant, from: site.DerivedFrom(lang)}
}

// itemJSON renders a version as a list item.
func (s *Server) itemJSON(cur *snapshot, sv served, requested string, fallback bool) articleJSON {
	site := cur.lib.Site()
	v := sv.v
	a := cur.lib.Article(v.ID)
	tags := make([]tagJSON, len(v.Tags))
	for i, t := range v.Tags {
		tags[i] = tagJSON{Key: t, Label: site.TagLabel(t, sv.lang)}
		if sv.from != "" {
			tags[i].Label = s.conv.Text(sv.variant, tags[i].Label)
		}
	}
	summary, author := v.Summary, v.Author
	if sv.from != "" {
		summary = s.conv.Text(sv.variant, summary)
		author = s.conv.Text(sv.variant, author)
	}
	return articleJSON{
		ID:            v.ID,
		Lang:          sv.lang,
		RequestedLang: requested,
		Fallback:      fallback,
		DerivedFrom:   nullable(sv.from),
		Slug:          v.Slug,
		Title:         s.title(sv),
		Summary:       summary,
		Tags:          tags,
		Published:     v.Published.Raw,
		Updated:       v.Updated.Raw,
		OriginalLang:  a.Original,
		Outdated:      v.Outdated,
		Author:        nullable(author),
		Draft:         v.Draft,
		URL:           nullable(cur.urls.url(sv.lang, v.Slug)),
	}
}

// alternates returns every public version of article id served in any
// language, stored and derived, in the site's order.
func alternates(cur *snapshot, id string) []served {
	site := cur.lib.Site()
	a := cur.lib.Article(id)
	var out []served
	for _, lang := range site.Served() {
		src := lang
		if from := site.DerivedFrom(lang); from != "" {
			src = from
		}
		if v := a.Public(src); v != nil {
			out = append(out, servedAs(site, v, lang, langs.Taiwan))
		}
	}
	return out
}

// articleRep renders the full article representation with its headers.
func (s *Server) articleRep(cur *snapshot, sv served, requested string, fallback bool) (*rep, error) {
	j := s.itemJSON(cur, sv, requested, fallback)
	body := sv.v.HTML
	if sv.from != "" {
		body = s.conv.HTML(sv.variant, body)
	}
	j.BodyHTML = &body
	trs := []translationJSON{}
	var link []string
	a := cur.lib.Article(sv.v.ID)
	for _, alt := range alternates(cur, sv.v.ID) {
		u := cur.urls.url(alt.lang, alt.v.Slug)
		if alt.lang != sv.lang {
			trs = append(trs, translationJSON{
				Lang: alt.lang, Slug: alt.v.Slug, Title: s.title(alt), Outdated: alt.v.Outdated,
				DerivedFrom: nullable(alt.from), URL: nullable(u),
			})
			if u != "" {
				link = append(link, "<"+u+`>; rel="alternate"; hreflang="`+alt.lang+`"`)
			}
		}
		if u != "" && alt.lang == a.Original {
			link = append(link, "<"+u+`>; rel="alternate"; hreflang="x-default"`)
		}
	}
	j.Translations = &trs
	r, err := jsonRep(j)
	if err != nil {
		return nil, err
	}
	r.lang = sv.lang
	r.lastModified = sv.v.Updated.Time.UTC().Format(http.TimeFormat)
	r.link = strings.Join(link, ", ")
	return r, nil
}
