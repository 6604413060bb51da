package analyzers

import (
	"flag"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var updateTables = flag.Bool("update-tables", false, "rewrite "+svTablesPath+" and "+pinyinTablesPath)

// TestSwedishTables checks that the embedded tables are those the word
// list gives, and rewrites them with -update-tables (go generate).
func TestSwedishTables(t *testing.T) {
	words, heads, maxHead, err := buildSvMaps()
	if err != nil {
		t.Fatal(err)
	}
	want := encodeSvTables(words, heads, maxHead)
	if *updateTables {
		if err := os.WriteFile(svTablesPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes); rebuild to embed it", svTablesPath, len(want))
		return
	}
	if string(want) != svTables {
		t.Fatalf("%s is out of date: run go generate ./index/analyzers", svTablesPath)
	}
	lex, err := readSvLexicon()
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range []*svDict{lex.plain, lex.folded} {
		name := []string{"plain", "folded"}[i]
		if d.maxHead != maxHead[i] {
			t.Errorf("%s: longest head %d, want %d", name, d.maxHead, maxHead[i])
		}
		if got := d.words.len(); got != len(words[i]) {
			t.Errorf("%s: %d words, want %d", name, got, len(words[i]))
		}
		for k, want := range words[i] {
			if got, ok := d.words.num(k); !ok || got != want {
				t.Fatalf("%s: flags of %q = %d, %v; want %d, true", name, k, got, ok, want)
			}
		}
		if got := d.heads.len(); got != len(heads[i]) {
			t.Errorf("%s: %d heads, want %d", name, got, len(heads[i]))
		}
		for k, want := range heads[i] {
			if got, ok := d.heads.str(k); !ok || got != want {
				t.Fatalf("%s: lemma of head %q = %q, %v; want %q, true", name, k, got, ok, want)
			}
		}
	}
}

// TestSwedishTablesDamaged checks that a damaged table is reported, never
// a panic or a wrong table.
func TestSwedishTablesDamaged(t *testing.T) {
	for _, n := range []int{0, 4, len(svTablesMagic), len(svTablesMagic) + 3, len(svTables) / 2, len(svTables) - 1} {
		r := &svTablesReader{s: svTables[:n]}
		if n < len(svTablesMagic) {
			continue // readSvLexicon checks the magic first
		}
		r.off = len(svTablesMagic)
		for range 4 {
			r.uvarint()
			r.table()
			r.table()
		}
		if r.err == nil {
			t.Errorf("tables cut at %d bytes: no error", n)
		}
	}
}

// TestPinyinTables checks that the embedded pinyin table is the one
// go-pinyin's dictionary gives, and rewrites it with -update-tables (go
// generate).
func TestPinyinTables(t *testing.T) {
	m := buildPinyin()
	want := encodePinyin(m)
	if *updateTables {
		if err := os.WriteFile(pinyinTablesPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes); rebuild to embed it", pinyinTablesPath, len(want))
		return
	}
	if string(want) != pinyinTables {
		t.Fatalf("%s is out of date: run go generate ./index/analyzers", pinyinTablesPath)
	}
	got, err := readPinyin()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m, got); diff != "" {
		t.Errorf("table read (-want +got):\n%s", diff)
	}
}
