package analyzers

// The code that generates the embedded Swedish and pinyin tables
// (data/sv_tables.bin, data/pinyin_tables.bin) from their sources: the
// Swedish word list and go-pinyin's dictionary. It lives in the tests,
// which check that the embedded tables are what it makes and rewrite them
// with -update-tables (go generate), so the package itself carries only
// the readers.

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"
)

// svDic is the Swedish word list (see svAff), the source of svTables.
//
//go:embed data/sv_SE.dic.gz
var svDic []byte

const svDicPath = "data/sv_SE.dic.gz"

// svEntry is one line of a .dic file.
type svEntry struct {
	word  string
	flags string
}

// svEntries parses a .dic file. The entries share dic's memory.
func svEntries(dic string) []svEntry {
	out := make([]svEntry, 0, strings.Count(dic, "\n"))
	for i, line := range strings.Split(dic, "\n") {
		line = strings.TrimRight(line, "\r")
		if i == 0 && line != "" && strings.Trim(line, "0123456789") == "" {
			continue // the entry count
		}
		word, flags, _ := strings.Cut(line, "/")
		if j := strings.IndexAny(flags, " \t"); j >= 0 {
			flags = flags[:j]
		}
		if word != "" {
			out = append(out, svEntry{word: word, flags: flags})
		}
	}
	return out
}

// svMaps returns the contents of a dictionary's tables: the flags of every
// lemma, the lemma of every compound head, and the longest head in bytes.
func svMaps(rules map[rune][]svRule, entries []svEntry, fold func(string) string) (words map[string]uint64, heads map[string]string, maxHead int) {
	words = make(map[string]uint64, len(entries))
	heads = make(map[string]string, len(entries)/4)
	zOnly := make(map[string]bool)
	for _, e := range entries {
		if strings.ContainsRune(e.flags, '%') || strings.ContainsAny(e.word, "-.:' ") {
			continue // forbidden words and abbreviations
		}
		w := fold(e.word)
		f := svFlagSet(e.flags)
		if f&svFlagZ != 0 {
			zOnly[w] = true
			continue
		}
		words[w] |= uint64(f)
	}
	// Heads: first the words that may begin or continue a compound as they
	// are, then the forms derived by compound-form flags (skola → skol-,
	// förskola → förskole-, avfall → avfalls-).
	addHead := func(form, lemma string) {
		if _, ok := heads[form]; ok || utf8.RuneCountInString(form) < 2 {
			return
		}
		heads[form] = lemma
		maxHead = max(maxHead, len(form))
	}
	lemmaOf := func(w string) string {
		if !zOnly[w] {
			return w
		}
		// Only-in-compound forms name no lemma; guess the usual ones.
		for _, c := range []string{trimLast(w) + "a", w + "a", trimLast(w) + "um", w + "e"} {
			if _, ok := words[c]; ok && c != "a" {
				return c
			}
		}
		return w
	}
	for _, e := range entries {
		f := svFlagSet(e.flags)
		if f&(svFlagX|svFlagU) != 0 && !strings.ContainsRune(e.flags, '%') {
			w := fold(e.word)
			addHead(w, lemmaOf(w))
		}
	}
	for _, e := range entries {
		if strings.ContainsRune(e.flags, '%') {
			continue
		}
		w := fold(e.word)
		for _, fl := range e.flags {
			if !strings.ContainsRune(svCompoundForms, fl) {
				continue
			}
			for _, r := range rules[fl] {
				if !strings.HasSuffix(w, r.strip) || !r.cond.match(w) {
					continue
				}
				form := w[:len(w)-len(r.strip)] + r.add
				addHead(form, lemmaOf(w))
			}
		}
	}
	return words, heads, maxHead
}

// buildSvLexicon builds the lexicon from the embedded word list, as
// go generate does for svTables.
func buildSvLexicon() (*svLexicon, error) {
	words, heads, maxHead, err := buildSvMaps()
	if err != nil {
		return nil, err
	}
	rules, frules, err := svRules()
	if err != nil {
		return nil, err
	}
	return &svLexicon{
		plain:  newSvDictOf(rules, newStrTable(words[0], nil), newStrTable(nil, heads[0]), maxHead[0]),
		folded: newSvDictOf(frules, newStrTable(words[1], nil), newStrTable(nil, heads[1]), maxHead[1]),
	}, nil
}

// buildSvMaps returns the contents of the plain and the folded
// dictionary's tables (see svMaps), built from the embedded word list.
func buildSvMaps() (words [2]map[string]uint64, heads [2]map[string]string, maxHead [2]int, err error) {
	zr, err := gzip.NewReader(bytes.NewReader(svDic))
	if err != nil {
		return words, heads, maxHead, fmt.Errorf("read %s: %w", svDicPath, err)
	}
	dic, err := io.ReadAll(zr)
	if err != nil {
		return words, heads, maxHead, fmt.Errorf("read %s: %w", svDicPath, err)
	}
	entries := svEntries(string(dic))
	rules, frules, err := svRules()
	if err != nil {
		return words, heads, maxHead, err
	}
	var wg sync.WaitGroup
	wg.Go(func() { words[0], heads[0], maxHead[0] = svMaps(rules, entries, func(s string) string { return s }) })
	wg.Go(func() { words[1], heads[1], maxHead[1] = svMaps(frules, entries, FoldSwedish) })
	wg.Wait()
	return words, heads, maxHead, nil
}

// encodeSvTables returns the contents of svTables for the tables of the
// plain and the folded dictionary (see buildSvMaps). The encoding depends
// on nothing but its arguments.
func encodeSvTables(words [2]map[string]uint64, heads [2]map[string]string, maxHead [2]int) []byte {
	out := []byte(svTablesMagic)
	for i := range 2 {
		out = binary.AppendUvarint(out, uint64(maxHead[i]))
		out = encodeSvTable(out, words[i], nil)
		out = encodeSvTable(out, nil, heads[i])
	}
	return out
}

// encodeSvTable appends the table newStrTable(nums, strs) would build.
func encodeSvTable(out []byte, nums map[string]uint64, strs map[string]string) []byte {
	var keys []string
	if nums == nil {
		for k := range strs {
			keys = append(keys, k)
		}
	} else {
		for k := range nums {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var distinct []uint64
	numIdx := make(map[uint64]uint64)
	var entries []byte
	var blob strings.Builder
	n := 0
	for _, k := range keys {
		num, v := nums[k], strs[k]
		if k == "" || len(k) > math.MaxUint16 || len(v) > math.MaxUint16 {
			continue // as newStrTable
		}
		ni, ok := numIdx[num]
		if !ok {
			ni = uint64(len(distinct))
			numIdx[num] = ni
			distinct = append(distinct, num)
		}
		entries = binary.AppendUvarint(entries, uint64(len(k)))
		blob.WriteString(k)
		if v == k {
			entries = binary.AppendUvarint(entries, 0)
		} else {
			entries = binary.AppendUvarint(entries, uint64(len(v))+1)
			blob.WriteString(v)
		}
		entries = binary.AppendUvarint(entries, ni)
		n++
	}
	out = binary.AppendUvarint(out, uint64(len(distinct)))
	for _, d := range distinct {
		out = binary.AppendUvarint(out, d)
	}
	out = binary.AppendUvarint(out, uint64(n))
	out = binary.AppendUvarint(out, uint64(len(entries)))
	out = append(out, entries...)
	out = binary.AppendUvarint(out, uint64(blob.Len()))
	return append(out, blob.String()...)
}

// newStrTable returns a table holding, for every key k of nums, nums[k]
// and strs[k] ("" when absent); with nums nil it holds the keys of strs,
// each with 0. Keys and values longer than 65,535 bytes, and empty keys,
// are left out.
func newStrTable(nums map[string]uint64, strs map[string]string) *strTable {
	n, bytes := len(nums), 0
	if nums == nil {
		n = len(strs)
		for k, v := range strs {
			bytes += len(k) + len(v)
		}
	} else {
		for k := range nums {
			bytes += len(k) + len(strs[k])
		}
	}
	t := newEmptyStrTable(n)
	var blob strings.Builder
	blob.Grow(bytes)
	numIdx := make(map[uint64]uint32)
	add := func(k string, num uint64, v string) {
		if k == "" || len(k) > math.MaxUint16 || len(v) > math.MaxUint16 || blob.Len()+len(k)+len(v) > math.MaxUint32 {
			return
		}
		ni, ok := numIdx[num]
		if !ok {
			ni = uint32(len(t.nums))
			numIdx[num] = ni
			t.nums = append(t.nums, num)
		}
		s := strSlot{koff: uint32(blob.Len()), klen: uint16(len(k)), num: ni}
		blob.WriteString(k)
		if v == k {
			s.voff, s.vlen = s.koff, s.klen
		} else {
			s.voff, s.vlen = uint32(blob.Len()), uint16(len(v))
			blob.WriteString(v)
		}
		t.place(k, s)
	}
	if nums == nil {
		for k, v := range strs {
			add(k, 0, v)
		}
	} else {
		for k, num := range nums {
			add(k, num, strs[k])
		}
	}
	t.blob = blob.String()
	return t
}

// buildPinyin builds the table of loadPinyin from go-pinyin's embedded
// dictionary, as go generate does for pinyinTables.
//
// The few hundred distinct syllables are shared, and every character's
// readings are a window of one array, so the table costs the garbage
// collector a handful of objects instead of a hundred thousand.
func buildPinyin() map[rune][]string {
	args := pinyin.Args{Style: pinyin.Normal, Heteronym: true}
	syllables := make(map[string]string)
	var all []string
	type span struct{ start, n int }
	spans := make(map[rune]span, len(pinyin.PinyinDict))
	for k := range pinyin.PinyinDict {
		start := len(all)
		for _, p := range pinyin.SinglePinyin(rune(k), args) {
			if p == "" || slices.Contains(all[start:], p) || len(all)-start >= pinyinMaxReadings {
				continue
			}
			if shared, ok := syllables[p]; ok {
				p = shared
			} else {
				syllables[p] = p
			}
			all = append(all, p)
		}
		if len(all) > start {
			spans[rune(k)] = span{start, len(all) - start}
		}
	}
	all = slices.Clip(all)
	m := make(map[rune][]string, len(spans))
	for r, sp := range spans {
		m[r] = all[sp.start : sp.start+sp.n : sp.start+sp.n]
	}
	return m
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
