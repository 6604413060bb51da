package httpapi

import (
	"bytes"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"

	"github.com/amal-kommun/tolk/content"
	"github.com/amal-kommun/tolk/internal/contenttest"
)

// readerCorpus is a small corpus whose texts are hard on feed readers:
// markup characters and quotes in plain-text fields, entities and raw
// HTML in the body, an entry author in sv and zh-Hans but none in en, an
// article without tags, and a tag (culture) whose only version is a
// draft, so its feed is empty.
func readerCorpus(t *testing.T) fs.FS {
	t.Helper()
	dir := t.TempDir()
	contenttest.WriteTree(t, dir, map[string]string{
		"site.yaml": contenttest.Site,
		"articles/skola/sv.md": "---\ntitle: 'Skola & \"förskola\" <i>i</i> Åmål'\nslug: skola\n" +
			"summary: Barn < 6 år & deras föräldrar, \"alla\" välkomna\ntags: [international]\n" +
			"published: 2024-05-16\nupdated: 2024-06-01T10:00:00+02:00\nauthor: Barn- & utbildningsförvaltningen <bou>\n---\n\n" +
			"Om a < b & c gäller **alltid**, se [schemat](https://example.se/?a=1&b=2).\n\n<script>alert(1)</script>\n\nÅ &amp; Ä &#x3C;\n",
		"articles/skola/en.md": "---\ntitle: School & <pre>school\nslug: school\nsummary: Children < 6\ntags: [international]\n" +
			"published: 2024-05-17\ntranslated_from: sv\nsource_updated: 2024-06-01T10:00:00+02:00\n---\n\nIf a < b & c.\n",
		"articles/skola/zh-Hans.md": "---\ntitle: 学校与\"幼儿园\"\nslug: xuexiao\nsummary: 国际合作 & 学校\ntags: [international]\n" +
			"published: 2024-05-18\ntranslated_from: sv\nsource_updated: 2024-06-01T10:00:00+02:00\nauthor: 国际事务办公室\n---\n\n国际合作 a < b。\n",
		"articles/bibliotek/sv.md": "---\ntitle: Biblioteket\nslug: biblioteket\npublished: 2023-01-01\n---\n\nÖppet.\n",
		"articles/utkast/sv.md":    "---\ntitle: Utkast\nslug: utkast\ntags: [culture]\npublished: 2023-02-01\ndraft: true\n---\n\nInte klart.\n",
	})
	return os.DirFS(dir)
}

// TestFeedReaders reads the Atom feeds of the real router with gofeed, a
// feed parser nobody here wrote (it is what many Go feed readers use),
// and checks what a reader shows against the JSON API: the feed's title,
// language, author and self link (which fetches the same feed), and for
// every entry its title, link to the site, summary, HTML content, author
// (an entry's own, or none when the feed's applies), dates, categories
// and an id that is the same on every request and after a restart.
func TestFeedReaders(t *testing.T) {
	corpora := map[string]fs.FS{"embedded": content.FS, "reader": readerCorpus(t)}
	tests := []struct {
		name, corpus, target string
		header               []string
		lang, title          string
		self                 string // the lang of the self link, when not lang
		tags                 []string
		empty                bool
	}{
		{name: "sv", corpus: "embedded", target: "/v1/feed.atom?lang=sv", lang: "sv", title: "Åmåls kommun"},
		{name: "en", corpus: "embedded", target: "/v1/feed.atom?lang=en", lang: "en", title: "Åmål Municipality"},
		{name: "zh-Hans", corpus: "embedded", target: "/v1/feed.atom?lang=zh-Hans", lang: "zh-Hans", title: "奥莫尔市"},
		{name: "zh-TW derived", corpus: "embedded", target: "/v1/feed.atom?lang=zh-TW", lang: "zh-Hant", title: "奧莫爾市"},
		{name: "zh-HK by Accept-Language", corpus: "embedded", target: "/v1/feed.atom", header: []string{"Accept-Language", "zh-HK, en;q=0.5"}, lang: "zh-Hant", self: "zh-Hant-HK", title: "奧莫爾市"},
		{name: "zh-MO", corpus: "embedded", target: "/v1/feed.atom?lang=zh-MO&tag=international", lang: "zh-Hant", self: "zh-Hant-HK", title: "奧莫爾市", tags: []string{"international"}},
		{name: "sv by Accept-Language", corpus: "embedded", target: "/v1/feed.atom", header: []string{"Accept-Language", "sv-SE"}, lang: "sv", title: "Åmåls kommun"},
		{name: "tag", corpus: "embedded", target: "/v1/feed.atom?lang=en&tag=dunhuang", lang: "en", title: "Åmål Municipality", tags: []string{"dunhuang"}},
		{name: "two tags", corpus: "embedded", target: "/v1/feed.atom?lang=sv&tag=international&tag=education", lang: "sv", title: "Åmåls kommun", tags: []string{"international", "education"}},
		{name: "tag zh-TW", corpus: "embedded", target: "/v1/feed.atom?lang=zh-TW&tag=de-pere", lang: "zh-Hant", title: "奧莫爾市", tags: []string{"de-pere"}},
		{name: "unknown tag", corpus: "embedded", target: "/v1/feed.atom?lang=sv&tag=nosuch", lang: "sv", title: "Åmåls kommun", tags: []string{"nosuch"}, empty: true},
		{name: "tag needing escapes", corpus: "embedded", target: "/v1/feed.atom?lang=sv&tag=a%26b+c%2Bd%23", lang: "sv", title: "Åmåls kommun", tags: []string{"a&b c+d#"}, empty: true},
		{name: "markup sv, author", corpus: "reader", target: "/v1/feed.atom?lang=sv", lang: "sv", title: "Åmåls kommun"},
		{name: "markup en, no author", corpus: "reader", target: "/v1/feed.atom?lang=en", lang: "en", title: "Åmål Municipality"},
		{name: "markup zh-Hant derived, author", corpus: "reader", target: "/v1/feed.atom?lang=zh-Hant&tag=international", lang: "zh-Hant", title: "奧莫爾市", tags: []string{"international"}},
		{name: "tag of a draft only", corpus: "reader", target: "/v1/feed.atom?lang=sv&tag=culture", lang: "sv", title: "Åmåls kommun", tags: []string{"culture"}, empty: true},
	}
	// Each corpus is served twice: the second server stands for the first
	// after a restart.
	apis, restarted := map[string]*api{}, map[string]*api{}
	for name, fsys := range corpora {
		apis[name], restarted[name] = newAPI(t, fsys, Options{}), newAPI(t, fsys, Options{})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := apis[tt.corpus]
			if tt.self == "" {
				tt.self = tt.lang
			}
			f, r := readFeed(t, a, tt.target, tt.header...)
			if f.FeedType != "atom" || f.FeedVersion != "1.0" {
				t.Errorf("read as %s %s, want atom 1.0", f.FeedType, f.FeedVersion)
			}
			if f.Title != tt.title {
				t.Errorf("title %q, want %q", f.Title, tt.title)
			}
			if f.Language != tt.lang || r.Header().Get("Content-Language") != tt.lang {
				t.Errorf("language %q, Content-Language %q, want %q", f.Language, r.Header().Get("Content-Language"), tt.lang)
			}
			if f.Author == nil || f.Author.Name != "Åmåls kommun" || len(f.Authors) != 1 {
				t.Errorf("feed authors %+v, want the publisher", f.Authors)
			}

			// The self link names this feed: a reader that subscribes
			// through it gets the same bytes.
			self, err := url.Parse(f.FeedLink)
			if err != nil || self.Path != "/v1/feed.atom" {
				t.Fatalf("self link %q: %v", f.FeedLink, err)
			}
			if q := self.Query(); q.Get("lang") != tt.self || !slices.Equal(q["tag"], tt.tags) {
				t.Errorf("self link %q has lang %q tags %q, want %q %q", f.FeedLink, q.Get("lang"), q["tag"], tt.self, tt.tags)
			}
			if again := a.get(f.FeedLink); again.Code != 200 || !bytes.Equal(again.body, r.body) {
				t.Errorf("the self link %q answers %d, not the same feed:\n%.300s", f.FeedLink, again.Code, again.body)
			}

			if f.UpdatedParsed == nil {
				t.Fatalf("updated %q does not parse", f.Updated)
			}
			if lm := r.Header().Get("Last-Modified"); lm != f.UpdatedParsed.Format(http.TimeFormat) {
				t.Errorf("Last-Modified %q, feed updated %v", lm, f.UpdatedParsed)
			}

			want := feedVersions(t, a, tt.lang, tt.tags)
			if tt.empty != (len(want) == 0) {
				t.Fatalf("the API lists %d versions of %s tagged %q", len(want), tt.lang, tt.tags)
			}
			var got []string
			newest := time.Time{}
			for i, it := range f.Items {
				id, ok := strings.CutPrefix(it.GUID, "urn:tolk:article:")
				id, ok2 := strings.CutSuffix(id, ":"+tt.lang)
				if !ok || !ok2 {
					t.Errorf("entry id %q is not urn:tolk:article:<id>:%s", it.GUID, tt.lang)
					continue
				}
				got = append(got, id)
				if it.UpdatedParsed == nil || it.PublishedParsed == nil {
					t.Errorf("%s: updated %q published %q do not parse", id, it.Updated, it.Published)
					continue
				}
				if i > 0 && it.UpdatedParsed.After(*f.Items[i-1].UpdatedParsed) {
					t.Errorf("%s is newer than the entry before it", id)
				}
				if it.UpdatedParsed.After(newest) {
					newest = *it.UpdatedParsed
				}
				checkEntry(t, a, tt.lang, tt.self, id, it)
			}
			slices.Sort(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("entries (-the API's versions +the feed's):\n%s", diff)
			}
			if len(f.Items) > 0 && !f.UpdatedParsed.Equal(newest) {
				t.Errorf("feed updated %v, newest entry %v", f.UpdatedParsed, newest)
			}

			// Ids are the same on the next request and on a new server
			// over the same content: a reader marks nothing unread twice.
			id := feedIDs(t, f)
			next, _ := readFeed(t, a, tt.target, tt.header...)
			fresh, _ := readFeed(t, restarted[tt.corpus], tt.target, tt.header...)
			for _, g := range []*gofeed.Feed{next, fresh} {
				if diff := cmp.Diff(id, feedIDs(t, g)); diff != "" {
					t.Errorf("ids on another request (-first +then):\n%s", diff)
				}
			}
		})
	}
}

// TestFeedReaderText pins what a reader shows of the texts that are hard
// to escape: plain-text fields arrive as written, the content arrives as
// the API's sanitized HTML (no script, entities kept as entities).
func TestFeedReaderText(t *testing.T) {
	a := newAPI(t, readerCorpus(t), Options{})
	f, _ := readFeed(t, a, "/v1/feed.atom?lang=sv")
	var it *gofeed.Item
	for _, i := range f.Items {
		if i.GUID == "urn:tolk:article:skola:sv" {
			it = i
		}
	}
	if it == nil {
		t.Fatalf("no entry urn:tolk:article:skola:sv among %d", len(f.Items))
	}
	if want := `Skola & "förskola" <i>i</i> Åmål`; it.Title != want {
		t.Errorf("title %q, want %q", it.Title, want)
	}
	if want := `Barn < 6 år & deras föräldrar, "alla" välkomna`; it.Description != want {
		t.Errorf("summary %q, want %q", it.Description, want)
	}
	if it.Author == nil || it.Author.Name != "Barn- & utbildningsförvaltningen <bou>" {
		t.Errorf("author %+v", it.Author)
	}
	for _, want := range []string{"a &lt; b &amp; c", "<strong>alltid</strong>", `href="https://example.se/?a=1&amp;b=2"`} {
		if !strings.Contains(it.Content, want) {
			t.Errorf("content lacks %q:\n%s", want, it.Content)
		}
	}
	if strings.Contains(it.Content, "<script") {
		t.Errorf("content carries a script:\n%s", it.Content)
	}
	if want := time.Date(2024, 6, 1, 8, 0, 0, 0, time.UTC); !it.UpdatedParsed.Equal(want) {
		t.Errorf("updated %v, want %v", it.UpdatedParsed, want)
	}
	// A date without a time is 00:00 in Europe/Stockholm.
	if want := time.Date(2024, 5, 15, 22, 0, 0, 0, time.UTC); !it.PublishedParsed.Equal(want) {
		t.Errorf("published %v, want %v", it.PublishedParsed, want)
	}
}

// readFeed fetches target and parses it as a feed reader would.
func readFeed(t *testing.T, a *api, target string, header ...string) (*gofeed.Feed, response) {
	t.Helper()
	r := a.get(target, header...)
	if r.Code != 200 || !strings.HasPrefix(r.Header().Get("Content-Type"), "application/atom+xml") {
		t.Fatalf("GET %s: %d %s\n%.300s", target, r.Code, r.Header().Get("Content-Type"), r.body)
	}
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	f, err := p.Parse(bytes.NewReader(r.body))
	if err != nil {
		t.Fatalf("GET %s: a reader cannot parse it: %v\n%.500s", target, err, r.body)
	}
	return f, r
}

// feedIDs returns the feed's id and its entries' ids, in order.
func feedIDs(t *testing.T, f *gofeed.Feed) []string {
	t.Helper()
	orig, ok := f.OriginalFeed().(*atom.Feed)
	if !ok || orig.ID == "" {
		t.Fatalf("feed without an id: %T", f.OriginalFeed())
	}
	ids := []string{orig.ID}
	for _, it := range f.Items {
		ids = append(ids, it.GUID)
	}
	return ids
}

// feedVersions returns the sorted ids of the public versions in lang
// (stored or derived, never a fallback) that have every tag, as the
// list API answers them.
func feedVersions(t *testing.T, a *api, lang string, tags []string) []string {
	t.Helper()
	q := url.Values{"lang": {lang}, "per_page": {"100"}, "tag": tags}
	r := a.get("/v1/articles?" + q.Encode())
	if r.Code != 200 {
		t.Fatalf("list %s: %d %s", q.Encode(), r.Code, r.body)
	}
	var ids []string
	for _, it := range decode[struct{ Items []articleJSON }](t, r).Items {
		if it.Lang == lang && !it.Fallback {
			ids = append(ids, it.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// checkEntry compares what a reader shows of an entry with the API's
// version id in lang, asked for as ask.
func checkEntry(t *testing.T, a *api, lang, ask, id string, it *gofeed.Item) {
	t.Helper()
	r := a.get("/v1/articles/" + id + "?lang=" + ask)
	if r.Code != 200 {
		t.Fatalf("%s: %d %s", id, r.Code, r.body)
	}
	v := decode[articleJSON](t, r)
	if v.Lang != lang {
		t.Fatalf("%s: the API serves %s, the feed %s", id, v.Lang, lang)
	}
	if it.Title != v.Title {
		t.Errorf("%s: title %q, the API's %q", id, it.Title, v.Title)
	}
	if it.Description != v.Summary {
		t.Errorf("%s: summary %q, the API's %q", id, it.Description, v.Summary)
	}
	if v.BodyHTML == nil || strings.TrimSpace(it.Content) != strings.TrimSpace(*v.BodyHTML) {
		t.Errorf("%s: content %q differs from the API's body_html %q", id, it.Content, deref(v.BodyHTML))
	}
	switch {
	case v.URL == nil && it.Link != "":
		t.Errorf("%s: link %q, the API has no url", id, it.Link)
	case v.URL != nil && (it.Link != *v.URL || len(it.Links) != 1):
		t.Errorf("%s: links %q, want the site's page %q", id, it.Links, *v.URL)
	case v.URL != nil:
		if u, err := url.Parse(it.Link); err != nil || !u.IsAbs() || !strings.Contains(u.Path, "/"+lang+"/") {
			t.Errorf("%s: link %q is not an absolute %s page", id, it.Link, lang)
		}
	}
	// An entry without an author of its own has the feed's (RFC 4287
	// §4.2.1): the reader shows no entry author then.
	switch {
	case v.Author == nil && it.Author != nil:
		t.Errorf("%s: entry author %q, the API has none", id, it.Author.Name)
	case v.Author != nil && (it.Author == nil || it.Author.Name != *v.Author || len(it.Authors) != 1):
		t.Errorf("%s: entry authors %+v, want %q", id, it.Authors, *v.Author)
	}
	for _, d := range []struct {
		name string
		got  *time.Time
		api  string
	}{{"updated", it.UpdatedParsed, v.Updated}, {"published", it.PublishedParsed, v.Published}} {
		want, err := apiTime(d.api)
		if err != nil || !d.got.Equal(want) {
			t.Errorf("%s: %s %v, the API's %q", id, d.name, d.got, d.api)
		}
	}
	var labels []string
	for _, tag := range v.Tags {
		labels = append(labels, tag.Label)
	}
	if !slices.Equal(it.Categories, labels) {
		t.Errorf("%s: categories %q, the API's tags %q", id, it.Categories, labels)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// apiTime parses a date of the API as the content format defines it: an
// RFC 3339 date-time, or a date meaning 00:00 in Europe/Stockholm.
func apiTime(s string) (time.Time, error) {
	if len(s) != len(time.DateOnly) {
		return time.Parse(time.RFC3339, s)
	}
	stockholm, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		return time.Time{}, err
	}
	return time.ParseInLocation(time.DateOnly, s, stockholm)
}
