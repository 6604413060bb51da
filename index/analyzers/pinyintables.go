package analyzers

import (
	_ "embed"
	"errors"
	"fmt"
	"strings"
)

// pinyinTables holds loadPinyin's table as buildPinyin (a test, in
// tables_gen_test.go) makes it from go-pinyin's dictionary, which cost a tenth of a second of CPU at every
// start; reading this costs a few milliseconds. go generate writes it;
// TestPinyinTables fails when it is out of date.
//
// Layout: pinyinTablesMagic; the number of distinct syllables and each as
// a length and its bytes; the number of characters and for each, in
// ascending order, its distance from the previous one, its number of
// readings and their syllables' indexes. Every number is a uvarint.
//
//go:embed data/pinyin_tables.bin
var pinyinTables string

const (
	pinyinTablesPath  = "data/pinyin_tables.bin"
	pinyinTablesMagic = "tolkpy1\n"
)

var errPinyinTables = errors.New("damaged pinyin tables")

// readPinyin decodes pinyinTables. The syllables point into it.
func readPinyin() (map[rune][]string, error) {
	if !strings.HasPrefix(pinyinTables, pinyinTablesMagic) {
		return nil, fmt.Errorf("read %s: %w", pinyinTablesPath, errPinyinTables)
	}
	r := &svTablesReader{s: pinyinTables, off: len(pinyinTablesMagic)}
	ns := r.uvarint()
	if ns > uint64(len(r.s)) {
		return nil, fmt.Errorf("read %s: %w", pinyinTablesPath, errPinyinTables)
	}
	syllables := make([]string, ns)
	for i := range syllables {
		syllables[i] = r.bytes()
	}
	nc := r.uvarint()
	if r.err != nil || nc > uint64(len(r.s)) {
		return nil, fmt.Errorf("read %s: %w", pinyinTablesPath, errPinyinTables)
	}
	m := make(map[rune][]string, nc)
	var all []string
	type span struct{ start, n int }
	spans := make([]span, nc)
	chars := make([]rune, nc)
	c := uint64(0)
	for i := range chars {
		c += r.uvarint()
		n := r.uvarint()
		if r.err != nil || c > 0x10FFFF || n == 0 || n > pinyinMaxReadings {
			return nil, fmt.Errorf("read %s: %w", pinyinTablesPath, errPinyinTables)
		}
		chars[i], spans[i] = rune(c), span{len(all), int(n)}
		for range n {
			k := r.uvarint()
			if k >= ns {
				return nil, fmt.Errorf("read %s: %w", pinyinTablesPath, errPinyinTables)
			}
			all = append(all, syllables[k])
		}
	}
	if r.err != nil || r.off != len(r.s) {
		return nil, fmt.Errorf("read %s: %w", pinyinTablesPath, errPinyinTables)
	}
	for i, ch := range chars {
		sp := spans[i]
		m[ch] = all[sp.start : sp.start+sp.n : sp.start+sp.n]
	}
	return m, nil
}
