package langs

import (
	"container/list"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/longbridgeapp/opencc"
	"golang.org/x/net/html"
)

// testConverter is shared by the tests of the package, which load its
// dictionaries once.
var testConverter = sync.OnceValue(NewConverter)

func converter(t testing.TB) *Converter {
	t.Helper()
	c := testConverter()
	// Load both variants' dictionaries now, so that a missing one fails
	// here rather than as conversions that return their input.
	for _, load := range []func() (*opencc.OpenCC, error){c.tw, c.hk} {
		if _, err := load(); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestText(t *testing.T) {
	c := converter(t)
	tests := []struct {
		v        Variant
		in, want string
	}{
		{Taiwan, "软件", "軟體"},
		{Taiwan, "信息", "資訊"},
		{Taiwan, "国际合作", "國際合作"},
		{Taiwan, "网络", "網路"},
		{Taiwan, "打印机", "印表機"},
		{Taiwan, "说", "說"},
		{Taiwan, "台湾", "臺灣"},
		{Taiwan, "U盘", "隨身碟"},
		{Taiwan, "奥莫尔市欢迎您", "奧莫爾市歡迎您"},
		{HongKong, "软件", "軟件"},
		{HongKong, "信息", "信息"},
		{HongKong, "国际合作", "國際合作"},
		{HongKong, "网络", "網絡"},
		{HongKong, "说", "説"},
		{HongKong, "里面", "裏面"},
		{HongKong, "台湾", "台灣"},
		{None, "软件", "软件"},
		{Taiwan, "Åmål 2024", "Åmål 2024"},
		{Taiwan, "", ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v/%s", tt.v, tt.in), func(t *testing.T) {
			for range 2 { // the second time from the cache
				if got := c.Text(tt.v, tt.in); got != tt.want {
					t.Errorf("Text(%v, %q) = %q, want %q", tt.v, tt.in, got, tt.want)
				}
			}
		})
	}
}

func TestHTML(t *testing.T) {
	c := converter(t)
	tests := []struct {
		name     string
		v        Variant
		in, want string
	}{
		{"link", Taiwan,
			`<a href="/zh-Hans/软件">软件</a>`,
			`<a href="/zh-Hans/软件">軟體</a>`},
		{"attributes", Taiwan,
			`<p title="软件" class="x"><img alt="软件" src="/软件.png">信息</p>`,
			`<p title="软件" class="x"><img alt="软件" src="/软件.png">資訊</p>`},
		{"entities", Taiwan,
			`<p>软件 &amp; 信息 &lt;b&gt; &#36719;件 &#x8F6F;件 &nbsp;说</p>`,
			`<p>軟體 &amp; 資訊 &lt;b&gt; &#36719;件 &#x8F6F;件 &nbsp;說</p>`},
		{"mark boundaries", Taiwan,
			`国际<mark>合作</mark>与<mark>软</mark>件`,
			`國際<mark>合作</mark>與<mark>軟</mark>件`},
		{"hong kong", HongKong,
			`<h2 id="软件">软件与网络</h2>`,
			`<h2 id="软件">軟件與網絡</h2>`},
		{"script and style", Taiwan,
			`<script>var s = "软件";</script><style>p::after{content:"软件"}</style>软件`,
			`<script>var s = "软件";</script><style>p::after{content:"软件"}</style>軟體`},
		{"comment", Taiwan, `<!-- 软件 -->软件`, `<!-- 软件 -->軟體`},
		{"unclosed", Taiwan, `<p>软件<em>信息`, `<p>軟體<em>資訊`},
		{"stray angle", Taiwan, `1 < 2 软件 >`, `1 < 2 軟體 >`},
		{"none", None, `<p>软件</p>`, `<p>软件</p>`},
		{"ascii", Taiwan, `<p>Hej &amp; välkommen</p>`, `<p>Hej &amp; välkommen</p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 {
				if got := c.HTML(tt.v, tt.in); got != tt.want {
					t.Errorf("HTML(%v, %q)\ngot  %q\nwant %q", tt.v, tt.in, got, tt.want)
				}
			}
		})
	}
}

func TestLoadOnFirstUse(t *testing.T) {
	c := NewConverter()
	// The first conversion loads the dictionaries rather than skip them.
	if got, want := c.Text(Taiwan, "软件"), "軟體"; got != want {
		t.Errorf("first Text = %q, want %q", got, want)
	}
	if got, want := c.HTML(HongKong, "<p>软件</p>"), "<p>軟件</p>"; got != want {
		t.Errorf("first HTML = %q, want %q", got, want)
	}
}

func TestCacheEviction(t *testing.T) {
	c := converter(t)
	c = &Converter{tw: c.tw, hk: c.hk, cache: make(map[cacheKey]*list.Element), limit: 400}
	for i := range 50 {
		in := fmt.Sprintf("软件%d", i)
		if got, want := c.Text(Taiwan, in), fmt.Sprintf("軟體%d", i); got != want {
			t.Fatalf("Text(%q) = %q, want %q", in, got, want)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.size > c.limit || c.size <= 0 {
		t.Errorf("cache holds %d bytes, limit %d", c.size, c.limit)
	}
	if len(c.cache) != c.lru.Len() {
		t.Errorf("cache map has %d entries, list %d", len(c.cache), c.lru.Len())
	}
	if _, ok := c.cache[cacheKey{Taiwan, kindText, "软件49"}]; !ok {
		t.Error("the newest entry was evicted")
	}
	if _, ok := c.cache[cacheKey{Taiwan, kindText, "软件0"}]; ok {
		t.Error("the oldest entry was kept")
	}
}

func TestConvertConcurrent(t *testing.T) {
	c := converter(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				v := Variant(1 + (g+i)%2)
				in := fmt.Sprintf("<p>软件%d</p>", i%7)
				want := "軟體"
				if v == HongKong {
					want = "軟件"
				}
				if got := c.HTML(v, in); got != fmt.Sprintf("<p>%s%d</p>", want, i%7) {
					t.Errorf("HTML(%v, %q) = %q", v, in, got)
					return
				}
			}
		})
	}
	wg.Wait()
}

// markup returns the raw tokens of s other than text, in order.
func markup(s string) []string {
	var out []string
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.TextToken:
		default:
			out = append(out, string(z.Raw()))
		}
	}
}

func FuzzHTML(f *testing.F) {
	f.Add(`<a href="/zh-Hans/软件">软件</a>`)
	f.Add(`国际<mark>合作</mark> &amp; &#36719;件 <script>"软件"</script>`)
	f.Add(`<p title='软件'>信息<!-- 说 --><br/>U盘</p>`)
	f.Add("<\x00软件&")
	c := converter(f)
	f.Fuzz(func(t *testing.T, s string) {
		if got := convertHTML(s, func(s string) string { return s }); got != s {
			t.Fatalf("identity conversion of %q = %q", s, got)
		}
		out := c.HTML(Taiwan, s)
		if isASCII(s) && out != s {
			t.Fatalf("HTML(%q) = %q changed ASCII input", s, out)
		}
		if want, got := markup(s), markup(out); strings.Join(want, "\x00") != strings.Join(got, "\x00") {
			t.Fatalf("HTML(%q) = %q changed markup:\nwant %q\ngot  %q", s, out, want, got)
		}
	})
}

// article is an article-sized fragment of Chinese HTML, about 12 KB.
func article() string {
	var b strings.Builder
	for i := range 40 {
		fmt.Fprintf(&b, `<h2 id="s%d">国际合作与软件</h2><p>奥莫尔市通过<a href="/zh-Hans/guoji-hezuo-%d">国际合作</a>项目，和欧盟伙伴交流信息、网络和<mark>教育</mark>经验 &amp; 方法。</p>`, i, i)
	}
	return b.String()
}

func BenchmarkConvertCached(b *testing.B) {
	c := converter(b)
	doc := article()
	c.HTML(Taiwan, doc)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		c.HTML(Taiwan, doc)
	}
}

func BenchmarkConvertUncached(b *testing.B) {
	c := converter(b)
	doc := article()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	tw := c.opencc(Taiwan)
	for b.Loop() {
		convertHTML(doc, func(s string) string { return convert(tw, s) })
	}
}
