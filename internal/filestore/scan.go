package filestore

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/load"
)

// racyWindow is how close to a read a file's modification time must be for
// the backend to distrust an unchanged size and time later and compare the
// content instead: a file rewritten within one tick of the file system's
// clock keeps its time (Git calls such entries "racily clean").
// It is a Backend's racyWindow, which tests shorten.
const racyWindow = 2 * time.Second

// racy reports whether info, taken at start, shows a file modified or
// changed too close to start to trust it unchanged later.
func (s *Backend) racy(info fs.FileInfo, start time.Time) bool {
	limit := start.Add(-s.racyWindow)
	return !info.ModTime().Before(limit) || statOf(info).ctime >= limit.UnixNano()
}

// fileState is what the backend remembers of a file it read.
type fileState struct {
	st   fileStat // as of the read
	racy bool     // modified too close to the read to trust st
	hash string   // SHA-256 of the bytes read, hex; "" when never read
}

// unchanged reports whether info shows the file as it was when read,
// without reading it again: same size, times, mode and, where known,
// identity (an editor's rename-and-replace save keeps size and time but
// not the inode).
func (f *fileState) unchanged(info fs.FileInfo) bool {
	return f.hash != "" && !f.racy && f.st == statOf(info)
}

// entry is what the backend knows about one version file.
type entry struct {
	fileState
	// good is the version parsed from the latest bytes of the file that
	// parsed without problems: the last good version, served while the
	// file is broken.
	good     *article.Version
	goodHash string
	// problems are ParseVersion's problems with the file's current bytes;
	// nil when they are good.
	problems []article.Problem
}

func hashOf(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// listed is a version file found by listing a folder.
type listed struct {
	path string
	d    fs.DirEntry
}

// folder is what the backend knows about one article folder.
type folder struct {
	entries map[string]*entry // by slash path
	// problems are those of files in the folder that are not versions
	// (symbolic links, special files).
	problems []article.Problem
	// st is the folder's metadata as of its last listing; zero when it
	// was too recent to trust.
	st fileStat
}

// dirty says what a scan must look at.
type dirty struct {
	all  bool // everything
	site bool // site.yaml
	top  bool // the list of article folders, and stray files in articles/
	// folders are article folders to list again, by slash path.
	folders map[string]bool
}

func (d *dirty) addFolder(p string) {
	if d.folders == nil {
		d.folders = make(map[string]bool)
	}
	d.folders[p] = true
}

func (d *dirty) empty() bool { return !d.all && !d.site && !d.top && len(d.folders) == 0 }

// errNoDir reports a content directory that is missing or not a
// directory.
var errNoDir = errors.New("missing or not a directory")

// errNoArticles reports a tree without an articles folder.
var errNoArticles = errors.New("no " + load.ArticlesDir + " folder")

// vanishGrace is how long a running backend keeps serving the articles of a
// content directory or articles folder that disappeared: a directory
// replaced by renames, or by git, is briefly missing.
const vanishGrace = 5 * time.Second

// listTop lists the article folders of the tree by the loader's rules, and
// reports the version files found outside of them.
func listTop(fsys fs.FS) (folders []string, problems []article.Problem, err error) {
	ents, err := fs.ReadDir(fsys, load.ArticlesDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, errNoArticles
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", load.ArticlesDir, err)
	}
	for _, d := range ents {
		name := d.Name()
		p := load.ArticlesDir + "/" + name
		switch {
		case load.Ignored(name):
		case d.Type()&fs.ModeSymlink != 0:
			// Neither followed nor looked into: its target may be
			// anywhere, and so may the names of its files.
			problems = append(problems, article.Problem{Path: p, Line: 1, Message: "symbolic link not followed: an article folder must be a directory"})
		case d.IsDir():
			folders = append(folders, p)
		case path.Ext(name) == ".md" && !strings.EqualFold(name, "README.md"):
			problems = append(problems, article.Problem{Path: p, Line: 1, Message: fmt.Sprintf("a version file belongs in %s/<id>/<lang>.md", load.ArticlesDir)})
		}
	}
	return folders, problems, nil
}

// listFolder lists the version files of one article folder by the loader's
// rules, and reports files that look like versions but cannot be. ok is
// false when the folder does not exist. temps are the temporary files of
// writes found in the folder, by slash path.
func listFolder(fsys fs.FS, dir string) (files []listed, problems []article.Problem, temps []string, ok bool, err error) {
	ents, err := fs.ReadDir(fsys, dir)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil, nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, nil, false, fmt.Errorf("read %s: %w", dir, err)
	}
	report := func(p, msg string) {
		problems = append(problems, article.Problem{Path: p, Line: 1, Message: msg})
	}
	for _, f := range ents {
		name := f.Name()
		p := dir + "/" + name
		switch {
		case strings.HasPrefix(name, tempPrefix) && f.Type().IsRegular():
			temps = append(temps, p)
		case load.Ignored(name) || f.IsDir():
		case path.Ext(name) != ".md" || strings.EqualFold(name, "README.md"):
		case f.Type()&fs.ModeSymlink != 0:
			report(p, "symbolic link not followed: a version must be a regular file")
		case !f.Type().IsRegular():
			report(p, "not a regular file")
		default:
			files = append(files, listed{p, f})
		}
	}
	return files, problems, temps, true, nil
}

// readFile reads the file at p and returns its bytes with the file's info
// as of the read.
func readFile(fsys fs.FS, p string) ([]byte, fs.FileInfo, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return readAll(f, nil)
}

// readFile reads the file at slash path p of the backend's tree into buf,
// which it grows as needed, and returns the bytes with the file's info as
// of the read.
func (s *Backend) readFile(p string, buf []byte) ([]byte, fs.FileInfo, error) {
	if s.dir == "" {
		f, err := s.fsys.Open(p)
		if err != nil {
			return nil, nil, err
		}
		defer f.Close()
		return readAll(f, buf)
	}
	// Opened directly rather than through os.DirFS (p comes from a listing
	// of the tree), and non-blocking: os.Open would otherwise make the file
	// non-blocking for the poller and, the poller refusing a regular file,
	// blocking again, which is four more system calls a file and a quarter
	// of the cost of reading a tree. A regular file ignores the flag.
	f, err := os.OpenFile(s.osPath(p), os.O_RDONLY|openNonblock|openNoFollow, 0)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return readAll(f, buf)
}

// readAll reads f to its end, appending to buf, and returns the bytes with
// f's info.
func readAll(f fs.File, buf []byte) ([]byte, fs.FileInfo, error) {
	info, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	buf = slices.Grow(buf[:0], int(info.Size())+bytes.MinRead)
	for {
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, info, nil
		}
		if err != nil {
			return nil, nil, err
		}
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, bytes.MinRead)
		}
	}
}

// entry returns the entry of the file at slash path p, or nil. The caller
// holds s.mu.
func (s *Backend) entry(p string) *entry {
	if f := s.folders[path.Dir(p)]; f != nil {
		return f.entries[p]
	}
	return nil
}

// touch records that the entry of the version file at slash path p
// changed, for the next generation built from disk. The caller holds
// s.mu.
func (s *Backend) touch(p string) {
	if s.touched == nil {
		s.touched = make(map[string]bool)
	}
	s.touched[p] = true
}

// setEntry records e as the entry of the file at p. The caller holds s.mu.
func (s *Backend) setEntry(p string, e *entry) {
	dir := path.Dir(p)
	f := s.folders[dir]
	if f == nil {
		f = &folder{entries: make(map[string]*entry)}
		s.folders[dir] = f
	}
	f.entries[p] = e
}

// scan brings what d names up to date with the tree: the site, the list of
// article folders, and the entries of the folders listed. It reads only
// the files whose size, time or identity changed and parses only those
// whose bytes changed, and reports whether anything changed. The caller
// holds s.mu.
func (s *Backend) scan(ctx context.Context, d dirty) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	start := time.Now()
	if s.dir != "" {
		if st, err := os.Stat(s.dir); err != nil || !st.IsDir() {
			return false, fmt.Errorf("content directory %s: %w: %w", s.dir, errNoDir, cmp.Or(err, fs.ErrNotExist))
		}
	}
	changed := false
	if d.all || d.site {
		c, err := s.scanSite(start)
		if err != nil {
			return false, err
		}
		changed = c
	}
	todoFolders := make(map[string]bool)
	drop := func(dir string) {
		if f := s.folders[dir]; f != nil {
			if len(f.entries) > 0 || len(f.problems) > 0 {
				changed = true
			}
			for p := range f.entries {
				s.touch(p)
			}
			s.problemsStale = true
			delete(s.folders, dir)
		}
	}
	if d.all || d.top {
		top, problems, err := listTop(s.fsys)
		if s.dir != "" {
			if info, lerr := os.Lstat(s.osPath(load.ArticlesDir)); lerr == nil && info.Mode()&fs.ModeSymlink != 0 {
				top, err = nil, nil
				problems = []article.Problem{{Path: load.ArticlesDir, Line: 1, Message: "symbolic link not followed: the articles folder must be a directory"}}
			}
		}
		switch {
		case errors.Is(err, errNoArticles) && s.loaded && len(s.folders) > 0:
			// Articles were served: wait a little before serving none.
			if s.vanished.IsZero() {
				s.vanished = start
			}
			if start.Sub(s.vanished) < vanishGrace {
				return false, fmt.Errorf("%w; still serving the last generation for %v", err, vanishGrace)
			}
		case errors.Is(err, errNoArticles):
		case err != nil:
			return false, err
		}
		if err == nil {
			s.vanished = time.Time{}
		}
		if !slices.Equal(problems, s.topProblems) {
			s.topProblems = problems
			s.problemsStale = true
			changed = true
		}
		present := make(map[string]bool, len(top))
		for _, dir := range top {
			present[dir] = true
			if d.all || s.folders[dir] == nil {
				todoFolders[dir] = true
			}
		}
		for dir := range s.folders {
			if !present[dir] {
				drop(dir)
			}
		}
	}
	for dir := range d.folders {
		if path.Dir(dir) == load.ArticlesDir && !load.Ignored(path.Base(dir)) {
			todoFolders[dir] = true
		}
	}

	if len(todoFolders) == 0 {
		return changed, nil
	}

	// List the folders, and read, hash and parse what changed in them, in
	// parallel; then apply the results in order. Load's scan takes the
	// versions of unchanged files from the versions cache, which it waits
	// for only when it first needs it.
	cache := func() *versionCache { return s.startCache }
	if s.cacheWait != nil {
		wait := s.cacheWait
		s.cacheWait = nil
		cache = sync.OnceValue(func() *versionCache { return <-wait })
		defer func() { s.startCache = cache() }()
	}
	dirs := slices.Sorted(maps.Keys(todoFolders))
	results := make([]folderScan, len(dirs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(dirs)) {
		wg.Go(func() {
			var buf []byte // reused: most files are only hashed
			for {
				i := int(next.Add(1) - 1)
				if i >= len(dirs) || ctx.Err() != nil {
					return
				}
				results[i] = s.scanFolder(dirs[i], &buf, cache)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return false, err
	}
	for i, dir := range dirs {
		fr := &results[i]
		if fr.err != nil {
			return false, fr.err
		}
		if !s.loaded {
			s.temps = append(s.temps, fr.temps...) // for open to remove
		}
		if !fr.ok {
			drop(dir)
			continue
		}
		f := s.folders[dir]
		if f == nil {
			f = &folder{entries: make(map[string]*entry)}
			s.folders[dir] = f
		}
		if !slices.Equal(fr.problems, f.problems) {
			f.problems = fr.problems
			s.problemsStale = true
			changed = true
		}
		f.st = fileStat{}
		if limit := start.Add(-s.racyWindow).UnixNano(); fr.st.mtime < limit && fr.st.ctime < limit {
			f.st = fr.st
		}
		present := make(map[string]bool, len(fr.files))
		for _, r := range fr.files {
			if r.err != nil {
				return false, r.err
			}
			if r.gone {
				continue // its entry goes below
			}
			present[r.path] = true
			if !r.read {
				continue
			}
			if r.unread {
				s.cacheStats.unread++
			}
			if r.cached {
				s.cacheStats.hits++
			} else if !s.loaded && (r.v != nil || r.ps != nil) {
				s.cacheStats.parsed++
			}
			e := f.entries[r.path]
			if e == nil {
				e = &entry{}
				f.entries[r.path] = e
			}
			state := fileState{st: statOf(r.info), racy: s.racy(r.info, start), hash: r.hash}
			switch {
			case r.hash == e.hash:
				// Touched, not changed.
			case r.hash == e.goodHash:
				e.problems = nil
				s.problemsStale = true
				s.touch(r.path)
				changed = true
			case len(r.ps) > 0:
				e.problems = r.ps
				s.problemsStale = true
				changed = true
			default:
				if e.problems != nil {
					s.problemsStale = true
				}
				e.good, e.goodHash, e.problems = r.v, r.hash, nil
				s.touch(r.path)
				changed = true
			}
			e.fileState = state
		}
		for p, e := range f.entries {
			if !present[p] {
				if e.problems != nil {
					s.problemsStale = true
				}
				delete(f.entries, p)
				s.touch(p)
				changed = true
			}
		}
	}
	return changed, nil
}

// folderScan is what scanFolder found in one article folder.
type folderScan struct {
	files    []fileScan // every version file listed
	problems []article.Problem
	temps    []string
	ok       bool     // the folder exists
	st       fileStat // its metadata, taken before the listing
	err      error
}

// fileScan is what scanFolder found of one version file.
type fileScan struct {
	path string
	gone bool // removed since the listing
	read bool // read because it is new or its info changed; false: unchanged
	// Of a file read: its info as of the read, the hash of its bytes, and
	// the version and problems parsed from them, or found in the cache.
	// v and ps are both nil when the bytes are those of the entry.
	info   fs.FileInfo
	hash   string
	v      *article.Version
	ps     []article.Problem
	cached bool
	unread bool // taken from the cache by its metadata, not read
	err    error
}

// scanFolder lists the article folder dir and reads, hashes and parses the
// files that are new or whose info changed, taking versions from the
// versions cache when it has them. It only reads the backend's state (the
// caller holds s.mu and writes nothing while scanFolder runs), so calls
// run in parallel; buf is the caller's reusable buffer.
func (s *Backend) scanFolder(dir string, buf *[]byte, cache func() *versionCache) folderScan {
	var res folderScan
	f := s.folders[dir]
	// A folder first seen since the start (f is nil) is taken as the
	// versions cache listed it when its metadata is unchanged, and each of
	// its files as the cache read it when the file's is: a start on an
	// unchanged tree reads no file and lists no folder.
	var c *versionCache
	var files []listed
	if s.dir != "" {
		info, err := os.Lstat(s.osPath(dir))
		switch {
		case err == nil && info.IsDir():
			res.st = statOf(info)
		case err == nil:
			// A symbolic link (or a file) where a folder was: not an
			// article folder, whatever it points at; listTop reports it.
			return res
		}
		if f == nil {
			c = cache()
			if paths, ok := c.listed(dir, res.st); ok {
				res.ok = true
				files = make([]listed, len(paths))
				for i, p := range paths {
					files[i] = listed{path: p}
				}
			}
		}
	}
	if !res.ok {
		files, res.problems, res.temps, res.ok, res.err = listFolder(s.fsys, dir)
		if res.err != nil || !res.ok {
			return res
		}
	}
	res.files = make([]fileScan, len(files))
	for i, lf := range files {
		r := &res.files[i]
		r.path = lf.path
		var e *entry
		if f != nil {
			e = f.entries[lf.path]
		}
		if c != nil && s.trustedFile(c, r) {
			continue
		}
		if e != nil {
			info, err := lf.d.Info()
			switch {
			case errors.Is(err, fs.ErrNotExist):
				r.gone = true
				continue
			case err != nil:
				r.err = fmt.Errorf("stat %s: %w", lf.path, err)
				continue
			case e.unchanged(info):
				continue
			}
		}
		// New, or changed: read it (the read takes its info).
		r.read = true
		data, info, err := s.readFile(lf.path, (*buf)[:0])
		switch {
		case errors.Is(err, fs.ErrNotExist):
			r.gone = true
			continue
		case err != nil:
			r.err = fmt.Errorf("read %s: %w", lf.path, err)
			continue
		}
		*buf = data
		r.info, r.hash = info, hashOf(data)
		if e != nil && (e.hash == r.hash || e.goodHash == r.hash) {
			continue // same bytes as before, or back to the last good ones
		}
		if r.v = cache().lookup(lf.path, r.hash); r.v != nil {
			r.cached = true
			continue
		}
		// A copy: the parsed version must not share buf.
		r.v, r.ps = load.ParseVersion(lf.path, bytes.Clone(data), s.render)
		dropSource(r.v)
	}
	return res
}

// trustedFile fills r, a file of a folder first seen since the start, from
// the versions cache when the file's metadata is what the cache recorded,
// and reports whether it did.
func (s *Backend) trustedFile(c *versionCache, r *fileScan) bool {
	info, err := os.Lstat(s.osPath(r.path))
	if err != nil {
		return false
	}
	hash, ok := c.unchanged(r.path, statOf(info))
	if !ok {
		return false
	}
	v := c.lookup(r.path, hash)
	if v == nil {
		return false
	}
	r.read, r.info, r.hash, r.v, r.cached, r.unread = true, info, hash, v, true, true
	return true
}

// osPath returns the operating system's path of the slash path p of the
// backend's tree.
func (s *Backend) osPath(p string) string { return filepath.Join(s.dir, filepath.FromSlash(p)) }

// dropSource forgets v's Markdown: the core serves the rendered HTML and
// text, and the file holds the source, which is a fifth of the memory of a
// large tree.
func dropSource(v *article.Version) {
	if v != nil {
		v.Body = ""
	}
}

// scanSite re-reads site.yaml when it changed. A site.yaml that is missing
// or unusable keeps the last good site, if any; its problems are reported.
func (s *Backend) scanSite(start time.Time) (bool, error) {
	info, err := fs.Stat(s.fsys, load.SitePath)
	if errors.Is(err, fs.ErrNotExist) {
		if s.siteMissing {
			return false, nil
		}
		s.siteMissing = true
		s.siteFile = fileState{}
		s.siteProblems = []article.Problem{{Path: load.SitePath, Message: "missing site.yaml: the content tree has no site configuration"}}
		s.problemsStale = true
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("stat %s: %w", load.SitePath, err)
	}
	if !s.siteMissing && s.siteFile.unchanged(info) {
		return false, nil
	}
	data, info, err := readFile(s.fsys, load.SitePath)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", load.SitePath, err)
	}
	h := hashOf(data)
	state := fileState{st: statOf(info), racy: s.racy(info, start), hash: h}
	if !s.siteMissing && h == s.siteFile.hash {
		s.siteFile = state
		return false, nil
	}
	s.siteMissing = false
	s.siteFile = state
	site, problems := load.ParseSite(load.SitePath, data)
	if site != nil {
		s.site = site
	}
	s.siteProblems = problems
	s.problemsStale = true
	return true, nil
}
