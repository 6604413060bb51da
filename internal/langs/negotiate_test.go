package langs

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/amal-kommun/tolk/internal/langs/langstest"
)

// newTestNegotiator returns the Negotiator of the embedded corpus's
// site.yaml.
func newTestNegotiator(t testing.TB) *Negotiator {
	t.Helper()
	n, err := NewNegotiator(
		[]string{"sv", "en", "zh-Hans"},
		map[string]string{"zh-Hant": "zh-Hans"},
		"sv",
		map[string][]string{
			"zh-Hant": {"zh-Hans", "en", "sv"},
			"zh-Hans": {"en", "sv"},
			"en":      {"sv"},
			"sv":      {"en"},
		},
	)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTable runs testdata/negotiate.txt through Negotiate and Resolve.
func TestTable(t *testing.T) {
	f, err := os.Open("testdata/negotiate.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cases, err := langstest.ReadCases(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 100 {
		t.Errorf("table has %d cases, want at least 100", len(cases))
	}
	n := newTestNegotiator(t)
	for _, c := range cases {
		name := fmt.Sprintf("line%d", c.Line)
		t.Run(name, func(t *testing.T) {
			got := runCase(t, n, c)
			want := c.WantLang
			if c.WantVariant != "" {
				want += " (" + c.WantVariant + ")"
			}
			if want != "400" && want != "404" {
				want += fmt.Sprintf(" fallback=%t", c.WantFallback)
			}
			if got != want {
				t.Errorf("line %d: header %q, param %q (present %t), available %v, options %q:\ngot  %s\nwant %s",
					c.Line, abbrev(c.AcceptLanguage), c.Param, c.HasParam, c.Available, c.Options, got, want)
			}
		})
	}
}

// runCase negotiates and resolves one case and describes the outcome the
// way the table writes it.
func runCase(t *testing.T, n *Negotiator, c langstest.Case) string {
	t.Helper()
	choice, err := n.Negotiate(c.Param, c.HasParam, c.AcceptLanguage)
	if err != nil {
		if !errors.Is(err, ErrUnsupported) {
			t.Fatalf("Negotiate error %v does not wrap ErrUnsupported", err)
		}
		return "400"
	}
	if c.WantLang == "zh-Hant" && c.WantVariant == "" {
		t.Fatalf("line %d: zh-Hant without (TW) or (HK)", c.Line)
	}
	noFallback := false
	switch c.Options {
	case "":
	case "fallback=none":
		noFallback = true
	default:
		t.Fatalf("line %d: unknown options %q", c.Line, c.Options)
	}
	original := ""
	if len(c.Available) > 0 {
		original = c.Available[0]
	}
	avail := func(l string) bool { return slices.Contains(c.Available, l) }
	lang, v, fallback, ok := n.Resolve(choice, avail, original, noFallback)
	if !ok {
		return "404"
	}
	s := lang
	if v != None {
		s += " (" + v.String() + ")"
	}
	return s + fmt.Sprintf(" fallback=%t", fallback)
}

func abbrev(s string) string {
	if len(s) > 80 {
		return s[:80] + fmt.Sprintf("…(%d bytes)", len(s))
	}
	return s
}

func TestNegotiateChoice(t *testing.T) {
	n := newTestNegotiator(t)
	tests := []struct {
		name   string
		header string
		want   Choice
	}{
		{"chrome HK", "zh-HK,zh;q=0.9,en-US;q=0.8,en;q=0.7",
			Choice{Lang: "zh-Hant", Variant: HongKong, Prefs: []string{"en"}, Source: Header}},
		{"prefs in client order", "en,zh-HK;q=0.5,sv;q=0.7",
			Choice{Lang: "en", Prefs: []string{"sv", "zh-Hant"}, PrefsVariant: HongKong, Source: Header}},
		{"refused never in prefs", "sv,en;q=0,zh-CN;q=0.5",
			Choice{Lang: "sv", Prefs: []string{"zh-Hans"}, Refused: []string{"en"}, Source: Header}},
		{"empty", "", Choice{Lang: "sv", Source: Default}},
		{"default refused", "sv;q=0", Choice{Lang: "en", Refused: []string{"sv"}, Source: Default}},
		{"wildcard", "fr,*;q=0.5", Choice{Lang: "sv", Source: Header}},
		{"wildcard after named", "sv,*;q=0.5", Choice{Lang: "sv", Prefs: []string{"en"}, Source: Header}},
		{"all refused", "*;q=0", Choice{Lang: "sv", Refused: []string{"sv", "en", "zh-Hans", "zh-Hant"}, Source: Default}},
		{"zh covers both scripts", "zh;q=0,en", Choice{Lang: "en", Refused: []string{"zh-Hans", "zh-Hant"}, Source: Header}},
		{"regional beats bare refusal", "zh-TW,zh;q=0",
			Choice{Lang: "zh-Hant", Variant: Taiwan, Refused: []string{"zh-Hans"}, Source: Header}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := n.Negotiate("", false, tt.header)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Negotiate(%q) mismatch (-want +got):\n%s", tt.header, diff)
			}
		})
	}
}

func TestParseParam(t *testing.T) {
	n := newTestNegotiator(t)
	tests := []struct {
		param   string
		lang    string
		variant Variant
		err     bool
	}{
		{"sv", "sv", None, false},
		{"zh-Hant", "zh-Hant", Taiwan, false},
		{"zh-mo", "zh-Hant", HongKong, false},
		{"zh-Hant-HK", "zh-Hant", HongKong, false},
		{"zh-SG", "zh-Hans", None, false},
		{"cmn", "zh-Hans", None, false},
		{"nb", "", None, true},
		{"is", "", None, true}, // x/text: en with High confidence
		{"und-TW", "", None, true},
		{"und", "", None, true},
		{"all", "", None, true},
		{"", "", None, true},
		{strings.Repeat("sv-", 40) + "sv", "", None, true},
	}
	for _, tt := range tests {
		t.Run(tt.param, func(t *testing.T) {
			lang, v, err := n.ParseParam(tt.param)
			if tt.err {
				if !errors.Is(err, ErrUnsupported) {
					t.Errorf("ParseParam(%q) = %q, %v, %v; want ErrUnsupported", tt.param, lang, v, err)
				}
				return
			}
			if err != nil || lang != tt.lang || v != tt.variant {
				t.Errorf("ParseParam(%q) = %q, %v, %v; want %q, %v", tt.param, lang, v, err, tt.lang, tt.variant)
			}
		})
	}
}

func TestNewNegotiatorErrors(t *testing.T) {
	tests := []struct {
		name     string
		stored   []string
		derived  map[string]string
		def      string
		fallback map[string][]string
	}{
		{"no stored", nil, nil, "sv", nil},
		{"not canonical", []string{"sv", "zh-hans"}, nil, "sv", nil},
		{"duplicate", []string{"sv", "sv"}, nil, "sv", nil},
		{"bad tag", []string{"sv", "!!"}, nil, "sv", nil},
		{"derived from unknown", []string{"sv"}, map[string]string{"zh-Hant": "zh-Hans"}, "sv", nil},
		{"default not served", []string{"sv"}, nil, "en", nil},
		{"fallback to unknown", []string{"sv"}, nil, "sv", map[string][]string{"sv": {"en"}}},
		{"fallback of unknown", []string{"sv"}, nil, "sv", map[string][]string{"en": {"sv"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewNegotiator(tt.stored, tt.derived, tt.def, tt.fallback); err == nil {
				t.Error("NewNegotiator succeeded, want an error")
			}
		})
	}
}

func TestServed(t *testing.T) {
	n := newTestNegotiator(t)
	if diff := cmp.Diff([]string{"sv", "en", "zh-Hans", "zh-Hant"}, n.Served()); diff != "" {
		t.Errorf("Served mismatch (-want +got):\n%s", diff)
	}
}

// chromeHK is what Chrome sends when set to Hong Kong Chinese.
const chromeHK = "zh-HK,zh;q=0.9,en-US;q=0.8,en;q=0.7"

func TestNegotiateAllocs(t *testing.T) {
	n := newTestNegotiator(t)
	for _, h := range []string{chromeHK, "sv-SE,sv;q=0.9,en-US;q=0.8,en;q=0.7", "en-US,en;q=0.9"} {
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := n.Negotiate("", false, h); err != nil {
				t.Fatal(err)
			}
		})
		t.Logf("%q: %.0f allocations", h, allocs)
		if allocs > 10 {
			t.Errorf("Negotiate(%q) allocates %.0f times, want at most 10", h, allocs)
		}
	}
}

func BenchmarkNegotiate(b *testing.B) {
	n := newTestNegotiator(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := n.Negotiate("", false, chromeHK); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNegotiateParam(b *testing.B) {
	n := newTestNegotiator(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := n.Negotiate("zh-TW", true, chromeHK); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzNegotiate(f *testing.F) {
	f.Add(chromeHK, "")
	f.Add("sv;q=0,*", "zh-HK")
	f.Add("*;q=0", "all")
	f.Add("zh;q=0.5,zh-TW,en;q=0", "zh_TW")
	f.Add("en-GB;q=0.5,"+strings.Repeat("x", 5000), "sv-x-a")
	f.Add("en;q=.1", "")
	f.Add("*, en", "")
	f.Add("zh-HK,zh;q=0.9,en-GB;q=0.8,en;q=0.7,zh-TW;q=0.6", "")
	n := newTestNegotiator(f)
	served := n.Served()
	const malformed = ",en;q=2,!!!,sv;q=x;q=1"
	f.Fuzz(func(t *testing.T, header, param string) {
		for _, hasParam := range []bool{false, true} {
			c, err := n.Negotiate(param, hasParam, header)
			if err != nil {
				if !hasParam || !errors.Is(err, ErrUnsupported) {
					t.Fatalf("Negotiate(%q, %t, %q) error %v", param, hasParam, header, err)
				}
				continue
			}
			if !slices.Contains(served, c.Lang) {
				t.Fatalf("Negotiate(%q, %t, %q).Lang = %q, not served", param, hasParam, header, c.Lang)
			}
			if (c.Lang == "zh-Hant") != (c.Variant != None) {
				t.Fatalf("Negotiate(%q, %t, %q) = %+v: variant does not fit the language", param, hasParam, header, c)
			}
			for _, p := range c.Prefs {
				if !slices.Contains(served, p) || p == c.Lang || slices.Contains(c.Refused, p) {
					t.Fatalf("Negotiate(%q, %t, %q) = %+v: bad prefs", param, hasParam, header, c)
				}
			}
			if hasParam && (c.Source != Param || len(c.Prefs) > 0 || len(c.Refused) > 0) {
				t.Fatalf("Negotiate(%q, true, %q) = %+v: the header was consulted", param, header, c)
			}
			if slices.Contains(c.Refused, c.Lang) && len(c.Refused) < len(served) {
				t.Fatalf("Negotiate(%q, %t, %q) = %+v: a refused language while others were possible", param, hasParam, header, c)
			}
			// A malformed entry costs only itself: appending one changes
			// nothing while the header stays within the limits.
			if !hasParam && len(header)+len(malformed) <= MaxAcceptLanguage &&
				strings.Count(header, ",") < MaxAcceptLanguageEntries-2 {
				c2, err := n.Negotiate(param, false, header+malformed)
				if err != nil || !cmp.Equal(c, c2) {
					t.Fatalf("Negotiate(%q) = %+v, but with a malformed entry appended %+v, %v", header, c, c2, err)
				}
			}
			// Whatever is available, Resolve serves a served language that
			// is available.
			for _, avail := range [][]string{{"sv"}, {"en", "zh-Hans"}, {"zh-Hans"}} {
				lang, _, _, ok := n.Resolve(c, func(l string) bool { return slices.Contains(avail, l) }, avail[0], false)
				from := n.derived[lang]
				if from == "" {
					from = lang
				}
				if !ok || !slices.Contains(avail, from) {
					t.Fatalf("Resolve(%+v, %v) = %q, %t", c, avail, lang, ok)
				}
			}
		}
	})
}

func TestNegotiateConcurrent(t *testing.T) {
	n := newTestNegotiator(t)
	headers := []string{chromeHK, "zh-TW,zh;q=0.9", "sv;q=0,*", "en-GB,en;q=0.5", "nb,da;q=0.5"}
	want := make([]Choice, len(headers))
	for i, h := range headers {
		want[i], _ = n.Negotiate("", false, h)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				k := (g + i) % len(headers)
				got, _ := n.Negotiate("", false, headers[k])
				if diff := cmp.Diff(want[k], got); diff != "" {
					t.Errorf("Negotiate(%q) mismatch (-want +got):\n%s", headers[k], diff)
					return
				}
			}
		})
	}
	wg.Wait()
}
