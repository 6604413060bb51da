package article

import "iter"

// Kind is the kind of value a front-matter field holds, which says how it
// is read, checked and written.
type Kind int

// The kinds of front-matter fields.
const (
	// KindText is one line of plain text, trimmed of surrounding white
	// space, at most MaxLen characters.
	KindText Kind = iota
	// KindSlug is one slug (ValidSlug).
	KindSlug
	// KindLang is a BCP 47 language tag in canonical case.
	KindLang
	// KindSlugs is a list of distinct slugs.
	KindSlugs
	// KindDate is a Date.
	KindDate
	// KindBool is true or false; false is the same as absent.
	KindBool
)

// Search is how search finds a version by a field's text.
type Search int

// The ways a field is searched.
const (
	// SearchNone is a field search does not look into.
	SearchNone Search = iota
	// SearchLang is text analyzed as its version's language is (stems,
	// compounds, folding, typos, prefixes, phrases). The index gives the
	// title a field of its own and indexes the others with the body, so
	// their Weight is the body's (1).
	SearchLang
	// SearchWords is text searched in plain Unicode words in lower case,
	// in a field of its own per language, and only for words some
	// version's field holds (a name: author), so that scores elsewhere
	// are unchanged. Adding one is a row here: the index derives its
	// fields, documents, query clauses and vocabulary from the table.
	SearchWords
)

// Field is one row of the table of front-matter fields: everything that
// reads or writes versions (parsing and canonical formatting in load, the
// write API's JSON, the versions cache, the search document) derives from
// it, so that adding a field is a row here and a field of Version.
//
// Its value in a Version is reached through the accessor of its Kind:
// Str for KindText, KindSlug and KindLang, List for KindSlugs, Date for
// KindDate and Bool for KindBool. Each returns a pointer into the Version,
// to read or to set; the others panic.
type Field struct {
	// Key is the front-matter key.
	Key  string
	Kind Kind
	// Required is set for a key every version must have.
	Required bool
	// Translation is set for a key only translations have.
	Translation bool
	// MaxLen is the longest KindText value, in characters (runes).
	MaxLen int
	// Default names the field whose value an absent one takes (updated
	// takes published's); "" when an absent field is zero. A field equal
	// to its default is written only when its file had it.
	Default string
	// Search says how search finds a version by the field's text;
	// SearchNone for a field it does not search (tags are a filter, not
	// text). Only KindText fields are searched.
	Search Search
	// Weight is the weight of a match in the field relative to one in the
	// body (the version's text), which weighs 1; 0 with SearchNone.
	Weight float64

	str   func(*Version) *string
	list  func(*Version) *[]string
	date  func(*Version) *Date
	flag  func(*Version) *bool
	index int // in fields, and so in Lines
}

// fields is the table, in canonical order: the order of content-format.md
// and of the keys in a file Format writes. Lines has one entry per row.
var fields = [numKeys]Field{
	{Key: "title", Kind: KindText, Required: true, MaxLen: 200, Search: SearchLang, Weight: 3,
		str: func(v *Version) *string { return &v.Title }},
	{Key: "slug", Kind: KindSlug, Required: true,
		str: func(v *Version) *string { return &v.Slug }},
	{Key: "summary", Kind: KindText, MaxLen: 500, Search: SearchLang, Weight: 1,
		str: func(v *Version) *string { return &v.Summary }},
	{Key: "tags", Kind: KindSlugs,
		list: func(v *Version) *[]string { return &v.Tags }},
	{Key: "published", Kind: KindDate, Required: true,
		date: func(v *Version) *Date { return &v.Published }},
	{Key: "updated", Kind: KindDate, Default: "published",
		date: func(v *Version) *Date { return &v.Updated }},
	{Key: "translated_from", Kind: KindLang, Translation: true,
		str: func(v *Version) *string { return &v.TranslatedFrom }},
	{Key: "source_updated", Kind: KindDate, Translation: true,
		date: func(v *Version) *Date { return &v.SourceUpdated }},
	{Key: "draft", Kind: KindBool,
		flag: func(v *Version) *bool { return &v.Draft }},
	{Key: "aliases", Kind: KindSlugs,
		list: func(v *Version) *[]string { return &v.Aliases }},
	{Key: "author", Kind: KindText, MaxLen: 200, Search: SearchWords, Weight: 0.5, // a name in the byline matters less than the text
		str: func(v *Version) *string { return &v.Author }},
}

// numKeys is the number of front-matter fields, the length of Lines. A
// row more does not compile until it is raised; TestFields fails on a row
// less.
const numKeys = 11

// Fields returns the front-matter fields in canonical order, with their
// place in it. The table cannot be changed through what it yields.
func Fields() iter.Seq2[int, Field] {
	return func(yield func(int, Field) bool) {
		for i, f := range fields {
			f.index = i
			if !yield(i, f) {
				return
			}
		}
	}
}

// FieldByKey returns the field with key, and whether there is one.
func FieldByKey(key string) (Field, bool) {
	if i := keyIndex(key); i >= 0 {
		f := fields[i]
		f.index = i
		return f, true
	}
	return Field{}, false
}

// FrontMatterKeys returns the keys of a version file's front matter in
// canonical order, as content-format.md lists them.
func FrontMatterKeys() []string {
	keys := make([]string, len(fields))
	for i, f := range fields {
		keys[i] = f.Key
	}
	return keys
}

// keyIndex returns the place of key in the table, or -1.
func keyIndex(key string) int {
	for i := range fields {
		if fields[i].Key == key {
			return i
		}
	}
	return -1
}

// Str returns a pointer to the value in v of a KindText, KindSlug or
// KindLang field.
func (f Field) Str(v *Version) *string {
	if f.str == nil {
		panic("article: Str of " + f.Key + ", which is not text")
	}
	return f.str(v)
}

// List returns a pointer to the value in v of a KindSlugs field.
func (f Field) List(v *Version) *[]string {
	if f.list == nil {
		panic("article: List of " + f.Key + ", which is not a list")
	}
	return f.list(v)
}

// Date returns a pointer to the value in v of a KindDate field.
func (f Field) Date(v *Version) *Date {
	if f.date == nil {
		panic("article: Date of " + f.Key + ", which is not a date")
	}
	return f.date(v)
}

// Bool returns a pointer to the value in v of a KindBool field.
func (f Field) Bool(v *Version) *bool {
	if f.flag == nil {
		panic("article: Bool of " + f.Key + ", which is not true or false")
	}
	return f.flag(v)
}

// IsZero reports whether the field has no value in v: empty text, an
// empty list, no date, false.
func (f Field) IsZero(v *Version) bool {
	switch f.Kind {
	case KindSlugs:
		return len(*f.List(v)) == 0
	case KindDate:
		return f.Date(v).IsZero()
	case KindBool:
		return !*f.Bool(v)
	default:
		return *f.Str(v) == ""
	}
}

// Line returns the line of the field's key in v's file, 0 when the file
// has no such key.
func (f Field) Line(v *Version) int { return int(v.Lines[f.index]) }
