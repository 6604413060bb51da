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
