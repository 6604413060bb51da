package index

import (
	"context"
	"os"
	"testing"

	"github.com/amal-kommun/tolk/internal/load"
)

// TestSiteLanguages opens the Finnish and the Arabic test trees of
// internal/load through their site.yaml and articles alone: each
// language is indexed with the analyzer the site gives it (Bleve's
// Finnish and Arabic here), so inflected and prefixed forms find their
// article.
func TestSiteLanguages(t *testing.T) {
	tests := []struct {
		tree, lang, query, want string
	}{
		{"fi", "fi", "talo", "avoimet-ovet"},         // the text says talossa
		{"fi", "fi", "kirjasto", "kirjasto-kesa"},    // the title says kirjaston
		{"fi", "fi", "paakirjasto", "kirjasto-kesa"}, // typed without ä: Pääkirjasto
		{"ar", "ar", "مكتبة", "maktaba"},             // the text says المكتبة
		{"ar", "ar", "مدرسة", "tasjil"},              // المدارس: the plural
		{"ar", "ar", "المهرجان", "mahrajan"},         // مهرجان without the article
	}
	indexes := map[string]*Index{}
	for _, tree := range []string{"fi", "ar"} {
		lib, _, err := load.Load(context.Background(), os.DirFS("../internal/load/testdata/sites/"+tree))
		if err != nil {
			t.Fatal(err)
		}
		ix, err := Open(context.Background(), Options{Site: lib.Site()}, lib.All())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ix.Close() })
		indexes[tree] = ix
	}
	for _, tt := range tests {
		t.Run(tt.tree+"/"+tt.query, func(t *testing.T) {
			ix := indexes[tt.tree]
			res, err := ix.Search(context.Background(), Request{Query: tt.query, Langs: []string{tt.lang}})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range res.Hits {
				got = append(got, h.ID)
			}
			if len(got) == 0 || got[0] != tt.want {
				t.Errorf("search %q in %s: %v, want %s first", tt.query, tt.lang, got, tt.want)
			}
		})
	}
}
