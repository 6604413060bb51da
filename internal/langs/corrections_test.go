package langs

import (
	"errors"
	"strings"
	"testing"

	"github.com/longbridgeapp/opencc"
)

// TestCorrections converts every row of testdata/phrase-corrections.txt,
// alone and inside a sentence, and checks that OpenCC alone still needs
// the row (a row OpenCC has come to get right should be deleted).
func TestCorrections(t *testing.T) {
	cs, err := Corrections()
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) < 3 {
		t.Fatalf("%d corrections, want the table's rows", len(cs))
	}
	c := NewConverter()
	for _, row := range cs {
		for _, tt := range []struct {
			v    Variant
			want string
		}{{Taiwan, row.Taiwan}, {HongKong, row.HongKong}} {
			t.Run(row.Simplified+"/"+tt.v.String(), func(t *testing.T) {
				if got := c.Text(tt.v, row.Simplified); got != tt.want {
					t.Errorf("line %d: Text(%s, %q) = %q, want %q", row.Line, tt.v, row.Simplified, got, tt.want)
				}
				in := "我们的" + row.Simplified + "和学校"
				if got := c.Text(tt.v, in); !strings.Contains(got, tt.want) {
					t.Errorf("line %d: Text(%s, %q) = %q, want it to contain %q", row.Line, tt.v, in, got, tt.want)
				}
				html := "<p>" + row.Simplified + "</p>"
				if got := c.HTML(tt.v, html); got != "<p>"+tt.want+"</p>" {
					t.Errorf("line %d: HTML(%s, %q) = %q", row.Line, tt.v, html, got)
				}
			})
		}
		tw, hk := convert(mustOpenCC(t, "s2twp"), row.Simplified), convert(mustOpenCC(t, "s2hk"), row.Simplified)
		if tw == row.Taiwan && hk == row.HongKong {
			t.Errorf("line %d: OpenCC alone gives %q and %q: the row is no longer needed", row.Line, tw, hk)
		}
	}
	// The examples, in context.
	for _, tt := range []struct {
		v        Variant
		in, want string
	}{
		{Taiwan, "为学生和服务对象带来价值", "為學生和服務對象帶來價值"},
		{Taiwan, "市政合作伙伴和伙伴关系", "市政合作夥伴和夥伴關係"},
		{HongKong, "市政合作伙伴和伙伴关系", "市政合作夥伴和夥伴關係"},
		{Taiwan, "通过软件", "透過軟體"},
	} {
		if got := c.Text(tt.v, tt.in); got != tt.want {
			t.Errorf("Text(%s, %q) = %q, want %q", tt.v, tt.in, got, tt.want)
		}
	}
}

func mustOpenCC(t *testing.T, name string) *opencc.OpenCC {
	t.Helper()
	cc, err := opencc.New(name)
	if err != nil {
		t.Fatal(err)
	}
	return cc
}

func TestParseCorrections(t *testing.T) {
	for _, bad := range []string{
		"对象 | 對象 | 對象",
		"对象 | 對象 | 對象 | why | more",
		"对象 |  | 對象 | why",
		"对象 | 對象 | 對象 | a\n对象 | 對象 | 對象 | twice",
	} {
		if _, err := parseCorrections(bad); !errors.Is(err, ErrCorrections) {
			t.Errorf("parseCorrections(%q) error %v, want ErrCorrections", bad, err)
		}
	}
	cs, err := parseCorrections("# comment\n\n对象 | 對象 | 對象 | why\n")
	if err != nil || len(cs) != 1 || cs[0].Line != 3 || cs[0].HongKong != "對象" {
		t.Errorf("parseCorrections = %+v, %v", cs, err)
	}
}
