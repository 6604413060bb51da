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
