package langs

import (
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// Names returns the CLDR name of the language tag in that language (its
// endonym, "svenska") and in English ("Swedish"), as /v1/languages lists
// them. It returns the tag itself for both when tag does not parse or CLDR
// has no name for it.
func Names(tag string) (name, englishName string) {
	t, err := language.Parse(tag)
	if err != nil {
		return tag, tag
	}
	name, englishName = display.Self.Name(t), display.English.Tags().Name(t)
	if name == "" {
		name = tag
	}
	if englishName == "" {
		englishName = tag
	}
	return name, englishName
}

// rtlScripts are the ISO 15924 codes of the scripts written right to left
// that CLDR's likely scripts can give a language.
var rtlScripts = map[string]bool{
	"Arab": true, "Hebr": true, "Syrc": true, "Thaa": true, "Nkoo": true,
	"Adlm": true, "Rohg": true, "Mand": true, "Samr": true,
}

// Direction returns "rtl" when the language tag is written in a
// right-to-left script (its explicit script, or the one CLDR finds likely
// for it: Arabic, Hebrew, Persian, Urdu …) and "ltr" otherwise, including
// for a tag that does not parse.
func Direction(tag string) string {
	t, err := language.Parse(tag)
	if err != nil {
		return "ltr"
	}
	if script, _ := t.Script(); rtlScripts[script.String()] {
		return "rtl"
	}
	return "ltr"
}
