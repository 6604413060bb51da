package httpapi

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/mmcdole/gofeed"

	"github.com/amal-kommun/tolk/content"
)

// envRequireFeedparser set to "1" (as in CI) makes TestFeedParser fail
// instead of skipping when Python's feedparser is missing.
const envRequireFeedparser = "TOLK_REQUIRE_FEEDPARSER"

// pythonFeedparser is the Python of Debian's python3-feedparser.
const pythonFeedparser = "/usr/bin/python3"

// readerView is what a feed reader shows of a feed, as
// testdata/read_feeds.py prints it.
type readerView struct {
	Bozo     string `json:"bozo"` // why the document is not well-formed, or ""
	Version  string `json:"version"`
	ID       string `json:"id"`
	Title    string `json:"title"`
	Language string `json:"language"`
	Author   string `json:"author"`
	Updated  string `json:"updated"`
	Self     string `json:"self"`
	Entries  []struct {
		ID          string   `json:"id"`
		Title       string   `json:"title"`
		Link        string   `json:"link"`
		Summary     string   `json:"summary"`
		Content     string   `json:"content"`
		ContentType string   `json:"content_type"`
		Author      string   `json:"author"`
		Updated     string   `json:"updated"`
		Published   string   `json:"published"`
		Tags        []string `json:"tags"`
	} `json:"entries"`
}

// TestFeedParser reads the feeds of the real router with a second parser
// nobody here wrote, Python's Universal Feed Parser (Debian's
// python3-feedparser), and checks that it finds them well-formed Atom 1.0
// and shows what gofeed shows: titles, languages, ids, links (the self
// link resolved against the feed's address), authors, dates, summaries,
// categories and the HTML content.
func TestFeedParser(t *testing.T) {
	if err := exec.Command(pythonFeedparser, "-c", "import feedparser").Run(); err != nil {
		if os.Getenv(envRequireFeedparser) == "1" {
			t.Fatalf("%s cannot import feedparser (apt-get install python3-feedparser): %v", pythonFeedparser, err)
		}
		t.Skipf("no feedparser for %s (apt-get install python3-feedparser; %s=1 makes this a failure): %v", pythonFeedparser, envRequireFeedparser, err)
	}
	const base = "http://tolk.test"
	tests := []struct {
		name, target string
		header       []string
		reader       bool // the readerCorpus, not the embedded one
	}{
		{name: "sv", target: "/v1/feed.atom?lang=sv"},
		{name: "zh-TW", target: "/v1/feed.atom?lang=zh-TW&tag=dunhuang"},
		{name: "zh-HK by Accept-Language", target: "/v1/feed.atom", header: []string{"Accept-Language", "zh-HK"}},
		{name: "tag needing escapes", target: "/v1/feed.atom?lang=en&tag=a%26b+c%2Bd%23"},
		{name: "markup sv, author", target: "/v1/feed.atom?lang=sv", reader: true},
		{name: "markup zh-Hant, author", target: "/v1/feed.atom?lang=zh-Hant", reader: true},
		{name: "markup en, no author", target: "/v1/feed.atom?lang=en", reader: true},
		{name: "empty", target: "/v1/feed.atom?lang=sv&tag=culture", reader: true},
	}
	embedded, reader := newAPI(t, content.FS, Options{}), newAPI(t, readerCorpus(t), Options{})
	dir := t.TempDir()
	type input struct {
		URL  string `json:"url"`
		File string `json:"file"`
	}
	var inputs []input
	var feeds []*gofeed.Feed
	for i, tt := range tests {
		a := embedded
		if tt.reader {
			a = reader
		}
		f, r := readFeed(t, a, tt.target, tt.header...)
		file := filepath.Join(dir, fmt.Sprintf("%d.xml", i))
		if err := os.WriteFile(file, r.body, 0o644); err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, input{URL: base + tt.target, File: file})
		feeds = append(feeds, f)
	}
	list := filepath.Join(dir, "feeds.json")
	if b, err := json.Marshal(inputs); err != nil {
		t.Fatal(err)
	} else if err := os.WriteFile(list, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pythonFeedparser, "testdata/read_feeds.py", list).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("read_feeds.py: %v\n%s", err, stderr)
	}
	var views []readerView
	if err := json.Unmarshal(out, &views); err != nil || len(views) != len(tests) {
		t.Fatalf("read_feeds.py printed %d feeds (%v):\n%.500s", len(views), err, out)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, f := views[i], feeds[i]
			if got.Bozo != "" || got.Version != "atom10" {
				t.Errorf("feedparser reads version %q, not well-formed: %q", got.Version, got.Bozo)
			}
			want := readerView{
				Version:  "atom10",
				ID:       feedIDs(t, f)[0],
				Title:    f.Title,
				Language: f.Language,
				Author:   f.Author.Name,
				Updated:  stamp(f.UpdatedParsed),
				Self:     base + f.FeedLink,
			}
			got.Entries, want.Entries = nil, nil
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("the feed as feedparser reads it differs from gofeed's reading (-gofeed +feedparser):\n%s", diff)
			}
			if len(views[i].Entries) != len(f.Items) {
				t.Fatalf("feedparser reads %d entries, gofeed %d", len(views[i].Entries), len(f.Items))
			}
			for j, e := range views[i].Entries {
				it := f.Items[j]
				author := ""
				if it.Author != nil {
					author = it.Author.Name
				}
				type entry struct {
					ID, Title, Link, Summary, Content, ContentType, Author, Updated, Published string
					Tags                                                                       []string
				}
				// Where an entry's content ends in white space is the parsers' choice.
				want := entry{it.GUID, it.Title, it.Link, it.Description, strings.TrimSpace(it.Content), "text/html", author, stamp(it.UpdatedParsed), stamp(it.PublishedParsed), it.Categories}
				got := entry{e.ID, e.Title, e.Link, e.Summary, strings.TrimSpace(e.Content), e.ContentType, e.Author, e.Updated, e.Published, e.Tags}
				// feedparser shows the content as the summary of an entry
				// without one.
				if want.Summary == "" && got.Summary == got.Content {
					got.Summary = ""
				}
				if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("entry %s as feedparser reads it differs from gofeed's reading (-gofeed +feedparser):\n%s", it.GUID, diff)
				}
			}
		})
	}
}

// stamp formats t as read_feeds.py does, or "" for nil.
func stamp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}
