package analyzers

import (
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/google/go-cmp/cmp"
)

func TestAnalyzers(t *testing.T) {
	tests := []struct {
		name     string
		analyzer string
		text     string
		want     []tok
	}{
		{
			name:     "swedish definite forms and compounds",
			analyzer: Swedish,
			text:     "Förskolan i Åmål: välfärdsteknologi, äldreomsorgen och bygglovshandläggare.",
			want: []tok{
				{"förskol", 0, 10, 1},            // Förskolan
				{"åmål", 13, 19, 3},              // Åmål
				{"välfärdsteknologi", 21, 40, 4}, // välfärdsteknologi
				{"välfärd", 21, 40, 4},
				{"teknologi", 21, 40, 4},
				{"äldreomsorg", 42, 56, 5}, // äldreomsorgen
				{"äldr", 42, 56, 5},
				{"omsorg", 42, 56, 5},
				{"bygglovshandlägg", 61, 81, 7}, // bygglovshandläggare
				{"bygglov", 61, 81, 7},
				{"handlägg", 61, 81, 7},
			},
		},
		{
			name:     "swedish folded",
			analyzer: SwedishFolded,
			text:     "Förskolan och forskolan vid Vänern",
			want: []tok{
				{"forskol", 0, 10, 1},  // Förskolan
				{"forskol", 15, 24, 3}, // forskolan
				{"vanern", 29, 36, 5},  // Vänern: a proper noun, not stemmed to vän
			},
		},
		{
			name:     "swedish query keeps compounds whole",
			analyzer: SwedishQuery,
			text:     "Välfärdsteknologin i skolorna",
			want: []tok{
				{"välfärdsteknologi", 0, 20, 1},
				{"skol", 23, 31, 3},
			},
		},
		{
			name:     "english",
			analyzer: English,
			text:     "The library's cafés were running",
			want: []tok{
				{"librari", 4, 13, 2}, // library's
				{"cafe", 14, 20, 3},   // cafés
				{"run", 26, 33, 5},    // running
			},
		},
		{
			name:     "chinese full width and traditional",
			analyzer: Chinese,
			text:     "２０２４年ＡＢＣ圖書館",
			want: []tok{
				{"2024", 0, 12, 1}, // ２０２４
				{"年", 12, 15, 2},
				{"abc", 15, 24, 3}, // ＡＢＣ
				{"图", 24, 27, 4},   // 圖
				{"图书", 24, 30, 4},  // 圖書
				{"书", 27, 30, 5},   // 書
				{"书馆", 27, 33, 5},  // 書館
				{"馆", 30, 33, 6},   // 館
			},
		},
		{
			name:     "chinese mixed with latin",
			analyzer: Chinese,
			text:     "iPhone手机 café 3.14",
			want: []tok{
				{"iphone", 0, 6, 1},
				{"手", 6, 9, 2},
				{"手机", 6, 12, 2},
				{"机", 9, 12, 3},
				{"cafe", 13, 18, 4},
				{"3.14", 19, 23, 5},
			},
		},
		{
			name:     "pinyin",
			analyzer: Pinyin,
			text:     "敦煌 图书馆",
			want: []tok{
				{"dun", 0, 3, 1},
				{"dui", 0, 3, 1}, // 敦's second reading
				{"dunhuang", 0, 6, 1},
				{"duihuang", 0, 6, 1},
				{"huang", 3, 6, 2},
				{"tu", 7, 10, 3},
				{"tushu", 7, 13, 3},
				{"tushuguan", 7, 16, 3},
				{"shu", 10, 13, 4},
				{"shuguan", 10, 16, 4},
				{"guan", 13, 16, 5},
			},
		},
		{
			name:     "pinyin of traditional characters and latin",
			analyzer: Pinyin,
			text:     "圖書館 Dunhuang",
			want: []tok{
				{"tu", 0, 3, 1},
				{"tushu", 0, 6, 1},
				{"tushuguan", 0, 9, 1},
				{"shu", 3, 6, 2},
				{"shuguan", 3, 9, 2},
				{"guan", 6, 9, 3},
				{"dunhuang", 10, 18, 4},
			},
		},
		{
			name:     "plain",
			analyzer: Plain,
			text:     "Förskolan Åmål ＡＢＣ 圖書館",
			want: []tok{
				{"forskolan", 0, 10, 1},
				{"amal", 11, 17, 2},
				{"abc", 18, 27, 3},
				{"图", 28, 31, 4},
				{"书", 31, 34, 5},
				{"馆", 34, 37, 6},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := analyze(t, tt.analyzer, tt.text)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s(%q) mismatch (-want +got):\n%s", tt.analyzer, tt.text, diff)
			}
		})
	}
}

// TestOffsetsAreWords checks that every token of the word-based analyzers
// spans exactly one word of the original text, compounds and å/ä/ö
// included, and every Chinese token spans whole characters.
func TestOffsetsAreWords(t *testing.T) {
	texts := map[string]string{
		Swedish:            readTestdata(t, "bench_sv.txt"),
		SwedishFolded:      readTestdata(t, "bench_sv.txt"),
		SwedishQuery:       readTestdata(t, "bench_sv.txt"),
		SwedishFoldedQuery: readTestdata(t, "bench_sv.txt"),
		English:            readTestdata(t, "bench_en.txt"),
		Plain:              readTestdata(t, "bench_sv.txt"),
		Chinese:            readTestdata(t, "bench_zh.txt"),
		Pinyin:             readTestdata(t, "bench_zh.txt"),
	}
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			text := texts[name]
			words := make(map[[2]int]bool)
			scanUnits([]byte(text), func(u unit) { words[[2]int{u.start, u.end}] = true })
			toks := analyze(t, name, text)
			if len(toks) == 0 {
				t.Fatal("no tokens")
			}
			for _, tk := range toks {
				span := text[tk.Start:tk.End]
				switch name {
				case Chinese, Pinyin:
					if !allHanOrWord(span) {
						t.Errorf("token %q spans %q", tk.Term, span)
					}
				default:
					if strings.IndexFunc(span, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) >= 0 &&
						!words[[2]int{tk.Start, tk.End}] {
						t.Errorf("token %q spans %q, not a word", tk.Term, span)
					}
				}
			}
		})
	}
}

func allHanOrWord(s string) bool {
	for _, r := range s {
		if !isIdeo(r) && !isWordRune(r) && r != '.' && r != ',' {
			return false
		}
	}
	return true
}

// TestSwedishForms checks that every form in a group gets the same main
// term from both Swedish analyzers.
func TestSwedishForms(t *testing.T) {
	groups := []struct {
		name  string
		want  string
		forms []string
	}{
		{"skola", "skol", []string{"skola", "skolan", "skolor", "skolorna", "skolans", "Skolorna"}},
		{"förskola", "förskol", []string{"förskola", "förskolan", "förskolor", "förskolorna"}},
		{"kommun", "kommun", []string{"kommun", "kommunen", "kommuner", "kommunerna", "kommunens"}},
		{"bibliotek", "bibliotek", []string{"bibliotek", "biblioteket", "biblioteken", "bibliotekets"}},
		{"universitet", "universitet", []string{"universitet", "universitetet", "universiteten"}},
		{"äldreomsorg", "äldreomsorg", []string{"äldreomsorg", "äldreomsorgen", "äldreomsorgens"}},
		{"välfärdsteknologi", "välfärdsteknologi", []string{"välfärdsteknologi", "välfärdsteknologin"}},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, form := range g.forms {
				for _, a := range []string{SwedishQuery, SwedishFoldedQuery} {
					want := g.want
					if a == SwedishFoldedQuery {
						want = FoldSwedish(want)
					}
					got := analyze(t, a, form)
					if len(got) != 1 || got[0].Term != want {
						t.Errorf("%s(%q) = %v, want one term %q", a, form, got, want)
					}
				}
			}
		})
	}
}

// TestFoldedEqualsUnaccented checks that the folded analyzer gives text
// with and without diacritics the same terms.
func TestFoldedEqualsUnaccented(t *testing.T) {
	pairs := [][2]string{
		{"förskolan", "forskolan"},
		{"Åmål", "amal"},
		{"äldreomsorgen", "aldreomsorgen"},
		{"Vänern", "vanern"},
		{"välfärdsteknologi", "valfardsteknologi"},
		{"grundskolorna i Åmåls kommun", "grundskolorna i Amals kommun"},
	}
	for _, p := range pairs {
		t.Run(p[0], func(t *testing.T) {
			a, b := analyze(t, SwedishFolded, p[0]), analyze(t, SwedishFolded, p[1])
			if diff := cmp.Diff(termList(a), termList(b)); diff != "" {
				t.Errorf("terms differ (-%s +%s):\n%s", p[0], p[1], diff)
			}
		})
	}
}

// TestTraditionalEqualsSimplified checks that the Chinese analyzers give
// Traditional and Simplified text the same terms.
func TestTraditionalEqualsSimplified(t *testing.T) {
	pairs := [][2]string{
		{"圖書館", "图书馆"},
		{"學校圖書館開放時間", "学校图书馆开放时间"},
		{"敦煌研究院", "敦煌研究院"},
		{"２０２４年開放", "2024年开放"},
	}
	for _, name := range []string{Chinese, Pinyin, Plain} {
		for _, p := range pairs {
			t.Run(name+"/"+p[0], func(t *testing.T) {
				if diff := cmp.Diff(termList(analyze(t, name, p[1])), termList(analyze(t, name, p[0]))); diff != "" {
					t.Errorf("terms differ (-simplified +traditional):\n%s", diff)
				}
			})
		}
	}
}

func termList(toks []tok) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.Term
	}
	return out
}

func TestFoldSwedish(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain ascii", "plain ascii"},
		{"Förskolan i Åmål", "Forskolan i Amal"},
		{"äldreomsorg", "aldreomsorg"},
		{"café crème naïve", "cafe creme naive"},
		{"Ølstrøm Æble straße", "Olstrom AEble strasse"},
		{"Łódź Dvořák", "Lodz Dvorak"},
		{"Tiếng Việt", "Tieng Viet"},
		{"圖書館 ２０２４", "圖書館 ２０２４"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := FoldSwedish(tt.in); got != tt.want {
				t.Errorf("FoldSwedish(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestToSimplified(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Åmål", "Åmål"},
		{"圖書館", "图书馆"},
		{"图书馆", "图书馆"},
		{"學校 ABC 開放", "学校 ABC 开放"},
		// Taiwan phrasing (OpenCC s2twp) back to the Simplified words.
		{"透過", "通过"},
		{"物件", "对象"},
		{"軟體", "软件"},
		{"透過軟體交流", "通过软件交流"},
		{"記憶體", "内存"},
		{"網路", "网络"},
		{"資訊", "信息"},
		// Hong Kong characters (s2hk).
		{"綫上", "线上"},
		// Tolk's phrase corrections, reversed.
		{"服務對象", "服务对象"},
		{"合作夥伴", "合作伙伴"},
		{"夥伴關係", "伙伴关系"},
		// Simplified text stays as it is.
		{"德佩尔学校交流", "德佩尔学校交流"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := ToSimplified(tt.in); got != tt.want {
				t.Errorf("ToSimplified(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestIsHan(t *testing.T) {
	tests := []struct {
		r    rune
		want bool
	}{
		{'图', true}, {'圖', true}, {'𠀀', true}, {'a', false}, {'å', false},
		{'ひ', false}, {'カ', false}, {'２', false}, {'，', false},
	}
	for _, tt := range tests {
		t.Run(string(tt.r), func(t *testing.T) {
			if got := IsHan(tt.r); got != tt.want {
				t.Errorf("IsHan(%q) = %v, want %v", tt.r, got, tt.want)
			}
		})
	}
}

// TestRegisterConcurrently checks that Register and AddTo may be called
// many times from many goroutines, and that every mapping gets every
// analyzer.
func TestRegisterConcurrently(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			Register()
			m := mapping.NewIndexMapping()
			if err := AddTo(m); err != nil {
				errs <- err
				return
			}
			for _, name := range Names() {
				if m.AnalyzerNamed(name) == nil {
					errs <- &missingAnalyzerError{name}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

type missingAnalyzerError struct{ name string }

func (e *missingAnalyzerError) Error() string { return "no analyzer " + e.name }

func TestVersion(t *testing.T) {
	v := Version()
	if !strings.HasPrefix(v, behaviour+"-") || len(v) != len(behaviour)+13 {
		t.Errorf("Version() = %q, want %q followed by a dash and 12 hex digits", v, behaviour)
	}
	if v2 := Version(); v2 != v {
		t.Errorf("Version() changed between calls: %q, then %q", v, v2)
	}
}

func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := testdataFS.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSwedishCacheKeepsResults checks that words analysed from the cache,
// also by concurrent callers, get the same tokens as the first time.
func TestSwedishCacheKeepsResults(t *testing.T) {
	text := []byte(readTestdata(t, "bench_sv.txt"))
	for _, name := range []string{Swedish, SwedishFolded} {
		t.Run(name, func(t *testing.T) {
			m := mapping.NewIndexMapping() // fresh filters, empty caches
			if err := AddTo(m); err != nil {
				t.Fatal(err)
			}
			a := m.AnalyzerNamed(name)
			cold := a.Analyze(append([]byte(nil), text...))
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					warm := a.Analyze(append([]byte(nil), text...))
					if diff := cmp.Diff(cold, warm); diff != "" {
						t.Errorf("cached analysis differs (-cold +warm):\n%s", diff)
					}
				})
			}
			wg.Wait()
		})
	}
}
