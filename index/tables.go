package index

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"unsafe"

	"github.com/amal-kommun/tolk/internal/article"
)

// A tables file holds, in the directory of a persisted index, what Open
// would otherwise derive again at every start: the suggestion table
// (analysing every title) and the vocabulary (walking Bleve's term
// dictionaries). It is a cache: Open ignores a file that is missing,
// damaged or stale (written for other content, another mapping or another
// layout), rebuilds the tables and writes the file again.
//
// Layout: a header of tablesHeaderLen bytes (magic, layout version, byte
// order mark, CRC-32C of the rest, length of the rest), then sections,
// each a little-endian uint64 length and that many bytes, padded to a
// multiple of 8 so that every section starts 8-byte aligned. Arrays are in
// the machine's byte order, so that the tables can point into the file's
// memory; a file from a machine of the other byte order is ignored.
// Sections, in order: mapping version, content fingerprint, the document
// ids of the suggester's versions (their bytes and end offsets), its titles, starts and entries, the number of
// vocabulary fields, then per field in name order its name, term bytes,
// term offsets and frequencies.
const tablesFile = "tolk-tables"

// tablesFormat is the version of a tables file; change it with any change
// to the layout or to how the tables are derived (newSuggester, normalize,
// splitWords, vocabFields, readVocab), which the mapping version and the
// fingerprint a file is checked against do not capture.
const tablesFormat = 1

const (
	tablesHeaderLen = 32
	tablesByteOrder = 0x01020304
)

var (
	tablesMagic = [8]byte{'t', 'o', 'l', 'k', 't', 'b', 'l', '\n'}
	tablesCRC   = crc32.MakeTable(crc32.Castagnoli)
)

// Reasons readTables gives for ignoring a tables file.
var (
	errTablesDamaged = errors.New("tables file damaged")
	errTablesStale   = errors.New("tables file out of date")
)

// tablesData is the memory of one tables file, mapped read-only where the
// system allows, read into the heap elsewhere. Every table pointing into
// it holds a pointer to it, and the memory is released only once the
// tablesData is unreachable, so it is never unmapped while in use.
type tablesData struct {
	b []byte
}

// writeTables writes the tables of s to path atomically: to a temporary
// file in the same directory, synced, then renamed over path.
func writeTables(path string, s *snapshot) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), tablesFile+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = fmt.Errorf("write %s: %w", path, err)
		}
	}()
	if _, err := f.Write(make([]byte, tablesHeaderLen)); err != nil {
		return err
	}
	crc := crc32.New(tablesCRC)
	tw := &tablesWriter{w: bufio.NewWriterSize(io.MultiWriter(f, crc), 1<<16)}
	tw.section([]byte(s.mver))
	tw.section(s.fp[:])
	var ids []byte
	sugg := s.sugg.fold()
	offs := make([]uint32, 1, len(sugg.vers)+1)
	for _, v := range sugg.vers {
		ids = append(ids, docID(v.ID, v.Lang)...)
		offs = append(offs, uint32(len(ids)))
	}
	tw.section(ids)
	tw.section(bytesOf(offs))
	tw.sectionString(sugg.titles)
	tw.section(bytesOf(sugg.starts))
	tw.section(bytesOf(sugg.entries))
	fields := slices.Sorted(maps.Keys(s.vocab))
	tw.section(binary.LittleEndian.AppendUint32(nil, uint32(len(fields))))
	for _, name := range fields {
		t := s.vocab[name].flat()
		tw.sectionString(name)
		tw.sectionString(t.blob)
		tw.section(bytesOf(t.offs))
		tw.section(bytesOf(t.freq))
	}
	if err := tw.w.Flush(); err != nil {
		return err
	}
	var h [tablesHeaderLen]byte
	copy(h[:], tablesMagic[:])
	binary.LittleEndian.PutUint32(h[8:], tablesFormat)
	binary.NativeEndian.PutUint32(h[12:], tablesByteOrder)
	binary.LittleEndian.PutUint32(h[16:], crc.Sum32())
	binary.LittleEndian.PutUint64(h[24:], uint64(tw.n))
	if _, err := f.WriteAt(h[:], 0); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// tablesWriter writes the sections of a tables file.
type tablesWriter struct {
	w *bufio.Writer
	n int // bytes written
}

var zeros [8]byte

func (tw *tablesWriter) section(b []byte) {
	tw.length(len(b))
	tw.w.Write(b) // a bufio.Writer keeps its first error for Flush
	tw.pad(len(b))
}

func (tw *tablesWriter) sectionString(s string) {
	tw.length(len(s))
	tw.w.WriteString(s)
	tw.pad(len(s))
}

func (tw *tablesWriter) length(n int) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(n))
	tw.w.Write(b[:])
	tw.n += 8 + n
}

func (tw *tablesWriter) pad(n int) {
	p := padding(n)
	tw.w.Write(zeros[:p])
	tw.n += p
}

// padding returns the bytes that follow a section of n bytes.
func padding(n int) int { return (8 - n%8) % 8 }

// bytesOf returns the memory of s as bytes.
func bytesOf[T uint32 | sugEntry](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(s[0])))
}

// sliceOf returns b as a slice of T, pointing into b when b is aligned
// for T and copied otherwise; ok is false when b is no whole number of T.
func sliceOf[T uint32 | sugEntry](b []byte) (s []T, ok bool) {
	var z T
	size := int(unsafe.Sizeof(z))
	if len(b)%size != 0 {
		return nil, false
	}
	if len(b) == 0 {
		return nil, true
	}
	if uintptr(unsafe.Pointer(unsafe.SliceData(b)))%unsafe.Alignof(z) == 0 {
		return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/size), true
	}
	s = make([]T, len(b)/size)
	copy(bytesOf(s), b)
	return s, true
}

// stringOf returns b as a string sharing its memory.
func stringOf(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// tablesReader reads the sections of a tables file.
type tablesReader struct {
	b   []byte
	off int
	bad bool
}

// next returns the next section; after the end or a damaged length it
// returns nil and sets r.bad.
func (r *tablesReader) next() []byte {
	if r.bad || len(r.b)-r.off < 8 {
		r.bad = true
		return nil
	}
	n := binary.LittleEndian.Uint64(r.b[r.off:])
	r.off += 8
	if n > uint64(len(r.b)-r.off) {
		r.bad = true
		return nil
	}
	out := r.b[r.off : r.off+int(n) : r.off+int(n)]
	r.off = min(len(r.b), r.off+int(n)+padding(int(n)))
	return out
}

func (r *tablesReader) uint32() uint32 {
	b := r.next()
	if len(b) != 4 {
		r.bad = true
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

// readTables reads the tables file at path, written for mapping version
// mver and content fingerprint fp. docs are the indexed versions by
// document id and fields the names of the fields that need a vocabulary. It returns an error wrapping errTablesStale or
// errTablesDamaged when the file does not fit, or the error of reading it.
func readTables(path, mver string, fp contentHash, docs map[string]*article.Version, fields map[string]string) (*suggester, vocab, error) {
	d, err := openTablesData(path)
	if err != nil {
		return nil, nil, err
	}
	b := d.b
	switch {
	case len(b) < tablesHeaderLen || [8]byte(b[:8]) != tablesMagic:
		return nil, nil, fmt.Errorf("%w: no header", errTablesDamaged)
	case binary.LittleEndian.Uint32(b[8:]) != tablesFormat:
		return nil, nil, fmt.Errorf("%w: layout %d", errTablesStale, binary.LittleEndian.Uint32(b[8:]))
	case binary.NativeEndian.Uint32(b[12:]) != tablesByteOrder:
		return nil, nil, fmt.Errorf("%w: other byte order", errTablesStale)
	case binary.LittleEndian.Uint64(b[24:]) != uint64(len(b)-tablesHeaderLen):
		return nil, nil, fmt.Errorf("%w: %d bytes, header says %d", errTablesDamaged, len(b)-tablesHeaderLen, binary.LittleEndian.Uint64(b[24:]))
	case crc32.Checksum(b[tablesHeaderLen:], tablesCRC) != binary.LittleEndian.Uint32(b[16:]):
		return nil, nil, fmt.Errorf("%w: checksum", errTablesDamaged)
	}
	r := &tablesReader{b: b, off: tablesHeaderLen}
	gotM, gotF := r.next(), r.next()
	if r.bad {
		return nil, nil, fmt.Errorf("%w: truncated", errTablesDamaged)
	}
	if string(gotM) != mver || string(gotF) != string(fp[:]) {
		return nil, nil, fmt.Errorf("%w: written for other content or another mapping", errTablesStale)
	}
	ids := r.next()
	idOffs, ok := sliceOf[uint32](r.next())
	if r.bad || !ok || len(idOffs) == 0 || !validOffsets(idOffs, len(idOffs), len(ids)) {
		return nil, nil, fmt.Errorf("%w: versions", errTablesDamaged)
	}
	vers, err := versionsOf(docs, ids, idOffs)
	if err != nil {
		return nil, nil, err
	}
	sg := &suggester{vers: vers, titles: stringOf(r.next()), file: d}
	starts, ok1 := sliceOf[uint32](r.next())
	entries, ok2 := sliceOf[sugEntry](r.next())
	if r.bad || !ok1 || !ok2 || !validSuggester(len(sg.titles), starts, entries, len(vers)) {
		return nil, nil, fmt.Errorf("%w: suggestion table", errTablesDamaged)
	}
	sg.starts, sg.entries = starts, entries
	nf := r.uint32()
	if int64(nf) != int64(len(fields)) {
		return nil, nil, fmt.Errorf("%w: %d vocabulary fields, want %d", errTablesStale, nf, len(fields))
	}
	v := make(vocab, nf)
	for range nf {
		name := string(r.next())
		t := &termTable{blob: stringOf(r.next()), file: d}
		offs, ok1 := sliceOf[uint32](r.next())
		freq, ok2 := sliceOf[uint32](r.next())
		if r.bad || !ok1 || !ok2 || !validOffsets(offs, len(freq)+1, len(t.blob)) {
			return nil, nil, fmt.Errorf("%w: vocabulary", errTablesDamaged)
		}
		if _, ok := fields[name]; !ok {
			return nil, nil, fmt.Errorf("%w: vocabulary of field %q", errTablesStale, name)
		}
		t.offs, t.freq = offs, freq
		v[name] = t
	}
	if len(v) != len(fields) || r.off != len(b) {
		return nil, nil, fmt.Errorf("%w: vocabulary", errTablesDamaged)
	}
	return sg, v, nil
}

// versionsOf returns the versions of docs named by the document ids of a
// tables file, ids[offs[i]:offs[i+1]] for each i, checking that they are
// every version of docs in the order of sortedVersions, which costs less
// than sorting them.
func versionsOf(docs map[string]*article.Version, ids []byte, offs []uint32) ([]*article.Version, error) {
	if len(offs)-1 != len(docs) {
		return nil, fmt.Errorf("%w: %d versions, want %d", errTablesStale, len(offs)-1, len(docs))
	}
	vers := make([]*article.Version, len(docs))
	for i := range vers {
		v := docs[string(ids[offs[i]:offs[i+1]])]
		if v == nil {
			return nil, fmt.Errorf("%w: versions", errTablesStale)
		}
		if i > 0 && cmp.Or(cmp.Compare(vers[i-1].ID, v.ID), cmp.Compare(vers[i-1].Lang, v.Lang)) >= 0 {
			return nil, fmt.Errorf("%w: versions out of order", errTablesDamaged)
		}
		vers[i] = v
	}
	return vers, nil
}

// validSuggester reports whether a suggester's arrays read from a file
// stay within its titles and versions, so that a damaged file cannot make
// a lookup panic.
func validSuggester(titles int, starts []uint32, entries []sugEntry, vers int) bool {
	if !validOffsets(starts, vers+1, titles) {
		return false
	}
	for _, e := range entries {
		if int64(e.off)+int64(e.n) > int64(titles) || e.ver < 0 || int(e.ver) >= vers {
			return false
		}
	}
	return true
}

// validOffsets reports whether offs holds n offsets, starting at 0,
// never decreasing and ending at end.
func validOffsets(offs []uint32, n, end int) bool {
	if len(offs) != n || offs[0] != 0 || int64(offs[n-1]) != int64(end) {
		return false
	}
	for i := 1; i < n; i++ {
		if offs[i] < offs[i-1] {
			return false
		}
	}
	return true
}
