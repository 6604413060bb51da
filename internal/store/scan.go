package store

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
	"os"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/load"
)

// racyWindow is how close to a read a file's modification time must be for
// the Store to distrust an unchanged size and time later and compare the
// content instead: a file rewritten within one tick of the file system's
// clock keeps its time (Git calls such entries "racily clean").
const racyWindow = 2 * time.Second

// fileState is what the Store remembers of a file it read.
type fileState struct {
	info fs.FileInfo // as of the read; nil when never read
	racy bool        // modified too close to the read to trust info
	hash string      // SHA-256 of the bytes read, hex
}

// unchanged reports whether info shows the file as it was when read,
// without reading it again.
func (f *fileState) unchanged(info fs.FileInfo) bool {
	old := f.info
	return old != nil && !f.racy &&
		old.Size() == info.Size() && old.ModTime().Equal(info.ModTime()) &&
		old.Mode() == info.Mode() && sameFile(old, info)
}

// sameFile reports whether a and b describe the same file (device and
// inode); an editor's rename-and-replace save keeps size and time but not
// the inode. Infos that do not come from package os count as the same.
func sameFile(a, b fs.FileInfo) bool {
	if a.Sys() == nil || b.Sys() == nil {
		return true
	}
	return os.SameFile(a, b)
}

// entry is what the Store knows about one version file.
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
	info fs.FileInfo
}

// folder is what the Store knows about one article folder.
type folder struct {
	entries map[string]*entry // by slash path
	// problems are those of files in the folder that are not versions
	// (symbolic links, special files).
	problems []article.Problem
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

// errNoArticles reports a tree without an articles folder.
var errNoArticles = errors.New("no " + load.ArticlesDir + " folder")

// vanishGrace is how long a running Store keeps serving the articles of a
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
		case d.IsDir():
			folders = append(folders, p)
		case path.Ext(name) == ".md" && !strings.EqualFold(name, "README.md"):
			problems = append(problems, article.Problem{Path: p, Line: 1, Message: fmt.Sprintf("a version file belongs in %s/<id>/<lang>.md", load.ArticlesDir)})
		}
	}
	return folders, problems, nil
}

// listFolder lists the version files of one article folder by the loader's
// rules, with their file infos, and reports files that look like versions
// but cannot be. ok is false when the folder does not exist.
func listFolder(fsys fs.FS, dir string) (files []listed, problems []article.Problem, ok bool, err error) {
	ents, err := fs.ReadDir(fsys, dir)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, fmt.Errorf("read %s: %w", dir, err)
	}
	report := func(p, msg string) {
		problems = append(problems, article.Problem{Path: p, Line: 1, Message: msg})
	}
	for _, f := range ents {
		name := f.Name()
		p := dir + "/" + name
		switch {
		case load.Ignored(name) || f.IsDir():
		case path.Ext(name) != ".md" || strings.EqualFold(name, "README.md"):
		case f.Type()&fs.ModeSymlink != 0:
			report(p, "symbolic link not followed: a version must be a regular file")
		case !f.Type().IsRegular():
			report(p, "not a regular file")
		default:
			info, err := f.Info()
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, nil, false, fmt.Errorf("stat %s: %w", p, err)
			}
			files = append(files, listed{p, info})
		}
	}
	return files, problems, true, nil
}

// readFile reads the file at p and returns its bytes with the file's info
// as of the read.
func readFile(fsys fs.FS, p string) ([]byte, fs.FileInfo, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	buf.Grow(int(info.Size()) + bytes.MinRead)
	if _, err := io.Copy(&buf, f); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), info, nil
}

// entry returns the entry of the file at slash path p, or nil. The caller
// holds s.mu.
func (s *Store) entry(p string) *entry {
	if f := s.folders[path.Dir(p)]; f != nil {
		return f.entries[p]
	}
	return nil
}

// setEntry records e as the entry of the file at p. The caller holds s.mu.
func (s *Store) setEntry(p string, e *entry) {
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
func (s *Store) scan(ctx context.Context, d dirty) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	start := time.Now()
	if s.dir != "" {
		if st, err := os.Stat(s.dir); err != nil || !st.IsDir() {
			return false, fmt.Errorf("content directory %s is missing: %w", s.dir, cmp.Or(err, fs.ErrNotExist))
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
			delete(s.folders, dir)
		}
	}
	if d.all || d.top {
		top, problems, err := listTop(s.fsys)
		switch {
		case errors.Is(err, errNoArticles) && s.gen != nil && len(s.folders) > 0:
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

	var todo []listed
	for dir := range todoFolders {
		files, problems, ok, err := listFolder(s.fsys, dir)
		if err != nil {
			return false, err
		}
		if !ok {
			drop(dir)
			continue
		}
		f := s.folders[dir]
		if f == nil {
			f = &folder{entries: make(map[string]*entry)}
			s.folders[dir] = f
		}
		if !slices.Equal(problems, f.problems) {
			f.problems = problems
			changed = true
		}
		present := make(map[string]bool, len(files))
		for _, lf := range files {
			present[lf.path] = true
			if e := f.entries[lf.path]; e == nil || !e.unchanged(lf.info) {
				todo = append(todo, lf)
			}
		}
		for p := range f.entries {
			if !present[p] {
				delete(f.entries, p)
				changed = true
			}
		}
	}
	if len(todo) == 0 {
		return changed, nil
	}

	// Read, hash and parse in parallel; apply the results in order.
	type result struct {
		data []byte
		info fs.FileInfo
		hash string
		v    *article.Version
		ps   []article.Problem
		err  error
	}
	results := make([]result, len(todo))
	var next int
	var nmu sync.Mutex
	take := func() int {
		nmu.Lock()
		defer nmu.Unlock()
		if next >= len(todo) || ctx.Err() != nil {
			return -1
		}
		next++
		return next - 1
	}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(todo)) {
		wg.Go(func() {
			for i := take(); i >= 0; i = take() {
				r := &results[i]
				p := todo[i].path
				r.data, r.info, r.err = readFile(s.fsys, p)
				if r.err != nil {
					continue
				}
				r.hash = hashOf(r.data)
				e := s.entry(p) // read-only here; written below, after Wait
				if e != nil && (e.hash == r.hash || e.goodHash == r.hash) {
					continue // same bytes as before, or back to the last good ones
				}
				r.v, r.ps = load.ParseVersion(p, r.data, s.render)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return false, err
	}
	for i, r := range results {
		p := todo[i].path
		f := s.folders[path.Dir(p)]
		if errors.Is(r.err, fs.ErrNotExist) {
			if f.entries[p] != nil {
				delete(f.entries, p)
				changed = true
			}
			continue
		}
		if r.err != nil {
			return false, fmt.Errorf("read %s: %w", p, r.err)
		}
		e := f.entries[p]
		if e == nil {
			e = &entry{}
			f.entries[p] = e
		}
		state := fileState{info: r.info, racy: !r.info.ModTime().Before(start.Add(-racyWindow)), hash: r.hash}
		switch {
		case r.hash == e.hash:
			// Touched, not changed.
		case r.hash == e.goodHash:
			e.problems = nil
			changed = true
		case len(r.ps) > 0:
			e.problems = r.ps
			changed = true
		default:
			e.good, e.goodHash, e.problems = r.v, r.hash, nil
			changed = true
		}
		e.fileState = state
	}
	return changed, nil
}

// scanSite re-reads site.yaml when it changed. A site.yaml that is missing
// or unusable keeps the last good site, if any; its problems are reported.
func (s *Store) scanSite(start time.Time) (bool, error) {
	info, err := fs.Stat(s.fsys, load.SitePath)
	if errors.Is(err, fs.ErrNotExist) {
		if s.siteMissing {
			return false, nil
		}
		s.siteMissing = true
		s.siteFile = fileState{}
		s.siteProblems = []article.Problem{{Path: load.SitePath, Message: "missing site.yaml: the content tree has no site configuration"}}
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
	racy := !info.ModTime().Before(start.Add(-racyWindow))
	if !s.siteMissing && h == s.siteFile.hash {
		s.siteFile = fileState{info: info, racy: racy, hash: h}
		return false, nil
	}
	s.siteMissing = false
	s.siteFile = fileState{info: info, racy: racy, hash: h}
	site, problems := load.ParseSite(load.SitePath, data)
	if site != nil {
		s.site = site
	}
	s.siteProblems = problems
	return true, nil
}
