package httpapi

import (
	"encoding/xml"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/amal-kommun/tolk/content"
	"github.com/amal-kommun/tolk/internal/langs/langstest"
)

// TestWalkAsAFrontend lists in English, opens every article, follows every
// translation, and checks that url, slug, Content-Language and hreflang
// agree everywhere.
func TestWalkAsAFrontend(t *testing.T) {
	a := newAPI(t, nil, Options{})
	list := decode[listJSON](t, a.get("/v1/articles?lang=en&per_page=100"))
	if list.Total == 0 {
		t.Fatal("empty list")
	}
	linkRE := regexp.MustCompile(`<([^>]*)>; rel="alternate"; hreflang="([^"]+)"`)
	for _, item := range list.Items {
		r := a.get("/v1/articles/" + item.ID + "?lang=" + item.Lang)
		art := decode[articleJSON](t, r)
		if art.Slug != item.Slug || *art.URL != *item.URL || art.Lang != item.Lang {
			t.Errorf("%s: list item and article disagree: %+v vs %+v", item.ID, item, art)
		}
		links := map[string]string{}
		for _, m := range linkRE.FindAllStringSubmatch(r.Header().Get("Link"), -1) {
			links[m[2]] = m[1]
		}
		if links["x-default"] == "" {
			t.Errorf("%s: no x-default in Link %q", item.ID, r.Header().Get("Link"))
		}
		for _, tr := range *art.Translations {
			if links[tr.Lang] != *tr.URL {
				t.Errorf("%s: Link hreflang=%s is %q, translations[] says %q", item.ID, tr.Lang, links[tr.Lang], *tr.URL)
			}
			other := a.get("/v1/articles/" + item.ID + "?lang=" + tr.Lang)
			o := decode[articleJSON](t, other)
			if other.Header().Get("Content-Language") != tr.Lang || o.Lang != tr.Lang || o.Slug != tr.Slug || *o.URL != *tr.URL || o.Title != tr.Title {
				t.Errorf("%s: translation %s disagrees: %+v vs %+v (Content-Language %q)", item.ID, tr.Lang, tr, o, other.Header().Get("Content-Language"))
			}
			if o.Fallback {
				t.Errorf("%s: translation %s served as a fallback", item.ID, tr.Lang)
			}
			if !strings.HasSuffix(*o.URL, "/"+tr.Lang+"/"+tr.Slug) {
				t.Errorf("%s: url %s does not end in /%s/%s", item.ID, *o.URL, tr.Lang, tr.Slug)
			}
			// The slug leads back to the same article.
			bySlug := decode[listJSON](t, a.get("/v1/articles?slug="+tr.Slug+"&lang="+tr.Lang))
			if len(bySlug.Items) != 1 || bySlug.Items[0].ID != item.ID {
				t.Errorf("%s: slug %s in %s finds %+v", item.ID, tr.Slug, tr.Lang, bySlug.Items)
			}
			// And the translation lists the version we came from.
			back := false
			for _, tr2 := range *o.Translations {
				back = back || tr2.Lang == art.Lang && tr2.Slug == art.Slug
			}
			if !back {
				t.Errorf("%s: %s does not list %s among its translations", item.ID, tr.Lang, art.Lang)
			}
		}
	}
}

type atomDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string   `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Author  []struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Links []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Entries []struct {
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Links   []struct {
			Rel      string `xml:"rel,attr"`
			Href     string `xml:"href,attr"`
			HrefLang string `xml:"hreflang,attr"`
		} `xml:"link"`
		Content struct {
			Type string `xml:"type,attr"`
			Body string `xml:",chardata"`
		} `xml:"content"`
	} `xml:"entry"`
}

func TestAtomFeed(t *testing.T) {
	a := newAPI(t, nil, Options{})
	for _, lang := range []string{"sv", "en", "zh-Hans", "zh-Hant"} {
		t.Run(lang, func(t *testing.T) {
			r := a.get("/v1/feed.atom?lang=" + lang)
			if r.Code != 200 || !strings.HasPrefix(r.Header().Get("Content-Type"), "application/atom+xml") {
				t.Fatalf("status %d type %q", r.Code, r.Header().Get("Content-Type"))
			}
			var f atomDoc
			if err := xml.Unmarshal(r.body, &f); err != nil {
				t.Fatalf("not XML: %v", err)
			}
			if f.Lang != lang || f.ID == "" || f.Title == "" || f.Updated == "" || len(f.Author) == 0 {
				t.Errorf("feed lacks required elements: lang %q id %q title %q updated %q authors %d", f.Lang, f.ID, f.Title, f.Updated, len(f.Author))
			}
			if len(f.Entries) == 0 || len(f.Entries) > 20 {
				t.Fatalf("%d entries", len(f.Entries))
			}
			ids := map[string]bool{}
			for _, e := range f.Entries {
				if e.ID == "" || e.Title == "" || e.Updated == "" || e.Content.Body == "" || ids[e.ID] {
					t.Errorf("bad entry %+v", e)
				}
				ids[e.ID] = true
				if len(e.Links) == 0 || !strings.Contains(e.Links[0].Href, "/"+lang+"/") {
					t.Errorf("entry %s links %+v", e.ID, e.Links)
				}
			}
		})
	}
	tagged := a.get("/v1/feed.atom?lang=en&tag=dunhuang")
	var f atomDoc
	if err := xml.Unmarshal(tagged.body, &f); err != nil {
		t.Fatal(err)
	}
	all := a.get("/v1/feed.atom?lang=en")
	var g atomDoc
	xml.Unmarshal(all.body, &g)
	if len(f.Entries) == 0 || len(f.Entries) >= len(g.Entries) {
		t.Errorf("tag filter: %d of %d entries", len(f.Entries), len(g.Entries))
	}
}

type sitemapDoc struct {
	XMLName xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
		Links   []struct {
			Rel      string `xml:"rel,attr"`
			HrefLang string `xml:"hreflang,attr"`
			Href     string `xml:"href,attr"`
		} `xml:"http://www.w3.org/1999/xhtml link"`
	} `xml:"url"`
}

func TestSitemap(t *testing.T) {
	a := newAPI(t, nil, Options{})
	r := a.get("/v1/sitemap.xml")
	var sm sitemapDoc
	if err := xml.Unmarshal(r.body, &sm); err != nil {
		t.Fatalf("not a sitemap: %v\n%s", err, r.body)
	}
	// Every public version of the corpus: 7 sv + 7 en + 6 zh-Hans + 6 zh-Hant.
	if len(sm.URLs) != 26 {
		t.Errorf("%d URLs, want 26", len(sm.URLs))
	}
	for _, u := range sm.URLs {
		if u.Loc == "" || u.LastMod == "" {
			t.Errorf("url without loc or lastmod: %+v", u)
		}
		self, xdefault := false, false
		for _, l := range u.Links {
			self = self || l.Href == u.Loc
			xdefault = xdefault || l.HrefLang == "x-default" && strings.Contains(l.Href, "/sv/")
			if l.Rel != "alternate" {
				t.Errorf("rel %q", l.Rel)
			}
		}
		if !self || !xdefault {
			t.Errorf("%s: alternates %+v lack itself or x-default", u.Loc, u.Links)
		}
	}
}

// TestNegotiationTable runs every row of the translators' negotiation table
// (internal/langs/testdata/negotiate.txt) through the real HTTP handler.
func TestNegotiationTable(t *testing.T) {
	f, err := os.Open("../langs/testdata/negotiate.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cases, err := langstest.ReadCases(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 80 {
		t.Fatalf("%d cases, want at least 80", len(cases))
	}
	fsys := coverageTree(t, cases)
	a := newAPI(t, fsys, Options{})
	for _, c := range cases {
		t.Run(fmt.Sprintf("line%d", c.Line), func(t *testing.T) {
			q := url.Values{}
			target := "/v1/articles/" + coverageID(c.Available)
			raw := ""
			if c.HasParam {
				raw = "lang=" + url.QueryEscape(c.Param)
			}
			if c.Options != "" {
				raw = strings.TrimPrefix(raw+"&"+c.Options, "&")
			}
			_ = q
			if raw != "" {
				target += "?" + raw
			}
			var hdr []string
			if c.AcceptLanguage != "" {
				hdr = []string{"Accept-Language", c.AcceptLanguage}
			}
			r := a.get(target, hdr...)
			switch c.WantLang {
			case "400", "404":
				if fmt.Sprint(r.Code) != c.WantLang {
					t.Fatalf("line %d: status %d, want %s: %s", c.Line, r.Code, c.WantLang, r.body)
				}
				return
			}
			if r.Code != http.StatusOK {
				t.Fatalf("line %d: status %d: %s", c.Line, r.Code, r.body)
			}
			art := decode[articleJSON](t, r)
			if art.Lang != c.WantLang || art.Fallback != c.WantFallback || r.Header().Get("Content-Language") != c.WantLang {
				t.Errorf("line %d (%q, lang %q, available %v): got %s fallback %v, want %s fallback %v",
					c.Line, c.AcceptLanguage, c.Param, c.Available, art.Lang, art.Fallback, c.WantLang, c.WantFallback)
			}
			switch c.WantVariant {
			case "TW":
				if !strings.Contains(art.Title, "軟體") {
					t.Errorf("line %d: title %q is not in Taiwan phrasing", c.Line, art.Title)
				}
			case "HK":
				if !strings.Contains(art.Title, "軟件") {
					t.Errorf("line %d: title %q is not in Hong Kong phrasing", c.Line, art.Title)
				}
			}
		})
	}
}

func coverageID(available []string) string {
	return "a-" + strings.ToLower(strings.Join(available, "-"))
}

// coverageTree builds a content tree with one article per coverage of the
// table, on the embedded site.yaml. Chinese titles contain 软件, which
// Taiwan phrasing writes 軟體 and Hong Kong 軟件.
func coverageTree(t *testing.T, cases []langstest.Case) fstest.MapFS {
	t.Helper()
	site, err := fs.ReadFile(content.FS, "site.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{"site.yaml": {Data: site}}
	seen := map[string]bool{}
	for _, c := range cases {
		id := coverageID(c.Available)
		if seen[id] || len(c.Available) == 0 {
			continue
		}
		seen[id] = true
		orig := c.Available[0]
		for _, lang := range c.Available {
			title := "Article " + id
			if lang == "zh-Hans" {
				title = "软件 " + id
			}
			extra := ""
			if lang != orig {
				extra = "translated_from: " + orig + "\nsource_updated: 2024-01-01\n"
			}
			body := fmt.Sprintf("---\ntitle: %s\nslug: %s-%s\npublished: 2024-01-01\n%s---\n\nText.\n", title, id, strings.ToLower(lang), extra)
			m["articles/"+id+"/"+lang+".md"] = &fstest.MapFile{Data: []byte(body)}
		}
	}
	if !slices.Contains(slices.Collect(func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}), "site.yaml") {
		t.Fatal("no site.yaml")
	}
	return m
}
