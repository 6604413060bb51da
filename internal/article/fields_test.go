package article

import (
	"reflect"
	"slices"
	"testing"
)

// TestFields checks the table of front-matter fields: each row complete
// and reaching its own field of Version, and every field of Version that
// is not about the file as a whole (id, language, path, body and what is
// made of them) reached by a row, so that a field added to Version
// without its row fails here.
func TestFields(t *testing.T) {
	notFrontMatter := []string{"ID", "Lang", "Path", "Body", "HTML", "Text", "Lines", "Outdated"}
	var v Version
	seen := map[string]bool{}
	for i, f := range Fields() {
		if f.Key == "" {
			t.Fatalf("row %d of %d has no key: numKeys is larger than the table", i, numKeys)
		}
		if seen[f.Key] {
			t.Errorf("key %q twice", f.Key)
		}
		seen[f.Key] = true
		if got, ok := FieldByKey(f.Key); !ok || got.Key != f.Key || got.index != i {
			t.Errorf("FieldByKey(%q) = %+v, %v", f.Key, got, ok)
		}
		if keyIndex(f.Key) != i || FrontMatterKeys()[i] != f.Key {
			t.Errorf("%q: place %d, FrontMatterKeys has %q", f.Key, keyIndex(f.Key), FrontMatterKeys()[i])
		}
		accessors := 0
		for _, a := range []bool{f.str != nil, f.list != nil, f.date != nil, f.flag != nil} {
			if a {
				accessors++
			}
		}
		if accessors != 1 {
			t.Errorf("%q has %d accessors, want 1", f.Key, accessors)
		}
		// Set a value through the accessor of the field's kind.
		switch f.Kind {
		case KindText, KindSlug, KindLang:
			*f.Str(&v) = f.Key
		case KindSlugs:
			*f.List(&v) = []string{f.Key}
		case KindDate:
			*f.Date(&v) = Date{Raw: f.Key}
		case KindBool:
			*f.Bool(&v) = true
		default:
			t.Errorf("%q: unknown kind %d", f.Key, f.Kind)
		}
		if f.IsZero(&v) {
			t.Errorf("%q: IsZero after it was set", f.Key)
		}
		if (f.Kind == KindText) != (f.MaxLen > 0) {
			t.Errorf("%q: MaxLen %d for kind %d; text needs one, others have none", f.Key, f.MaxLen, f.Kind)
		}
		if f.Search != SearchNone && f.Kind != KindText {
			t.Errorf("%q: searchable but not text", f.Key)
		}
		if (f.Search == SearchNone) != (f.Weight == 0) || f.Weight < 0 {
			t.Errorf("%q: search %d with weight %v; a searched field needs a positive weight, others none", f.Key, f.Search, f.Weight)
		}
		if f.Default != "" {
			def, ok := FieldByKey(f.Default)
			if !ok || def.Kind != f.Kind || f.Kind != KindDate || def.index >= i {
				t.Errorf("%q defaults to %q, which must be an earlier date field", f.Key, f.Default)
			}
		}
		v.Lines[i] = int32(i + 1)
		if f.Line(&v) != i+1 || v.Lines.Get(f.Key) != i+1 {
			t.Errorf("%q: Line %d, Lines.Get %d, want %d", f.Key, f.Line(&v), v.Lines.Get(f.Key), i+1)
		}
	}
	if len(seen) != numKeys {
		t.Errorf("%d rows, numKeys %d", len(seen), numKeys)
	}
	rv := reflect.ValueOf(v)
	for i := range rv.NumField() {
		name := rv.Type().Field(i).Name
		if slices.Contains(notFrontMatter, name) {
			continue
		}
		if rv.Field(i).IsZero() {
			t.Errorf("Version.%s is set by no row of the table: add its row to fields", name)
		}
	}
	if _, ok := FieldByKey("body"); ok {
		t.Error("FieldByKey(body) found a field")
	}
}

// TestFieldAccessorPanics checks that an accessor of another kind is a
// programming error, not a silent zero.
func TestFieldAccessorPanics(t *testing.T) {
	title, _ := FieldByKey("title")
	defer func() {
		if recover() == nil {
			t.Error("Date of title did not panic")
		}
	}()
	title.Date(&Version{})
}
