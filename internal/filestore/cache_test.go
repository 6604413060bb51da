package filestore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"time"
	"unsafe"

	"github.com/amal-kommun/tolk/internal/contenttest"

	"github.com/google/go-cmp/cmp"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/load"
)

// TestCacheRoundTripEveryField encodes a version with every field set and
// checks that it decodes to the same: a field added to article.Version
// fails here until the versions cache keeps it.
func TestCacheRoundTripEveryField(t *testing.T) {
	date, err := article.ParseDate("2020-01-03")
	if err != nil {
		t.Fatal(err)
	}
	full := &article.Version{}
	rv := reflect.ValueOf(full).Elem()
	for i := range rv.NumField() {
		f, sf := rv.Field(i), rv.Type().Field(i)
		switch v := f.Addr().Interface().(type) {
		case *string:
			*v = sf.Name + " <å\x00>"
		case *[]string:
			*v = []string{sf.Name, ""}
		case *bool:
			*v = true
		case *article.Date:
			*v = date
		case *article.Lines:
			for i := range v {
				v[i] = int32(i*7 + 1)
			}
		default:
			t.Fatalf("field %s of type %s: teach encoder.version and decodeVersion to keep it", sf.Name, sf.Type)
		}
	}
	rfc, err := article.ParseDate("2021-02-03T04:05:06+01:00")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		v    *article.Version
	}{
		{"every field set", full},
		{"zero", &article.Version{}},
		{"empty lists, not nil", &article.Version{Tags: []string{}, Aliases: []string{}}},
		{"date-time with offset", &article.Version{Published: rfc, Updated: date, SourceUpdated: rfc}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e encoder
			e.version(tc.v)
			got, err := decodeVersion(string(e.b))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.v, got); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
			// Every prefix is malformed, never a panic or a version.
			for n := range len(e.b) {
				if v, err := decodeVersion(string(e.b[:n])); err == nil {
					t.Fatalf("decoded %d of %d bytes: %+v", n, len(e.b), v)
				}
			}
		})
	}
}

// cacheTree is a small content tree with a broken file.
func cacheTree() map[string]string {
	files := baseTree()
	files["site.yaml"] = contenttest.Site
	files["articles/trasig/sv.md"] = "---\ntitle: Trasig\nslug: trasig\npublished: 2020-01-03\nfärg: röd\n---\n\nText.\n"
	return files
}

// cacheRun is what one start of a Store on a cached tree did.
type cacheRun struct {
	fromCache, parsed int
	versions          []string // id/lang title, as served
	problems          []string
}

// startCached opens a Store on dir with its index in idx and the parser
// key key, closes it, and reports what it did.
func startCached(t testing.TB, dir, idx string, key parserKey, j *journal.Journal) cacheRun {
	t.Helper()
	s, fb := newStore(t, dir, idx, j)
	fb.cacheKey = key
	if err := s.Load(context.Background()); err != nil {
		t.Fatalf("open: %v", err)
	}
	run := cacheRun{fromCache: fb.cacheStats.hits, parsed: fb.cacheStats.parsed, versions: versionsOf(s.Library())}
	for _, p := range s.Problems() {
		run.problems = append(run.problems, p.String())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return run
}

// cachedPaths returns the paths the cache file in idx holds, or nil when
// it cannot be used with key.
func cachedPaths(t *testing.T, idx string, key parserKey) []string {
	t.Helper()
	c, err := openCache(filepath.Join(idx, CacheFile), key)
	if err != nil || c == nil {
		t.Fatalf("cache after the start: %v, %v", c, err)
	}
	return slices.Sorted(maps.Keys(c.slots))
}

// TestVersionsCache starts a Store twice on one tree, changing the tree or
// the cache in between, and checks what the second start took from the
// cache, what it parsed, and that it serves exactly what parsing
// everything serves.
func TestVersionsCache(t *testing.T) {
	key := parserKey{1}
	good := []string{"articles/skola/sv.md", "articles/vanort/en.md", "articles/vanort/sv.md", "articles/vanort/zh-Hans.md"}
	cacheFile := func(idx string) string { return filepath.Join(idx, CacheFile) }
	for _, tc := range []struct {
		name string
		// between changes the tree or the cache after the first start.
		between func(t *testing.T, dir, idx string)
		key     parserKey // of the second start; key when zero
		// wantFromCache and wantParsed count the version files of the
		// second start; the broken one is parsed every time.
		wantFromCache, wantParsed int
		wantCached                []string // what the cache holds after it
	}{
		{
			name:          "hit",
			between:       func(*testing.T, string, string) {},
			wantFromCache: 4, wantParsed: 1, wantCached: good,
		},
		{
			name: "file edited",
			between: func(t *testing.T, dir, _ string) {
				writeTree(t, dir, map[string]string{"articles/skola/sv.md": doc("Skolan i Åmål", "skolan", "")})
			},
			wantFromCache: 3, wantParsed: 2, wantCached: good,
		},
		{
			name: "file removed",
			between: func(t *testing.T, dir, _ string) {
				if err := os.Remove(filepath.Join(dir, "articles/skola/sv.md")); err != nil {
					t.Fatal(err)
				}
			},
			wantFromCache: 3, wantParsed: 1, wantCached: good[1:],
		},
		{
			name:          "another renderer",
			between:       func(*testing.T, string, string) {},
			key:           parserKey{2},
			wantFromCache: 0, wantParsed: 5, wantCached: good,
		},
		{
			name:          "cache missing",
			between:       func(t *testing.T, _, idx string) { os.Remove(cacheFile(idx)) },
			wantFromCache: 0, wantParsed: 5, wantCached: good,
		},
		{
			name: "cache empty",
			between: func(t *testing.T, _, idx string) {
				if err := os.WriteFile(cacheFile(idx), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			},
			wantFromCache: 0, wantParsed: 5, wantCached: good,
		},
		{
			name:          "cache truncated",
			between:       func(t *testing.T, _, idx string) { truncate(t, cacheFile(idx), -10) },
			wantFromCache: 0, wantParsed: 5, wantCached: good,
		},
		{
			name:          "cache cut after the header",
			between:       func(t *testing.T, _, idx string) { truncate(t, cacheFile(idx), cacheHeaderLen) },
			wantFromCache: 0, wantParsed: 5, wantCached: good,
		},
		{
			name: "cache garbage",
			between: func(t *testing.T, _, idx string) {
				if err := os.WriteFile(cacheFile(idx), []byte("tolkvers\x01\x00\x00\x00 not a cache at all \xff\xfe"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			wantFromCache: 0, wantParsed: 5, wantCached: good,
		},
		{
			name:          "a record damaged",
			between:       func(t *testing.T, _, idx string) { flipByte(t, cacheFile(idx), cacheHeaderLen+20) },
			wantFromCache: 3, wantParsed: 2, wantCached: good,
		},
		{
			name: "the index damaged",
			between: func(t *testing.T, _, idx string) {
				st, err := os.Stat(cacheFile(idx))
				if err != nil {
					t.Fatal(err)
				}
				flipByte(t, cacheFile(idx), int(st.Size())-3)
			},
			wantFromCache: 0, wantParsed: 5, wantCached: good,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			dir, idx := filepath.Join(root, "content"), filepath.Join(root, "index")
			writeTree(t, dir, cacheTree())
			first := startCached(t, dir, idx, key, nil)
			if first.fromCache != 0 || first.parsed != 5 {
				t.Fatalf("first start: %d from the cache, %d parsed; want 0 and 5", first.fromCache, first.parsed)
			}
			if diff := cmp.Diff(good, cachedPaths(t, idx, key)); diff != "" {
				t.Fatalf("cache after the first start (-want +got):\n%s", diff)
			}
			tc.between(t, dir, idx)
			secondKey := key
			if tc.key != (parserKey{}) {
				secondKey = tc.key
			}
			got := startCached(t, dir, idx, secondKey, nil)
			if got.fromCache != tc.wantFromCache || got.parsed != tc.wantParsed {
				t.Errorf("second start: %d from the cache, %d parsed; want %d and %d", got.fromCache, got.parsed, tc.wantFromCache, tc.wantParsed)
			}
			if diff := cmp.Diff(tc.wantCached, cachedPaths(t, idx, secondKey)); diff != "" {
				t.Errorf("cache after the second start (-want +got):\n%s", diff)
			}
			// What the start served is what parsing every file serves.
			lib, problems, err := load.Load(context.Background(), os.DirFS(dir))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(versionsOf(lib), got.versions); diff != "" {
				t.Errorf("versions served (-parsed +cached):\n%s", diff)
			}
			var want []string
			for _, p := range problems {
				want = append(want, p.String())
			}
			if diff := cmp.Diff(want, got.problems); diff != "" {
				t.Errorf("problems (-parsed +cached):\n%s", diff)
			}
			// And the start after that takes everything good from the cache.
			third := startCached(t, dir, idx, secondKey, nil)
			if third.fromCache != len(tc.wantCached) || third.parsed != 1 {
				t.Errorf("third start: %d from the cache, %d parsed; want %d and 1", third.fromCache, third.parsed, len(tc.wantCached))
			}
		})
	}
}

// TestCachedVersionsEqualParsed checks every field of the versions a start
// takes from the cache against those ParseVersion makes of the same files.
func TestCachedVersionsEqualParsed(t *testing.T) {
	root := t.TempDir()
	dir, idx := filepath.Join(root, "content"), filepath.Join(root, "index")
	files := contenttest.Generated(20)
	files["articles/artikel-3/en.md"] = "---\ntitle: \"Tables & <code>\"\nslug: tables\nsummary: Rader\ntags: [international]\npublished: 2021-02-03T04:05:06+01:00\nupdated: 2022-01-01\ntranslated_from: sv\nsource_updated: 2020-01-03\ndraft: true\naliases: [old-tables]\n---\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n```go\nx := 1 < 2\n```\n\n<script>alert(1)</script>\n"
	writeTree(t, dir, files)
	startCached(t, dir, idx, parserKey{1}, nil)
	s, fb := newStore(t, dir, idx, nil)
	fb.cacheKey = parserKey{1}
	if err := s.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if fb.cacheStats.hits != 60 || fb.cacheStats.parsed != 0 {
		t.Fatalf("%d from the cache, %d parsed; want 60 and 0", fb.cacheStats.hits, fb.cacheStats.parsed)
	}
	r := load.NewRenderer()
	for p, data := range files {
		if p == "site.yaml" {
			continue
		}
		want, problems := load.ParseVersion(p, []byte(data), r)
		if len(problems) > 0 {
			t.Fatalf("%s: %v", p, problems)
		}
		dropSource(want) // as the Store does
		e := fb.entry(p)
		if e == nil || e.good == nil {
			t.Fatalf("%s not loaded", p)
		}
		if diff := cmp.Diff(want, e.good); diff != "" {
			t.Errorf("%s from the cache (-parsed +cached):\n%s", p, diff)
		}
	}
}

// TestEditedWhileStopped edits one file and breaks another while no
// server runs, and checks that the next start parses both, serves the
// edit, reports the problem at its line, and records the edit in the
// journal.
func TestEditedWhileStopped(t *testing.T) {
	root := t.TempDir()
	dir, idx := filepath.Join(root, "content"), filepath.Join(root, "index")
	writeTree(t, dir, cacheTree())
	start := func() (cacheRun, []string) {
		j, err := journal.Open(idx)
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		n := testJournal{j}.len()
		run := startCached(t, dir, idx, parserKey{1}, j)
		return run, testJournal{j}.since(n)
	}
	start()
	writeTree(t, dir, map[string]string{
		"articles/vanort/en.md": doc("The twin town of Åmål", "the-twin-town", translation("sv")),
		"articles/skola/sv.md":  "---\ntitle: Skolan\nslug: Skolan\npublished: 2020-01-03\n---\n\nText.\n",
	})
	run, entries := start()
	if run.fromCache != 2 || run.parsed != 3 {
		t.Errorf("%d from the cache, %d parsed; want 2 and 3", run.fromCache, run.parsed)
	}
	wantVersions := []string{
		"vanort/sv Vänorten",
		"vanort/en The twin town of Åmål",
		"vanort/zh-Hans 友好城市",
	}
	if diff := cmp.Diff(wantVersions, run.versions); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
	wantProblems := []string{
		`articles/skola/sv.md:3: slug "Skolan" is not valid: use lowercase letters a-z, digits and single hyphens, like my-first-article`,
		`articles/trasig/sv.md:5: unknown key "färg" in front matter (known keys: title, slug, summary, tags, published, updated, translated_from, source_updated, draft, aliases, author)`,
	}
	if diff := cmp.Diff(wantProblems, run.problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	wantEntries := []string{"delete skola/sv skolan", "upsert vanort/en the-twin-town"}
	if diff := cmp.Diff(wantEntries, entries); diff != "" {
		t.Errorf("journal (-want +got):\n%s", diff)
	}
	// The broken files are parsed again at every start, and reported.
	run, entries = start()
	if run.fromCache != 3 || run.parsed != 2 || len(entries) != 0 {
		t.Errorf("third start: %d from the cache, %d parsed, journal %v; want 3, 2, nothing", run.fromCache, run.parsed, entries)
	}
	if diff := cmp.Diff(wantProblems, run.problems); diff != "" {
		t.Errorf("problems of the third start (-want +got):\n%s", diff)
	}
}

// TestParserKey checks that the key of the running program is stable and
// not zero.
func TestParserKey(t *testing.T) {
	a, err := currentParserKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := currentParserKey()
	if err != nil {
		t.Fatal(err)
	}
	if a != b || a == (parserKey{}) {
		t.Errorf("keys %x and %x", a, b)
	}
}

// truncate cuts the file at n bytes, or n bytes before its end when n is
// negative.
func truncate(t *testing.T, file string, n int) {
	t.Helper()
	if n < 0 {
		st, err := os.Stat(file)
		if err != nil {
			t.Fatal(err)
		}
		n += int(st.Size())
	}
	if err := os.Truncate(file, int64(n)); err != nil {
		t.Fatal(err)
	}
}

// flipByte inverts the byte at off of the file.
func flipByte(t *testing.T, file string, off int) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	data[off] ^= 0xff
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// FuzzDecodeVersion decodes any bytes as a cached version: it never panics,
// and what it accepts encodes to bytes that decode to the same version.
func FuzzDecodeVersion(f *testing.F) {
	r := load.NewRenderer()
	for p, data := range contenttest.Generated(2) {
		if v, _ := load.ParseVersion(p, []byte(data), r); v != nil {
			var e encoder
			e.version(v)
			f.Add(e.b)
		}
	}
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodeVersion(string(b))
		if err != nil {
			return
		}
		var e encoder
		e.version(v)
		again, err := decodeVersion(string(e.b))
		if err != nil {
			t.Fatalf("re-encoded version does not decode: %v", err)
		}
		if diff := cmp.Diff(v, again); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}

// TestVersionsCacheTrustsMetadata starts a Store twice on one tree whose
// files are older than the racy window, changing the tree in between, and
// checks which files the second start took by their metadata without
// reading them, and that it serves what parsing every file serves.
func TestVersionsCacheTrustsMetadata(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("metadata is trusted only where the change time is known")
	}
	key := parserKey{1}
	for _, tc := range []struct {
		name    string
		between func(t *testing.T, dir string)
		// wantUnread counts the files of the second start taken by their
		// metadata; wantFromCache those taken from the cache at all.
		wantUnread, wantFromCache int
	}{
		{
			name:       "unchanged",
			between:    func(*testing.T, string) {},
			wantUnread: 4, wantFromCache: 4,
		},
		{
			name: "rewritten in place with its size and time",
			between: func(t *testing.T, dir string) {
				p := filepath.Join(dir, "articles/skola/sv.md")
				st, err := os.Stat(p)
				if err != nil {
					t.Fatal(err)
				}
				data, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				f, err := os.OpenFile(p, os.O_WRONLY, 0) // same inode
				if err != nil {
					t.Fatal(err)
				}
				_, err = f.Write(bytes.Replace(data, []byte("Skolan"), []byte("Skolor"), 1))
				if cerr := f.Close(); err == nil {
					err = cerr
				}
				if err == nil {
					err = os.Chtimes(p, st.ModTime(), st.ModTime())
				}
				if err != nil {
					t.Fatal(err)
				}
			},
			wantUnread: 3, wantFromCache: 3,
		},
		{
			name: "a file added to a folder",
			between: func(t *testing.T, dir string) {
				writeTree(t, dir, map[string]string{"articles/skola/en.md": doc("The school", "the-school", translation("sv"))})
			},
			wantUnread: 4, wantFromCache: 4, // the folder is listed, its file is not read
		},
		{
			name: "a file removed",
			between: func(t *testing.T, dir string) {
				if err := os.Remove(filepath.Join(dir, "articles/vanort/en.md")); err != nil {
					t.Fatal(err)
				}
			},
			wantUnread: 3, wantFromCache: 3,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			dir, idx := filepath.Join(root, "content"), filepath.Join(root, "index")
			writeTree(t, dir, baseTree())
			start := func() (*Backend, cacheRun) {
				t.Helper()
				time.Sleep(20 * time.Millisecond) // out of the racy window
				s, fb := newStore(t, dir, idx, nil)
				fb.cacheKey, fb.racyWindow = key, 10*time.Millisecond
				if err := s.Load(context.Background()); err != nil {
					t.Fatalf("open: %v", err)
				}
				run := cacheRun{fromCache: fb.cacheStats.hits, parsed: fb.cacheStats.parsed, versions: versionsOf(s.Library())}
				if err := s.Close(); err != nil { // waits for the cache
					t.Fatal(err)
				}
				return fb, run
			}
			start()
			if s, _ := start(); s.cacheStats.unread != 4 {
				t.Fatalf("start on an unchanged tree read %d of 4 files", 4-s.cacheStats.unread)
			}
			tc.between(t, dir)
			s, got := start()
			if s.cacheStats.unread != tc.wantUnread || got.fromCache != tc.wantFromCache {
				t.Errorf("second start: %d unread, %d from the cache; want %d and %d", s.cacheStats.unread, got.fromCache, tc.wantUnread, tc.wantFromCache)
			}
			lib, _, err := load.Load(context.Background(), os.DirFS(dir))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(versionsOf(lib), got.versions); diff != "" {
				t.Errorf("versions served (-parsed +cached):\n%s", diff)
			}
		})
	}
}

// FuzzReadIndex reads any bytes after a valid header start as a versions
// cache file: it must refuse them or give slots that lie inside the file,
// never panic.
func FuzzReadIndex(f *testing.F) {
	key := parserKey{7}
	root := f.TempDir()
	dir, idx := filepath.Join(root, "content"), filepath.Join(root, "index")
	writeTree(f, dir, baseTree())
	startCached(f, dir, idx, key, nil)
	valid, err := os.ReadFile(filepath.Join(idx, CacheFile))
	if err != nil {
		f.Fatal(err)
	}
	prefix := len(cacheMagic) + 4 + sha256.Size
	f.Add(valid[prefix:])
	f.Add(binary.LittleEndian.AppendUint32(nil, 0)) // no entries, no index
	f.Add(append(binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint32(nil, 0), uint64(cacheHeaderLen)), make([]byte, 12)...))
	f.Fuzz(func(t *testing.T, rest []byte) {
		data := append(slices.Clip(valid[:prefix]), rest...)
		c, err := readIndex(data, key)
		if err != nil {
			return
		}
		for p, s := range c.slots {
			if s.off < int64(cacheHeaderLen) || s.len < 0 || s.off+s.len > int64(len(data)) {
				t.Fatalf("slot of %s at %d+%d outside a file of %d bytes", p, s.off, s.len, len(data))
			}
			c.lookup(p, s.hash) // checks the record; must not panic
		}
	})
}

// TestFirstStartServesMapped starts on a tree without a versions cache,
// as a new server does: the versions it hands the core must be those of
// the cache it writes, their HTML and text in the mapped file, not the
// versions it parsed, which would keep the whole corpus's HTML in the
// heap until a restart (about a third of the heap under the soak at
// 30,000 versions, issue 17).
func TestFirstStartServesMapped(t *testing.T) {
	root := t.TempDir()
	dir, idx := filepath.Join(root, "content"), filepath.Join(root, "index")
	if err := os.MkdirAll(idx, 0o755); err != nil {
		t.Fatal(err)
	}
	files := cacheTree()
	writeTree(t, dir, files)
	b, err := New(Options{Dir: dir, CacheDir: idx})
	if err != nil {
		t.Fatal(err)
	}
	b.cacheKey = parserKey{7}
	snap, err := b.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.mapped == nil {
		t.Fatal("no versions cache mapped after the first start")
	}
	data := b.mapped.data
	inMapping := func(s string) bool {
		if s == "" {
			return true
		}
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		start := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
		return p >= start && p < start+uintptr(len(data))
	}
	if len(snap.Versions) != 4 {
		t.Fatalf("%d versions, want 4", len(snap.Versions))
	}
	for _, st := range snap.Versions {
		v := st.Version
		if !inMapping(v.HTML) || !inMapping(v.Text) {
			t.Errorf("%s: HTML and text in the heap, not in the mapped cache", v.Path)
		}
	}
	// What it serves is what parsing serves.
	r := load.NewRenderer()
	for _, st := range snap.Versions {
		want, _ := load.ParseVersion(st.Version.Path, []byte(files[st.Version.Path]), r)
		dropSource(want)
		if diff := cmp.Diff(want, st.Version); diff != "" {
			t.Errorf("%s (-parsed +served):\n%s", st.Version.Path, diff)
		}
	}
	// The next start finds everything in the cache it wrote.
	if got := cachedPaths(t, idx, parserKey{7}); len(got) != 4 {
		t.Errorf("cache holds %v, want the 4 good files", got)
	}
}
