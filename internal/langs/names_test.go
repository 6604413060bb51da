package langs

import "testing"

func TestNames(t *testing.T) {
	tests := []struct{ tag, name, english string }{
		{"sv", "svenska", "Swedish"},
		{"en", "English", "English"},
		{"zh-Hans", "简体中文", "Simplified Chinese"},
		{"zh-Hant", "繁體中文", "Traditional Chinese"},
		{"!!", "!!", "!!"},
	}
	for _, tt := range tests {
		t.Run(tt.tag, func(t *testing.T) {
			name, english := Names(tt.tag)
			if name != tt.name || english != tt.english {
				t.Errorf("Names(%q) = %q, %q; want %q, %q", tt.tag, name, english, tt.name, tt.english)
			}
		})
	}
}

func TestDirection(t *testing.T) {
	for tag, want := range map[string]string{
		"sv": "ltr", "en": "ltr", "zh-Hans": "ltr", "zh-Hant": "ltr", "fi": "ltr",
		"ar": "rtl", "ar-EG": "rtl", "he": "rtl", "fa": "rtl", "ur": "rtl",
		"az-Arab": "rtl", "az": "ltr", "not a tag": "ltr",
	} {
		if got := Direction(tag); got != want {
			t.Errorf("Direction(%q) = %q, want %q", tag, got, want)
		}
	}
}
