package index

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Query
	}{
		{"empty", "", Query{}},
		{"blank", "  \t ", Query{}},
		{"one word being typed", "skola", Query{Words: []string{"skola"}, Prefix: true}},
		{"finished word", "skola ", Query{Words: []string{"skola"}}},
		{"words", "Åmåls  kommun", Query{Words: []string{"Åmåls", "kommun"}, Prefix: true}},
		{"phrase", `"snow clearing" roads`, Query{Words: []string{"roads"}, Phrases: []string{"snow clearing"}, Prefix: true}},
		{"curly quotes", "“building permit”", Query{Phrases: []string{"building permit"}}},
		{"unclosed quote", `library "opening hours`, Query{Words: []string{"library"}, Phrases: []string{"opening hours"}}},
		{"excluded", "library -children", Query{Words: []string{"library"}, Excluded: []string{"children"}}},
		{"minus inside word", "e-post", Query{Words: []string{"e", "post"}, Prefix: true}},
		{"field syntax is text", "title:x +a", Query{Words: []string{"title", "x", "a"}, Prefix: true}},
		{"wildcard ends the word", "skol*", Query{Words: []string{"skol"}}},
		{"regexp and fuzzy are text", "/.*/ a~2", Query{Words: []string{"a", "2"}, Prefix: true}},
		{"possessive", "municipality's budget", Query{Words: []string{"municipality's", "budget"}, Prefix: true}},
		{"trailing apostrophe", "students' ", Query{Words: []string{"students"}}},
		{"han split from latin", "敦煌2019年", Query{Words: []string{"敦煌", "2019", "年"}, Prefix: true}},
		{"chinese punctuation", "图书馆，开放", Query{Words: []string{"图书馆", "开放"}, Prefix: true}},
		{"fullwidth digits", "２０２４", Query{Words: []string{"２０２４"}, Prefix: true}},
		{"only excluded", "-skola", Query{Excluded: []string{"skola"}}},
		{"lone minus", "a - b", Query{Words: []string{"a", "b"}, Prefix: true}},
		{"empty phrase", `"" "*"`, Query{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseQuery(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseQuery(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseQueryLimits(t *testing.T) {
	q := ParseQuery(strings.Repeat("ord ", 100) + strings.Repeat("x", 500))
	if len(q.Words) != maxWords {
		t.Errorf("got %d words, want %d", len(q.Words), maxWords)
	}
	q = ParseQuery(strings.Repeat("å", 500))
	if n := utf8.RuneCountInString(q.Words[0]); n != maxWordLen {
		t.Errorf("long word has %d runes, want %d", n, maxWordLen)
	}
}

func TestFuzziness(t *testing.T) {
	tests := []struct {
		word string
		want int
	}{
		{"skol", 0}, {"skola", 1}, {"äldreomsorg", 2}, {"teknologi", 2}, {"12345", 0},
		{"2024års", 0}, {"图书馆图书馆图书馆", 0}, {"libary", 1},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			if got := fuzziness(tt.word); got != tt.want {
				t.Errorf("fuzziness(%q) = %d, want %d", tt.word, got, tt.want)
			}
		})
	}
}

// FuzzParseQuery checks that any input parses to words of word characters
// only, within the limits, and that String round-trips.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"skola", `"a b" -c d`, "title:x +a -b /.*/ a* a~2", "敦煌2019", "it's", "“x”", "-", `"`, "\u0301a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := ParseQuery(s)
		if len(q.Words) > maxWords || len(q.Phrases) > maxPhrases || len(q.Excluded) > maxExcluded {
			t.Fatalf("limits exceeded: %+v", q)
		}
		check := func(w string) {
			if w == "" || utf8.RuneCountInString(w) > maxWordLen {
				t.Fatalf("bad word %q in %+v", w, q)
			}
			for _, r := range w {
				if !isWordRune(r) && !isApostrophe(r) {
					t.Fatalf("word %q has %q", w, r)
				}
			}
		}
		for _, w := range q.Words {
			check(w)
		}
		for _, w := range q.Excluded {
			check(w)
		}
		for _, p := range q.Phrases {
			for _, w := range strings.Split(p, " ") {
				check(w)
			}
		}
		if q.Prefix && len(q.Words) == 0 {
			t.Fatalf("Prefix without words: %+v", q)
		}
		if diff := cmp.Diff(q, ParseQuery(q.String())); diff != "" {
			t.Fatalf("round trip of %q via %q (-first +second):\n%s", s, q.String(), diff)
		}
	})
}
