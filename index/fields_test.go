package index

import (
	"testing"

	"github.com/amal-kommun/tolk/internal/article"
)

// TestFieldsDriveIndex checks that the searchable rows of article.Fields
// are what the index builds: every article.SearchWords row has a field per
// language in the mapping, searched at the row's weight and filled from
// the row; the article.SearchLang rows are the ones the index places (the
// title in its own field, the others in the body), at the weights of its
// title and body boosts.
func TestFieldsDriveIndex(t *testing.T) {
	m, err := newMapping(defaultLangs, article.DefaultAnalyzer)
	if err != nil {
		t.Fatal(err)
	}
	dm := m.TypeMapping[docType]
	v := &article.Version{ID: "a", Lang: "sv"}
	var words int
	for _, f := range article.Fields() {
		switch f.Search {
		case article.SearchLang:
			// A SearchLang field is shown in hits (TitleHTML, the
			// snippet), so the index places it by name: a new one needs
			// its place in documentOf, bodyOf and matchSpans.
			want := map[string]float64{"title": boostTitle, "summary": boostBody}
			w, ok := want[f.Key]
			if !ok {
				t.Errorf("%q: searched in its language, but the index has no place for it", f.Key)
			} else if f.Weight != w {
				t.Errorf("%q: weight %v, the index boosts it %v", f.Key, f.Weight, w)
			}
		case article.SearchWords:
			words++
			*f.Str(v) = "Namn" + f.Key
		}
	}
	if words == 0 {
		t.Fatal("no field is searched in plain words")
	}
	for _, l := range defaultLangs {
		sp := specFor(l, article.DefaultAnalyzer(l))
		if len(sp.words) != words {
			t.Errorf("%s: %d plain-words fields, the table has %d", l, len(sp.words), words)
		}
		for _, w := range sp.words {
			if dm.Properties[w.name] == nil {
				t.Errorf("%s: no mapping for %s", l, w.name)
			}
		}
	}
	d := documentOf(specFor("sv", "sv"), v)
	for _, w := range specFor("sv", "sv").words {
		if d[w.name] != "Namn"+w.f.Key {
			t.Errorf("document's %s = %v, want the version's %s", w.name, d[w.name], w.f.Key)
		}
	}
}
