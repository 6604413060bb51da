package analyzers

import (
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
)

func TestSegment(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"德佩尔学校交流", []string{"德佩尔", "学校", "交流"}},
		{"学校交流", []string{"学校", "交流"}},
		{"敦煌研究院", []string{"敦煌", "研究院"}},
		{"奥莫尔市的图书馆", []string{"奥莫尔", "市", "的", "图书馆"}},
		{"圖書館開放時間", []string{"圖書館", "開放", "時間"}},
		{"我在学校", []string{"我", "在", "学校"}},
		{"馆", []string{"馆"}},
		// Queries of two or more words from the corpus's text.
		{"敦煌合作", []string{"敦煌", "合作"}},
		{"代表团访问德佩尔", []string{"代表团", "访问", "德佩尔"}},
		{"德佩尔市长邀请", []string{"德佩尔", "市长", "邀请"}},
		{"圣诺伯特学院", []string{"圣诺伯特", "学院"}},
		{"福利科技伦理评估", []string{"福利", "科技", "伦理", "评估"}},
		{"市政伙伴关系", []string{"市政", "伙伴", "关系"}},
		{"护理人员培训", []string{"护理", "人员", "培训"}},
		{"2024年 Åmål 友好城市", []string{"2024", "年", "Åmål", "友好", "城市"}},
		{"", nil},
		{"，。！", nil},
	} {
		t.Run(tt.in, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Segment(tt.in)); diff != "" {
				t.Errorf("Segment(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestSegmenterAddWords(t *testing.T) {
	s, err := NewSegmenter()
	if err != nil {
		t.Fatal(err)
	}
	const text = "奥莫尔友好城市交流"
	if diff := cmp.Diff([]string{"奥莫尔", "友好", "城市", "交流"}, s.Segment(text)); diff != "" {
		t.Errorf("before AddWords (-want +got):\n%s", diff)
	}
	s.AddWords("友好城市", "x", "市", "ABC城")
	if diff := cmp.Diff([]string{"奥莫尔", "友好城市", "交流"}, s.Segment(text)); diff != "" {
		t.Errorf("after AddWords (-want +got):\n%s", diff)
	}
	// Traditional text finds a word added in Simplified, and the reverse.
	s.AddWords("瑞典國際開發合作署")
	if diff := cmp.Diff([]string{"瑞典国际开发合作署", "资助"}, s.Segment("瑞典国际开发合作署资助")); diff != "" {
		t.Errorf("long added word (-want +got):\n%s", diff)
	}
	// The default Segmenter is not changed by another's words.
	if diff := cmp.Diff([]string{"奥莫尔", "友好", "城市", "交流"}, Segment(text)); diff != "" {
		t.Errorf("Segment after AddWords on another (-want +got):\n%s", diff)
	}
}

// TestZhWordsTable checks the embedded table: sorted records, every
// character of three bytes and Han, and a damaged copy refused.
func TestZhWordsTable(t *testing.T) {
	w, err := loadZhWords()
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= zhMaxWord; n++ {
		sec, width := w.sec[n], 3*n+1
		if len(sec) == 0 || len(sec)%width != 0 {
			t.Fatalf("section %d: %d bytes", n, len(sec))
		}
		prev := ""
		for off := 0; off < len(sec); off += width {
			word := sec[off : off+3*n]
			if word <= prev {
				t.Fatalf("section %d: %q after %q", n, word, prev)
			}
			for _, r := range word {
				if !IsHan(r) {
					t.Fatalf("section %d: %q is not Han", n, word)
				}
			}
			prev = word
		}
	}
	for _, bad := range []string{"", zhWordsMagic, zhWordsData[:len(zhWordsData)-1], "X" + zhWordsData[1:]} {
		if _, err := readZhWords(bad); err == nil {
			t.Errorf("readZhWords accepted a damaged table of %d bytes", len(bad))
		}
	}
}

// FuzzSegment checks that Segment's words are, in order, the letters,
// digits and Han characters of the text and nothing else: joined they give
// the text without its separators, and each is a substring at or after the
// previous one's end.
func FuzzSegment(f *testing.F) {
	for _, s := range []string{"", "德佩尔学校交流", "圖書館 Åmål 2024年", "的的的的", "\xff敦\x80煌", "a，b。c", "𠀀𠀁学校", "e\u0301学"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		words := Segment(text)
		var joined, kept strings.Builder
		rest := text
		for _, w := range words {
			if w == "" {
				t.Fatalf("Segment(%q) has an empty word: %q", text, words)
			}
			i := strings.Index(rest, w)
			if i < 0 {
				t.Fatalf("Segment(%q): %q is not in what follows the previous word", text, w)
			}
			rest = rest[i+len(w):]
			joined.WriteString(w)
		}
		for _, r := range text {
			if IsHan(r) || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
				kept.WriteRune(r)
			}
		}
		if joined.String() != kept.String() {
			t.Fatalf("Segment(%q) = %q: joined %q, want %q", text, words, joined.String(), kept.String())
		}
	})
}
