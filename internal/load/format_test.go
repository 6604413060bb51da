package load

import (
	"context"
	"strings"
	"testing"

	"github.com/amal-kommun/tolk/content"
	"github.com/amal-kommun/tolk/internal/article"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// canonical are files in canonical form: Format(ParseVersion(f)) == f.
var canonical = []struct{ name, path, file string }{
	{"minimal", svPath, "---\ntitle: Hej\nslug: hej\npublished: 2020-01-03\n---\n\nText.\n"},
	{"no body", svPath, "---\ntitle: Hej\nslug: hej\npublished: 2020-01-03\n---\n"},
	{"every key", "articles/a/en.md", "---\ntitle: Why we work internationally\nslug: why\nsummary: A short summary.\n" +
		"tags: [international, culture]\npublished: 2020-01-03\nupdated: 2021-02-03T10:00:00+01:00\n" +
		"translated_from: sv\nsource_updated: 2021-01-01T09:30:00Z\ndraft: true\naliases: [old-why, older-why]\nauthor: International office\n---\n\n# Heading\n\nText.\n"},
	{"updated equal to published kept", svPath, "---\ntitle: Hej\nslug: hej\npublished: 2020-01-03\nupdated: 2020-01-03\n---\n\nText.\n"},
	{"quoting where YAML needs it", svPath, "---\ntitle: 'Åmål: en kommun # 1'\nslug: \"2020\"\nsummary: \"true\"\ntags: [\"123\", a]\npublished: 2020-01-03\n---\n\nText.\n"},
	{"quotes in title", svPath, "---\ntitle: '\"Citat\" och ''apostrof'''\nslug: citat\npublished: 2020-01-03\n---\n"},
	{"title starting with a dash", svPath, "---\ntitle: '---'\nslug: dash\npublished: 2020-01-03\n---\n"},
	{"Chinese", "articles/a/zh-Hans.md", "---\ntitle: 为什么市政府开展国际合作\nslug: wei-shen-me\npublished: 2020-01-03\ntranslated_from: en\nsource_updated: 2020-01-03\n---\n\n正文。\n"},
	{"author needing quotes", svPath, "---\ntitle: Hej\nslug: hej\npublished: 2020-01-03\nauthor: 'Kommunledningen: internationella enheten'\n---\n"},
	{"long lines never wrapped", svPath, "---\ntitle: " + strings.Repeat("Lång rubrik ", 15) + "slut\nslug: lang\nsummary: " + strings.Repeat("En sammanfattning som fortsätter ", 14) + "hit.\n" +
		"tags: [international-cooperation, welfare-technology, education-and-schools, democracy-and-governance, twin-towns]\npublished: 2020-01-03\nauthor: " + strings.Repeat("Avdelningen ", 12) + "slut\n---\n"},
	{"long line needing quotes", svPath, "---\ntitle: Hej\nslug: hej\nsummary: '" + strings.Repeat("Åmål: en kommun # 1, ", 10) + "slut'\npublished: 2020-01-03\n---\n"},
	{"--- in body", svPath, "---\ntitle: Hej\nslug: hej\npublished: 2020-01-03\n---\n\n---\ntitle: x\n---\n"},
}

func TestFormatCanonical(t *testing.T) {
	r := NewRenderer()
	for _, tt := range canonical {
		t.Run(tt.name, func(t *testing.T) {
			v, problems := ParseVersion(tt.path, []byte(tt.file), r)
			if len(problems) > 0 {
				t.Fatalf("problems: %q", problems)
			}
			if diff := cmp.Diff(tt.file, string(Format(v))); diff != "" {
				t.Errorf("Format(ParseVersion(canonical)) (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{
			"keys reordered, block lists, comments and CRLF",
			"\uFEFF---\r\n# comment\r\naliases:\r\n  - old\r\ndraft: false\r\ntags:\r\n  - b\r\n  - a\r\npublished: '2020-01-03'\r\nslug: s\r\ntitle: \"  Titel  \"\r\n---\r\nText\r\n\r\n\r\n",
			"---\ntitle: Titel\nslug: s\ntags: [b, a]\npublished: 2020-01-03\naliases: [old]\n---\n\nText\n",
		},
		{
			"empty lists and null keys left out",
			"---\ntitle: T\nslug: s\nsummary:\ntags: []\npublished: 2020-01-03\naliases:\n---\n",
			"---\ntitle: T\nslug: s\npublished: 2020-01-03\n---\n",
		},
		{
			"folded summary",
			"---\ntitle: T\nslug: s\nsummary: >\n  Lång\n  sammanfattning.\npublished: 2020-01-03\n---\n",
			"---\ntitle: T\nslug: s\nsummary: Lång sammanfattning.\npublished: 2020-01-03\n---\n",
		},
	}
	r := NewRenderer()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, problems := ParseVersion(svPath, []byte(tt.in), r)
			if len(problems) > 0 {
				t.Fatalf("problems: %q", problems)
			}
			if diff := cmp.Diff(tt.want, string(Format(v))); diff != "" {
				t.Errorf("Format (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFormatNewVersion(t *testing.T) {
	// A version built by the write API, not parsed: no Lines, CRLF body.
	v := &article.Version{
		ID: "a", Lang: "en", Title: "New", Slug: "new", Tags: []string{"international"},
		Published: mustDate(t, "2024-05-01"), Updated: mustDate(t, "2024-05-01"),
		TranslatedFrom: "sv", SourceUpdated: mustDate(t, "2024-04-30"),
		Body: "Line one\r\nline two\r\n",
	}
	want := "---\ntitle: New\nslug: new\ntags: [international]\npublished: 2024-05-01\ntranslated_from: sv\nsource_updated: 2024-04-30\n---\n\nLine one\nline two\n"
	if diff := cmp.Diff(want, string(Format(v))); diff != "" {
		t.Errorf("Format (-want +got):\n%s", diff)
	}
}

// roundTripOpts compares a version with its reparsed Format: the same but
// for where the keys were.
var roundTripOpts = cmpopts.IgnoreFields(article.Version{}, "Lines", "Outdated")

// TestFormatRoundTrip checks Load → Format → ParseVersion is the identity
// on the embedded corpus and on hand-written files.
func TestFormatRoundTrip(t *testing.T) {
	lib, _, err := Load(context.Background(), content.FS)
	if err != nil {
		t.Fatal(err)
	}
	versions := lib.All()
	r := NewRenderer()
	for _, f := range []string{
		"---\ndraft: false\ntitle: Hej\nupdated: 2020-01-03\nslug: hej\npublished: 2020-01-03\n---\nText\n",
		"---\ntitle: Hej\nslug: hej\npublished: 2020-01-03T08:00:00+01:00\nupdated: 2020-01-03\n---\n\n\n* a\n* b\n\n",
	} {
		v, problems := ParseVersion(svPath, []byte(f), r)
		if len(problems) > 0 {
			t.Fatalf("problems: %q", problems)
		}
		versions = append(versions, v)
	}
	for _, v := range versions {
		t.Run(v.Path, func(t *testing.T) {
			out := Format(v)
			got, problems := ParseVersion(v.Path, out, r)
			if len(problems) > 0 {
				t.Fatalf("problems in\n%s\n%q", out, problems)
			}
			if diff := cmp.Diff(v, got, roundTripOpts); diff != "" {
				t.Errorf("ParseVersion(Format(v)) (-want +got):\n%s", diff)
			}
			if again := Format(got); string(again) != string(out) {
				t.Errorf("Format is not stable:\n%s\nthen\n%s", out, again)
			}
		})
	}
}
