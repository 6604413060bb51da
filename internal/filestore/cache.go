package filestore

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/maphash"
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/atomicfile"
)

// The versions cache keeps, beside the search index, every version the
// backend parsed from a good file, keyed by the file's path and the SHA-256
// of its bytes, so that a start reads and hashes the content tree but
// parses only the files that changed since the cache was written: parsing
// (YAML, Markdown, sanitizing, plain text) is nearly all of what loading a
// large tree costs.
//
// The file is a header, the encoded versions, and an index of them:
//
//	header:  magic "tolkvers", format uint32, parser key [32]byte,
//	         entries uint32, index offset uint64, index length uint64,
//	         CRC-32 (IEEE) of the index uint32
//	records: one encoded version after the other
//	index:   entries × (path, hash [32]byte, record offset, record
//	         length, CRC-32 of the record uint32, stat),
//	         folders, folders × (path, stat)
//	stat:    size, modification and change times (Unix nanoseconds,
//	         varints), mode, device, inode; all zero when not trusted
//
// with integers little-endian, offsets and lengths as uvarints, and
// strings as a uvarint length and the bytes. Open maps the file into
// memory, reads the header and the index, and then only the records of
// files whose hash matches, in parallel. A version decoded from a record
// points into the mapping instead of copying it: the rendered HTML and
// text of a large tree, most of what it weighs, stay in the page cache,
// out of the Go heap, and are read from the disk only when served.
//
// The parser key identifies the code that parsed the versions (the running
// executable), so a new renderer, a new validation rule or a new field of
// article.Version never meets versions parsed by older code: their cache
// is ignored and rewritten. A cache that does not match in any way
// (another key, a bad checksum, a short file) is ignored, never an error;
// a damaged record is parsed instead and makes the cache be rewritten.
// Only files that parsed without problems are cached, so a broken file is
// parsed, and its problems reported, at every start.
//
// Like Git's index, the cache also keeps each file's size, times, mode and
// identity as of its read, and each article folder's as of its listing,
// when they were older than racyWindow then: a start takes a folder whose
// metadata is unchanged as listed and a file whose metadata is unchanged
// as read, without reading either. Adding, removing or renaming a file
// changes its folder's times; rewriting a file changes its change time
// (which no program can set back) and, for a rename-and-replace save, its
// inode.
//
// The checksums detect a torn or damaged file, not tampering: the cache's
// HTML is served as it is, so the index directory needs the protection
// the content directory has.

// CacheFile is the name of the versions cache in the index directory.
const CacheFile = "versions.cache"

const (
	cacheMagic  = "tolkvers"
	cacheFormat = 3
	// cacheHeaderLen is the length of the header.
	cacheHeaderLen = len(cacheMagic) + 4 + sha256.Size + 4 + 8 + 8 + 4
	// maxCacheIndex bounds the index Open reads: 1 KiB an entry for a
	// million entries.
	maxCacheIndex = 1 << 30
)

// parserKey identifies the code that parses version files. Versions cached
// under another key are never used.
type parserKey [sha256.Size]byte

// currentParserKey returns the key of the running executable: its Go build
// ID, which changes with any change of the code (renderer, loader, the
// article model) and only then, or, without one, the SHA-256 of the
// executable file.
func currentParserKey() (parserKey, error) {
	exe := "/proc/self/exe" // names the running binary even when its file was replaced
	if runtime.GOOS != "linux" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return parserKey{}, fmt.Errorf("find executable: %w", err)
		}
	}
	h := sha256.New()
	fmt.Fprintf(h, "tolk versions cache %d\n", cacheFormat)
	if id := goBuildID(exe); len(id) > 0 {
		h.Write([]byte("build-id\n"))
		h.Write(id)
	} else {
		f, err := os.Open(exe)
		if err != nil {
			return parserKey{}, fmt.Errorf("read executable: %w", err)
		}
		defer f.Close()
		h.Write([]byte("file\n"))
		if _, err := io.Copy(h, f); err != nil {
			return parserKey{}, fmt.Errorf("read executable: %w", err)
		}
	}
	var k parserKey
	h.Sum(k[:0])
	return k, nil
}

// goBuildID returns the Go build ID note of the ELF executable at exe, or
// nil when it has none (another format, or a build ID blanked with
// -ldflags=-buildid=).
func goBuildID(exe string) []byte {
	f, err := elf.Open(exe)
	if err != nil {
		return nil
	}
	defer f.Close()
	s := f.Section(".note.go.buildid")
	if s == nil {
		return nil
	}
	d, err := s.Data()
	// The note is 16 bytes of header and name, then the ID.
	if err != nil || len(bytes.Trim(d[min(len(d), 16):], "\x00")) == 0 {
		return nil
	}
	return d
}

// fileStat is the metadata of a file or folder that the versions cache
// keeps to trust it unchanged; the zero fileStat is never trusted.
type fileStat struct {
	size, mtime, ctime int64 // times in Unix nanoseconds
	mode               uint32
	dev, ino           uint64
}

// trusted reports whether st was recorded, with a change time and an
// identity, and equals now.
func (st fileStat) trusted(now fileStat) bool { return st.ino != 0 && st.ctime != 0 && st == now }

// cacheItem is one cached version: the file's slash path, the hex SHA-256
// of its bytes, the version parsed from them and the file's metadata as of
// the read (zero when too recent to trust).
type cacheItem struct {
	path, hash string
	v          *article.Version
	st         fileStat
}

// cacheFolder is an article folder whose listing the cache holds: every
// version file in it is a cacheItem. st is its metadata as of the listing.
type cacheFolder struct {
	dir string
	st  fileStat
}

// cacheSlot locates one cached version in the file.
type cacheSlot struct {
	hash     string // hex
	off, len int64
	crc      uint32
	st       fileStat
}

// listing is the cached listing of an article folder.
type listing struct {
	st    fileStat
	files []string // slash paths of its version files, sorted
}

// versionCache is a versions cache opened for reading. Its versions are
// decoded on demand; it is safe for concurrent use.
type versionCache struct {
	data    []byte               // the file, mapped (see mapFile)
	slots   map[string]cacheSlot // by path
	folders map[string]listing   // by slash path
	damaged atomic.Bool          // a record failed its checksum or did not decode
}

// errCacheMismatch reports a cache written by other code or in another
// format: not damage, just not usable.
var errCacheMismatch = errors.New("written by another version of the program")

// openCache opens the versions cache at file and reads its index. A missing
// file returns nil and no error; a file that is damaged or that key does
// not match returns an error describing why it is not used.
func openCache(file string, key parserKey) (*versionCache, error) {
	f, err := os.Open(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() < int64(cacheHeaderLen) || st.Size() > math.MaxInt {
		return nil, errors.New("not a versions cache")
	}
	data, err := mapFile(f, int(st.Size()))
	if err != nil {
		return nil, fmt.Errorf("map %s: %w", file, err)
	}
	c, err := readIndex(data, key)
	if err != nil {
		unmapFile(data) // nothing points into it yet
		return nil, err
	}
	return c, nil
}

// readIndex checks the header of the cache file's bytes data and reads its
// index.
func readIndex(data []byte, key parserKey) (*versionCache, error) {
	if len(data) < cacheHeaderLen || string(data[:len(cacheMagic)]) != cacheMagic {
		return nil, errors.New("not a versions cache")
	}
	h := data[len(cacheMagic):]
	if binary.LittleEndian.Uint32(h) != cacheFormat || !bytes.Equal(h[4:4+sha256.Size], key[:]) {
		return nil, errCacheMismatch
	}
	h = h[4+sha256.Size:]
	n := binary.LittleEndian.Uint32(h)
	off, size := binary.LittleEndian.Uint64(h[4:]), binary.LittleEndian.Uint64(h[12:])
	sum := binary.LittleEndian.Uint32(h[20:])
	if off < uint64(cacheHeaderLen) || size > maxCacheIndex || off+size != uint64(len(data)) {
		return nil, fmt.Errorf("index of %d bytes at %d in a file of %d bytes", size, off, len(data))
	}
	index := data[off:]
	if crc32.ChecksumIEEE(index) != sum {
		return nil, errors.New("index checksum mismatch")
	}
	c := &versionCache{data: data, slots: make(map[string]cacheSlot, min(n, 1<<20))}
	d := decoder{s: viewString(index)}
	for range n {
		p := d.str()
		hash := d.raw(sha256.Size)
		roff, rlen := d.uvarint(), d.uvarint()
		crc := d.raw(4)
		st := d.stat()
		if d.err != nil {
			return nil, errors.New("malformed index")
		}
		if roff < uint64(cacheHeaderLen) || rlen > off || roff > off-rlen {
			return nil, fmt.Errorf("record of %s out of bounds", p)
		}
		c.slots[p] = cacheSlot{hash: hex.EncodeToString([]byte(hash)), off: int64(roff), len: int64(rlen),
			crc: binary.LittleEndian.Uint32([]byte(crc)), st: st}
	}
	nf := d.uvarint()
	if nf > uint64(len(d.s)) {
		return nil, errors.New("malformed index")
	}
	c.folders = make(map[string]listing, nf)
	for range nf {
		dir := d.str()
		st := d.stat()
		if d.err != nil {
			return nil, errors.New("malformed index")
		}
		c.folders[dir] = listing{st: st}
	}
	for p := range c.slots {
		if l, ok := c.folders[path.Dir(p)]; ok {
			l.files = append(l.files, p)
			c.folders[path.Dir(p)] = l
		}
	}
	for _, l := range c.folders {
		slices.Sort(l.files)
	}
	if d.off != len(d.s) {
		return nil, errors.New("malformed index: trailing bytes")
	}
	return c, nil
}

// lookup returns the version cached for the file at p with the given hex
// hash, decoded afresh, or nil. Its strings point into the mapped file.
func (c *versionCache) lookup(p, hash string) *article.Version {
	if c == nil {
		return nil
	}
	s, ok := c.slots[p]
	if !ok || s.hash != hash {
		return nil
	}
	b := c.data[s.off : s.off+s.len]
	if crc32.ChecksumIEEE(b) != s.crc {
		c.damaged.Store(true)
		return nil
	}
	v, err := decodeVersion(viewString(b))
	if err != nil || v.Path != p {
		c.damaged.Store(true)
		return nil
	}
	return v
}

// listed returns the cached listing of the article folder dir when dir's
// metadata now is what the cache recorded.
func (c *versionCache) listed(dir string, now fileStat) ([]string, bool) {
	if c == nil {
		return nil, false
	}
	l, ok := c.folders[dir]
	if !ok || !l.st.trusted(now) {
		return nil, false
	}
	return l.files, true
}

// unchanged returns the hash of the cached file at p when its metadata now
// is what the cache recorded.
func (c *versionCache) unchanged(p string, now fileStat) (string, bool) {
	if c == nil {
		return "", false
	}
	s, ok := c.slots[p]
	if !ok || !s.st.trusted(now) {
		return "", false
	}
	return s.hash, true
}

// viewString returns the bytes of b as a string without copying them: b
// must never change (the cache's mapping is read-only and never unmapped).
func viewString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// holds reports whether the cache has exactly items and folders, by path,
// hash and metadata, and no damaged record was met.
func (c *versionCache) holds(items []cacheItem, folders []cacheFolder) bool {
	if c == nil || c.damaged.Load() || len(c.slots) != len(items) || len(c.folders) != len(folders) {
		return false
	}
	for _, it := range items {
		if s, ok := c.slots[it.path]; !ok || s.hash != it.hash || s.st != it.st {
			return false
		}
	}
	for _, f := range folders {
		if l, ok := c.folders[f.dir]; !ok || l.st != f.st {
			return false
		}
	}
	return true
}

// writeCache writes items as the versions cache file, atomically (see
// package atomicfile). A failure leaves the previous file in place.
func writeCache(file string, key parserKey, items []cacheItem, folders []cacheFolder) (err error) {
	items = slices.Clone(items)
	slices.SortFunc(items, func(a, b cacheItem) int { return cmp.Compare(a.path, b.path) })
	folders = slices.Clone(folders)
	slices.SortFunc(folders, func(a, b cacheFolder) int { return cmp.Compare(a.dir, b.dir) })
	root, err := os.OpenRoot(filepath.Dir(file))
	if err != nil {
		return fmt.Errorf("write versions cache: %w", err)
	}
	defer root.Close()
	f, err := atomicfile.DefaultOps().Create(root, filepath.Base(file), "."+filepath.Base(file)+".tmp-", 0o600)
	if err != nil {
		return fmt.Errorf("write versions cache: %w", err)
	}
	defer func() {
		f.Abort()
		// A folder not synced after the rename costs a re-parse, not data.
		if err != nil && !errors.Is(err, atomicfile.ErrNotDurable) {
			err = fmt.Errorf("write versions cache: %w", err)
		} else {
			err = nil
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	if _, err := w.Write(make([]byte, cacheHeaderLen)); err != nil {
		return err
	}
	off := uint64(cacheHeaderLen)
	var rec, index encoder
	for _, it := range items {
		hash, herr := hex.DecodeString(it.hash)
		if herr != nil || len(hash) != sha256.Size {
			return fmt.Errorf("bad hash %q of %s", it.hash, it.path)
		}
		rec.b = rec.b[:0]
		rec.version(it.v)
		if _, err := w.Write(rec.b); err != nil {
			return err
		}
		index.str(it.path)
		index.b = append(index.b, hash...)
		index.uvarint(off)
		index.uvarint(uint64(len(rec.b)))
		index.b = binary.LittleEndian.AppendUint32(index.b, crc32.ChecksumIEEE(rec.b))
		index.stat(it.st)
		off += uint64(len(rec.b))
	}
	index.uvarint(uint64(len(folders)))
	for _, f := range folders {
		index.str(f.dir)
		index.stat(f.st)
	}
	if _, err := w.Write(index.b); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	h := make([]byte, 0, cacheHeaderLen)
	h = append(h, cacheMagic...)
	h = binary.LittleEndian.AppendUint32(h, cacheFormat)
	h = append(h, key[:]...)
	h = binary.LittleEndian.AppendUint32(h, uint32(len(items)))
	h = binary.LittleEndian.AppendUint64(h, off)
	h = binary.LittleEndian.AppendUint64(h, uint64(len(index.b)))
	h = binary.LittleEndian.AppendUint32(h, crc32.ChecksumIEEE(index.b))
	if _, err := f.WriteAt(h, 0); err != nil {
		return err
	}
	return f.Commit()
}

// encoder appends the cache's encoding of values to b.
type encoder struct{ b []byte }

func (e *encoder) uvarint(n uint64) { e.b = binary.AppendUvarint(e.b, n) }

func (e *encoder) str(s string) {
	e.uvarint(uint64(len(s)))
	e.b = append(e.b, s...)
}

// strs writes a list, keeping nil apart from empty.
func (e *encoder) strs(ss []string) {
	if ss == nil {
		e.uvarint(0)
		return
	}
	e.uvarint(uint64(len(ss)) + 1)
	for _, s := range ss {
		e.str(s)
	}
}

func (e *encoder) stat(st fileStat) {
	e.uvarint(uint64(st.size))
	e.b = binary.AppendVarint(e.b, st.mtime)
	e.b = binary.AppendVarint(e.b, st.ctime)
	e.uvarint(uint64(st.mode))
	e.uvarint(st.dev)
	e.uvarint(st.ino)
}

func (e *encoder) boolean(b bool) {
	if b {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

// date writes only the text of d: decoding parses it again, which gives
// exactly the Time the loader set.
func (e *encoder) date(d article.Date) { e.str(d.Raw) }

// version writes every field of v. A new field of article.Version must be
// added here and in decodeVersion; TestCacheRoundTripEveryField fails
// until it is.
func (e *encoder) version(v *article.Version) {
	e.str(v.ID)
	e.str(v.Lang)
	e.str(v.Path)
	e.str(v.Title)
	e.str(v.Slug)
	e.str(v.Summary)
	e.strs(v.Tags)
	e.date(v.Published)
	e.date(v.Updated)
	e.str(v.TranslatedFrom)
	e.date(v.SourceUpdated)
	e.boolean(v.Draft)
	e.strs(v.Aliases)
	e.str(v.Author)
	e.str(v.Body)
	e.str(v.HTML)
	e.str(v.Text)
	e.uvarint(uint64(len(v.Lines)))
	for _, n := range v.Lines {
		e.uvarint(uint64(n))
	}
	e.boolean(v.Outdated)
}

// decoder reads what encoder wrote from s; the first error sticks. The
// strings it returns share s's memory.
type decoder struct {
	s   string
	off int
	err error
}

var errCacheEntry = errors.New("malformed cache entry")

func (d *decoder) fail() { d.err, d.off = errCacheEntry, len(d.s) }

func (d *decoder) uvarint() uint64 {
	var n uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if d.off >= len(d.s) {
			break
		}
		c := d.s[d.off]
		d.off++
		n |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return n
		}
	}
	d.fail()
	return 0
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	n := int64(u >> 1)
	if u&1 != 0 {
		n = ^n
	}
	return n
}

func (d *decoder) raw(n int) string {
	if n < 0 || n > len(d.s)-d.off {
		d.fail()
		return ""
	}
	s := d.s[d.off : d.off+n]
	d.off += n
	return s
}

func (d *decoder) str() string {
	n := d.uvarint()
	if n > uint64(len(d.s)-d.off) {
		d.fail()
		return ""
	}
	return d.raw(int(n))
}

func (d *decoder) strs() []string {
	n := d.uvarint()
	if n == 0 {
		return nil
	}
	if n-1 > uint64(len(d.s)-d.off) { // each takes a byte at least
		d.fail()
		return nil
	}
	ss := make([]string, n-1)
	for i := range ss {
		ss[i] = d.str()
	}
	return ss
}

func (d *decoder) stat() fileStat {
	st := fileStat{size: int64(d.uvarint()), mtime: d.varint(), ctime: d.varint()}
	mode := d.uvarint()
	st.dev, st.ino = d.uvarint(), d.uvarint()
	if st.size < 0 || mode > math.MaxUint32 {
		d.fail()
		return fileStat{}
	}
	st.mode = uint32(mode)
	return st
}

func (d *decoder) boolean() bool {
	b := d.raw(1)
	if b == "" || b[0] > 1 {
		d.fail()
		return false
	}
	return b[0] == 1
}

func (d *decoder) date() article.Date {
	raw := d.str()
	if raw == "" {
		return article.Date{}
	}
	date, err := article.ParseDate(raw)
	if err != nil {
		d.fail()
	}
	return date
}

// decodeVersion decodes what encoder.version wrote. The version's texts
// (Body, HTML, Text) share s's memory; its other strings have their own
// (see own).
func decodeVersion(s string) (*article.Version, error) {
	d := decoder{s: s}
	v := &article.Version{
		ID:             d.str(),
		Lang:           d.str(),
		Path:           d.str(),
		Title:          d.str(),
		Slug:           d.str(),
		Summary:        d.str(),
		Tags:           d.strs(),
		Published:      d.date(),
		Updated:        d.date(),
		TranslatedFrom: d.str(),
		SourceUpdated:  d.date(),
		Draft:          d.boolean(),
		Aliases:        d.strs(),
		Author:         d.str(),
		Body:           d.str(),
		HTML:           d.str(),
		Text:           d.str(),
	}
	if d.uvarint() != uint64(len(v.Lines)) {
		d.fail()
	}
	for i := range v.Lines {
		n := d.uvarint()
		if n > math.MaxInt32 {
			d.fail()
		}
		v.Lines[i] = int32(n)
	}
	v.Outdated = d.boolean()
	if d.err == nil && d.off != len(d.s) {
		d.fail()
	}
	if d.err != nil {
		return nil, d.err
	}
	own(v)
	return v, nil
}

// own gives v's strings other than its texts memory of their own in the
// heap, all in one allocation. They are map keys, journal entries and what
// lists filter and sort by, read for every version by one list request:
// left in the mapped cache, they would bring all of its pages back into
// memory.
func own(v *article.Version) {
	fields := [...]*string{&v.ID, &v.Lang, &v.Path, &v.Title, &v.Slug, &v.Summary, &v.TranslatedFrom,
		&v.Author, &v.Published.Raw, &v.Updated.Raw, &v.SourceUpdated.Raw}
	n := 0
	for _, f := range fields {
		n += len(*f)
	}
	for _, ss := range [...][]string{v.Tags, v.Aliases} {
		for _, s := range ss {
			n += len(s)
		}
	}
	buf := make([]byte, 0, n)
	for _, f := range fields {
		buf = append(buf, *f...)
	}
	for _, ss := range [...][]string{v.Tags, v.Aliases} {
		for _, s := range ss {
			buf = append(buf, s...)
		}
	}
	all := viewString(buf) // never changed after this
	off := 0
	take := func(s *string) {
		*s = all[off : off+len(*s)]
		off += len(*s)
	}
	for _, f := range fields {
		take(f)
	}
	for _, ss := range [...][]string{v.Tags, v.Aliases} {
		for i := range ss {
			take(&ss[i])
		}
	}
}

// openCache opens the backend's versions cache, or returns nil when there is
// none to use.
func (s *Backend) openCache() *versionCache {
	c, err := openCache(s.cacheFile, s.cacheKey)
	switch {
	case errors.Is(err, errCacheMismatch):
		s.log.Info("versions cache out of date; parsing every file", "file", s.cacheFile, "reason", err)
	case err != nil:
		s.log.Warn("versions cache unusable; parsing every file", "file", s.cacheFile, "err", err)
	}
	return c
}

// cacheItems returns what the versions cache should hold: the version of
// every file whose current bytes parsed without problems, and the listing
// of every folder without problems whose files all are such items. The
// caller holds s.mu.
func (s *Backend) cacheItems() ([]cacheItem, []cacheFolder) {
	n := 0
	for _, f := range s.folders {
		n += len(f.entries)
	}
	items := make([]cacheItem, 0, n)
	folders := make([]cacheFolder, 0, len(s.folders))
	for dir, f := range s.folders {
		whole := f.st.ino != 0 && len(f.problems) == 0 && len(f.entries) > 0
		for p, e := range f.entries {
			if e.good != nil && e.problems == nil && e.goodHash == e.hash {
				it := cacheItem{path: p, hash: e.hash, v: e.good}
				if !e.racy {
					it.st = e.st
				}
				whole = whole && it.st.ino != 0
				items = append(items, it)
			} else {
				whole = false
			}
		}
		if whole {
			folders = append(folders, cacheFolder{dir: dir, st: f.st})
		}
	}
	return items, folders
}

// saveCacheAfterOpen forgets the cache open's scan read, which it
// returns, and compares it in the background with what the backend holds,
// rewriting it when it was missing, out of date or holding versions of
// files that are gone. The caller holds s.mu.
func (s *Backend) saveCacheAfterOpen() *versionCache {
	c := s.startCache
	s.startCache = nil
	if s.cacheFile == "" {
		return c
	}
	items, folders := s.cacheItems()
	s.wg.Go(func() {
		if !c.holds(items, folders) {
			s.writeCache(items, folders)
			return
		}
		sum := s.itemsSum(items)
		s.mu.Lock()
		if !s.cached.known {
			s.cached = sum
		}
		s.mu.Unlock()
	})
	return c
}

// mapParsed writes the versions cache now, at a start that parsed most
// of the tree (the first one, or after most files changed), and serves
// the versions from it, as the next start would: their HTML and text,
// most of what a large tree weighs, leave the heap for the mapped file
// (see the package comment) instead of staying there until a restart. A
// failure is logged and leaves the parsed versions served. The caller
// holds s.mu.
func (s *Backend) mapParsed() {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	items, folders := s.cacheItems()
	if err := writeCache(s.cacheFile, s.cacheKey, items, folders); err != nil {
		s.log.Warn("versions cache not saved; the parsed versions stay in memory", "err", err)
		return
	}
	s.cached = s.itemsSum(items)
	c, err := openCache(s.cacheFile, s.cacheKey)
	if err != nil || c == nil {
		s.log.Warn("versions cache just written is unusable; the parsed versions stay in memory", "err", err)
		return
	}
	for _, it := range items {
		if v := c.lookup(it.path, it.hash); v != nil {
			s.entry(it.path).good = v
		}
	}
	if c.damaged.Load() {
		s.log.Warn("versions cache just written is damaged; some parsed versions stay in memory")
	}
	s.startCache.release() // its versions, if any, still point into it
	s.startCache = c
}

// release tells the system that the cache's pages, all read by the start,
// are not needed now: they leave the process's resident memory and stay
// in the page cache, to be mapped again when a version's HTML or text is
// served.
func (c *versionCache) release() {
	if c != nil {
		releaseFile(c.data)
	}
}

// saveCache rewrites the versions cache when the versions the backend holds
// differ from those in the file, as after changes while serving.
func (s *Backend) saveCache() {
	if s.cacheFile == "" {
		return
	}
	s.mu.Lock()
	items, folders := s.cacheItems()
	same := s.itemsSum(items) == s.cached
	s.mu.Unlock()
	if !same {
		s.writeCache(items, folders)
	}
}

// writeCache writes items as the versions cache and records what the file
// holds. A failure is logged: the next start parses more, nothing else.
func (s *Backend) writeCache(items []cacheItem, folders []cacheFolder) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	start := time.Now()
	if err := writeCache(s.cacheFile, s.cacheKey, items, folders); err != nil {
		s.log.Warn("versions cache not saved; the next start parses more files", "err", err)
		return
	}
	s.mu.Lock()
	s.cached = s.itemsSum(items)
	s.mu.Unlock()
	s.log.Info("versions cache saved", "file", s.cacheFile, "versions", len(items), "took", time.Since(start))
}

// itemsSum identifies a set of items by path and hash, whatever their
// order: the sum of a hash of each. Within one process (the seed is the
// backend's), two different sets have the same sum by accident only.
type itemsSum struct {
	known    bool
	n        int
	sum, xor uint64
}

// itemsSum returns the itemsSum of items.
func (s *Backend) itemsSum(items []cacheItem) itemsSum {
	sum := itemsSum{known: true, n: len(items)}
	var h maphash.Hash
	h.SetSeed(s.sumSeed)
	for _, it := range items {
		h.Reset()
		h.WriteString(it.path)
		h.WriteByte(0)
		h.WriteString(it.hash)
		x := h.Sum64()
		sum.sum += x
		sum.xor ^= x
	}
	return sum
}
