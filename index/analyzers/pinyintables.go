package analyzers

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// pinyinTables holds loadPinyin's table as buildPinyin makes it from
// go-pinyin's dictionary, which cost a tenth of a second of CPU at every
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

// encodePinyin returns the contents of pinyinTables for m. The encoding
// depends on nothing but m.
func encodePinyin(m map[rune][]string) []byte {
	idx := make(map[string]uint64)
	for _, rs := range m {
		for _, s := range rs {
			idx[s] = 0
		}
	}
	syllables := slices.Sorted(maps.Keys(idx))
	out := []byte(pinyinTablesMagic)
	out = binary.AppendUvarint(out, uint64(len(syllables)))
	for i, s := range syllables {
		idx[s] = uint64(i)
		out = binary.AppendUvarint(out, uint64(len(s)))
		out = append(out, s...)
	}
	chars := slices.Sorted(maps.Keys(m))
	out = binary.AppendUvarint(out, uint64(len(chars)))
	prev := rune(0)
	for _, c := range chars {
		out = binary.AppendUvarint(out, uint64(c-prev))
		prev = c
		out = binary.AppendUvarint(out, uint64(len(m[c])))
		for _, s := range m[c] {
			out = binary.AppendUvarint(out, idx[s])
		}
	}
	return out
}
