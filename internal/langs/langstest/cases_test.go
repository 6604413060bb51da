package langstest

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadCases(t *testing.T) {
	const table = `# comment

accept-language | lang param | available | want lang | want fallback | options
sv,en;q=0.5 | - | sv,en | sv | false
- | "" | sv | 400 | -
"  a|b " + "x"*3 | zh-HK | sv, zh-Hans | zh-Hant (HK) | true | fallback=none
`
	got, err := ReadCases(strings.NewReader(table))
	if err != nil {
		t.Fatal(err)
	}
	want := []Case{
		{Line: 4, AcceptLanguage: "sv,en;q=0.5", Available: []string{"sv", "en"}, WantLang: "sv"},
		{Line: 5, HasParam: true, Available: []string{"sv"}, WantLang: "400"},
		{Line: 6, AcceptLanguage: "  a|b xxx", HasParam: true, Param: "zh-HK", Available: []string{"sv", "zh-Hans"},
			Options: "fallback=none", WantLang: "zh-Hant", WantVariant: "HK", WantFallback: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadCases mismatch (-want +got):\n%s", diff)
	}
}

func TestReadCasesErrors(t *testing.T) {
	const header = "accept-language | lang param | available | want lang | want fallback | options\n"
	tests := []struct {
		name, table, errText string
	}{
		{"no header", "# only a comment\n", "no header"},
		{"bad header", "accept-language | lang\n", "line 1"},
		{"renamed column", "accept-language | param | available | want lang | want fallback | options\n", "column 2"},
		{"too few columns", header + "sv | - | sv | sv\n", "line 2"},
		{"bad variant", header + "sv | - | sv | zh-Hant (CN) | false\n", "variant"},
		{"bad fallback", header + "sv | - | sv | sv | yes\n", "want fallback"},
		{"fallback omitted", header + "sv | - | sv | sv | -\n", "only 400 and 404"},
		{"bad literal", header + "\"sv | - | sv | sv | false\n", "string literal"},
		{"bad repeat", header + "\"a\"*x | - | sv | sv | false\n", "repeat"},
		{"missing plus", header + "\"a\" \"b\" | - | sv | sv | false\n", "want +"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadCases(strings.NewReader(tt.table))
			if err == nil || !strings.Contains(err.Error(), tt.errText) {
				t.Errorf("ReadCases error = %v, want one containing %q", err, tt.errText)
			}
		})
	}
}
