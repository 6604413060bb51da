package analyzers

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
)

//go:generate go test -run ^Test(Swedish|Pinyin)Tables$ -update-tables .

// svTables holds the Swedish dictionaries' tables, plain and folded, as
// buildSvMaps (a test, in tables_gen_test.go) derives them from
// data/sv_SE.*: deriving them at every start
// cost a third of a second of CPU; reading this costs a few milliseconds.
// go generate writes it; TestSwedishTables fails when it is out of date.
// The keys and values are stored as one string each table points into, so
// loading copies none of them.
//
// Layout: svTablesMagic, then for the plain and the folded dictionary the
// longest head (uvarint) and the words and heads tables. A table is its
// distinct numbers (a count and the numbers, uvarints), its entry count,
// the length and bytes of its entries, and the length and bytes of its
// blob. An entry is three uvarints, in blob order: the key's length; 0
// when the value is the key, else the value's length plus one, the value
// following the key in the blob; and the index of its number.
//
//go:embed data/sv_tables.bin
var svTables string

const (
	svTablesPath  = "data/sv_tables.bin"
	svTablesMagic = "tolksv1\n"
)

var errSvTables = errors.New("damaged Swedish tables")

// readSvLexicon loads the lexicon from svTables and the affix rules.
func readSvLexicon() (*svLexicon, error) {
	rules, frules, err := svRules()
	if err != nil {
		return nil, err
	}
	r := &svTablesReader{s: svTables}
	if !strings.HasPrefix(r.s, svTablesMagic) {
		return nil, fmt.Errorf("read %s: %w", svTablesPath, errSvTables)
	}
	r.off = len(svTablesMagic)
	lex := &svLexicon{}
	for _, d := range []struct {
		rules map[rune][]svRule
		dict  **svDict
	}{{rules, &lex.plain}, {frules, &lex.folded}} {
		maxHead := r.uvarint()
		words, heads := r.table(), r.table()
		if r.err != nil || maxHead > math.MaxInt32 {
			return nil, fmt.Errorf("read %s: %w", svTablesPath, errSvTables)
		}
		*d.dict = newSvDictOf(d.rules, words, heads, int(maxHead))
	}
	if r.off != len(r.s) {
		return nil, fmt.Errorf("read %s: %w", svTablesPath, errSvTables)
	}
	return lex, nil
}

// svTablesReader decodes svTables.
type svTablesReader struct {
	s   string
	off int
	err error
}

func (r *svTablesReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	var x uint64
	var shift uint
	for i := 0; i < binary.MaxVarintLen64; i++ {
		if r.off >= len(r.s) {
			break
		}
		b := r.s[r.off]
		r.off++
		if b < 0x80 {
			return x | uint64(b)<<shift
		}
		x |= uint64(b&0x7f) << shift
		shift += 7
	}
	r.err = errSvTables
	return 0
}

// bytes returns the next length-prefixed string, sharing r.s's memory.
func (r *svTablesReader) bytes() string {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.s)-r.off) {
		r.err = errSvTables
		return ""
	}
	out := r.s[r.off : r.off+int(n)]
	r.off += int(n)
	return out
}

// table decodes one strTable.
func (r *svTablesReader) table() *strTable {
	nn := r.uvarint()
	if nn > uint64(len(r.s)) {
		r.err = errSvTables
		return nil
	}
	nums := make([]uint64, nn)
	for i := range nums {
		nums[i] = r.uvarint()
	}
	n := r.uvarint()
	entries := &svTablesReader{s: r.bytes()}
	blob := r.bytes()
	if r.err != nil || n > uint64(len(entries.s)) {
		r.err = errSvTables
		return nil
	}
	t := newEmptyStrTable(int(n))
	t.blob, t.nums = blob, nums
	off := uint64(0)
	for range n {
		klen, code, num := entries.uvarint(), entries.uvarint(), entries.uvarint()
		s := strSlot{koff: uint32(off), klen: uint16(klen), num: uint32(num)}
		end := off + klen
		if code == 0 {
			s.voff, s.vlen = s.koff, s.klen
		} else {
			s.voff, s.vlen = uint32(end), uint16(code-1)
			end += code - 1
		}
		if entries.err != nil || klen == 0 || klen > math.MaxUint16 || code > math.MaxUint16+1 || num >= nn || end > uint64(len(blob)) {
			r.err = errSvTables
			return nil
		}
		t.place(blob[off:off+klen], s)
		off = end
	}
	if off != uint64(len(blob)) || entries.off != len(entries.s) {
		r.err = errSvTables
		return nil
	}
	return t
}
