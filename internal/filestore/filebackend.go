package filestore

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/load"
	"github.com/amal-kommun/tolk/internal/store"
)

// Backend is the store.Backend of a content tree: the files of a content
// directory (Options.Dir), or the embedded corpus (Options.FS), read-only.
// It scans the tree (scan.go), watches it (watch.go), keeps the versions
// cache (cache.go) and writes files atomically (write.go); every version
// it reports is the last good one of its file, so that a broken file
// never replaces what was served for its path.
//
// Its positions count the changes it made or saw since it was opened.
// Watch computes a Delta under the backend's lock and reports it after
// releasing it (report takes the Store's lock, which a write holds while
// it waits for this one); until the report returns, the Delta stays in
// unreported, for an Update meanwhile to hand the core as behind.
type Backend struct {
	log    *slog.Logger
	dir    string // absolute; "" for the embedded corpus
	fsys   fs.FS
	render *load.Renderer
	ops    fileOps
	rescan time.Duration // Options.Rescan

	// The versions cache; cacheFile is "" without one (the embedded
	// corpus, or an index kept in memory).
	cacheFile  string
	cacheKey   parserKey
	cacheMu    sync.Mutex                         // serializes writes of the cache file
	cacheWait  chan *versionCache                 // the cache being read by Load
	startCache *versionCache                      // consulted by Load's scan only
	mapped     *versionCache                      // what Load read, to release once the index is open
	cached     itemsSum                           // of what the cache file holds; guarded by mu
	sumSeed    maphash.Seed                       // of itemsSum
	cacheStats struct{ hits, unread, parsed int } // of Load's scan, for its log line
	racyWindow time.Duration                      // see the constant
	wg         sync.WaitGroup                     // writes of the cache in the background

	mu           sync.Mutex // guards everything below
	loaded       bool
	site         *article.Site // nil until a usable site.yaml is read
	reportedSite *article.Site // the site last handed to the core
	siteFile     fileState
	siteMissing  bool
	siteProblems []article.Problem
	topProblems  []article.Problem  // version files outside article folders
	folders      map[string]*folder // by slash path, articles/<id>
	vanished     time.Time          // when the articles folder was first found missing
	temps        []string           // temporary files Load's scan found, by slash path
	// touched holds the slash paths of the version files whose entries
	// the scans changed since the last Delta.
	touched map[string]bool
	// problems are those of the files themselves (site.yaml, files out
	// of place, versions that do not parse), gathered again from the
	// folders only when problemsStale.
	problems      []article.Problem
	problemsStale bool
	troubled      bool     // the last re-scan reported Trouble
	root          *os.Root // of the write under way, for ops; nil otherwise
	pos           store.Position
	unreported    []store.Delta // computed by Watch, being reported
}

// Options configures New.
type Options struct {
	// Dir is the content directory. When it is empty the backend serves
	// FS, read-only.
	Dir string
	// FS is the embedded corpus, used when Dir is empty.
	FS fs.FS
	// CacheDir is the folder of the versions cache (the search index's
	// directory); "" keeps none.
	CacheDir string
	// Rescan is the interval of a full re-scan of Dir while Watch runs,
	// which catches changes the file-system events missed; 0 turns it off.
	Rescan time.Duration
	// Logger receives changes found on disk, re-scan and write failures;
	// nil discards.
	Logger *slog.Logger
}

// New returns the file backend of opts.Dir, or of opts.FS when Dir is
// empty. The error is for a Dir that is not a directory.
func New(opts Options) (*Backend, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Backend{
		log:           log,
		render:        load.NewRenderer(),
		rescan:        opts.Rescan,
		folders:       make(map[string]*folder),
		racyWindow:    racyWindow,
		sumSeed:       maphash.MakeSeed(),
		problemsStale: true,
	}
	s.ops = s.rootFileOps()
	if opts.Dir == "" {
		if opts.FS == nil {
			return nil, errors.New("open content: neither a content directory nor an embedded corpus")
		}
		s.fsys = opts.FS
		return s, nil
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("open content %s: %w", opts.Dir, err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("open content: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("open content %s: not a directory", dir)
	}
	s.dir = dir
	s.fsys = os.DirFS(dir)
	if opts.CacheDir != "" {
		key, err := currentParserKey()
		if err != nil {
			log.Warn("versions cache off: cannot identify the program", "err", err)
		} else {
			s.cacheFile, s.cacheKey = filepath.Join(opts.CacheDir, CacheFile), key
		}
	}
	return s, nil
}

// ReadOnly reports whether the backend is the embedded corpus.
func (s *Backend) ReadOnly() bool { return s.dir == "" }

// Load scans the whole tree, taking the versions of unchanged files from
// the versions cache, removes the temporary files interrupted writes
// left, and returns the last good version of every file.
func (s *Backend) Load(ctx context.Context) (store.Snapshot, error) {
	start := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cacheFile != "" {
		// Read the cache while the tree is listed; the scan waits for it
		// before it parses anything.
		ch := make(chan *versionCache, 1)
		s.cacheWait = ch
		go func() { ch <- s.openCache() }()
	}
	_, err := s.scan(ctx, dirty{all: true})
	if s.cacheWait != nil {
		s.startCache = <-s.cacheWait
		s.cacheWait = nil
	}
	if err != nil {
		return store.Snapshot{}, err
	}
	if s.dir != "" {
		s.removeTemps()
	}
	if s.cacheFile != "" && s.cacheStats.parsed > s.cacheStats.hits+s.cacheStats.unread {
		s.mapParsed()
	}
	s.mapped = s.saveCacheAfterOpen()
	s.loaded = true
	snap := store.Snapshot{Site: s.site, Problems: s.allProblems(), Release: s.releaseCache, Intact: s.intact}
	for _, f := range s.folders {
		for _, e := range f.entries {
			if e.good != nil {
				snap.Versions = append(snap.Versions, store.Stored{Version: e.good, Hash: e.goodHash})
			}
		}
	}
	s.touched, s.reportedSite = nil, s.site
	s.log.Info("content tree scanned", "dir", s.dir, "versions", len(snap.Versions), "from_cache", s.cacheStats.hits,
		"unread", s.cacheStats.unread, "parsed", s.cacheStats.parsed, "took", time.Since(start))
	return snap, nil
}

// releaseCache tells the system that the pages of the versions cache Load
// read are not needed now (see versionCache.release): called once the
// index, which reads the versions' text through them, is open.
func (s *Backend) releaseCache() {
	s.mu.Lock()
	c := s.mapped
	s.mapped = nil
	s.mu.Unlock()
	c.release()
}

// allProblems returns the problems of the files, gathered again only
// after a scan or a write changed them. The caller holds s.mu.
func (s *Backend) allProblems() []article.Problem {
	if s.problemsStale {
		var ps []article.Problem
		ps = append(ps, s.siteProblems...)
		ps = append(ps, s.topProblems...)
		for _, f := range s.folders {
			ps = append(ps, f.problems...)
			for _, e := range f.entries {
				ps = append(ps, e.problems...)
			}
		}
		load.SortProblems(ps)
		s.problems, s.problemsStale = ps, false
	}
	return s.problems
}

// delta returns what the scans changed since the last Delta, at a new
// position when anything did. The caller holds s.mu.
func (s *Backend) delta() store.Delta {
	d := store.Delta{From: s.pos}
	for _, p := range slices.Sorted(func(yield func(string) bool) {
		for p := range s.touched {
			if !yield(p) {
				return
			}
		}
	}) {
		id, lang, ok := load.SplitVersionPath(p)
		if !ok {
			continue
		}
		if e := s.entry(p); e != nil && e.good != nil {
			d.Put = append(d.Put, store.Stored{Version: e.good, Hash: e.goodHash})
		} else {
			d.Removed = append(d.Removed, article.VersionKey{ID: id, Lang: lang})
		}
	}
	s.touched = nil
	if s.site != s.reportedSite {
		d.Site, s.reportedSite = s.site, s.site
	}
	if s.problemsStale {
		d.Problems, d.ProblemsChanged = slices.Clone(s.allProblems()), true
	}
	if !d.Empty() {
		s.pos++
	}
	d.To = s.pos
	return d
}

// refreshWith re-scans what d names and reports what changed; a content
// directory gone missing is reported as Trouble. The error is for a tree
// that cannot be read (nothing is reported then) or a canceled ctx.
func (s *Backend) refreshWith(ctx context.Context, d dirty, report func(store.Delta)) error {
	s.mu.Lock()
	_, err := s.scan(ctx, d)
	var dl store.Delta
	switch {
	case errors.Is(err, errNoDir):
		s.troubled = true
		dl = store.Delta{From: s.pos, To: s.pos, Trouble: "the content directory is missing or not a directory; still serving the last good content, and writes are refused until it is back"}
	case err != nil:
		s.mu.Unlock()
		return err
	default:
		dl = s.delta()
		if dl.Empty() && !s.troubled {
			s.mu.Unlock()
			return nil
		}
		s.troubled = false
	}
	s.unreported = append(s.unreported, dl)
	s.mu.Unlock()
	report(dl)
	s.mu.Lock()
	s.unreported = slices.DeleteFunc(s.unreported, func(u store.Delta) bool { return u.To <= dl.To && u.Trouble == dl.Trouble })
	s.mu.Unlock()
	return err
}

// behind returns what the Deltas being reported change after applied.
// The caller holds s.mu.
func (s *Backend) behind(applied store.Position) store.Delta {
	d := store.Delta{From: applied, To: s.pos}
	if applied >= s.pos {
		d.From = s.pos
		return d
	}
	put := make(map[article.VersionKey]store.Stored)
	removed := make(map[article.VersionKey]bool)
	for _, u := range s.unreported {
		if u.To <= applied || u.Trouble != "" {
			continue
		}
		for _, st := range u.Put {
			put[st.Key()] = st
			delete(removed, st.Key())
		}
		for _, k := range u.Removed {
			delete(put, k)
			removed[k] = true
		}
		if u.Site != nil {
			d.Site = u.Site
		}
		if u.ProblemsChanged {
			d.Problems, d.ProblemsChanged = u.Problems, true
		}
	}
	for _, st := range put {
		d.Put = append(d.Put, st)
	}
	for k := range removed {
		d.Removed = append(d.Removed, k)
	}
	return d
}

// Update writes the Change change returns, the file renamed into place
// (or removed) before it returns; see Backend. A content directory gone
// missing is ErrUnavailable, the embedded corpus ErrReadOnly.
func (s *Backend) Update(ctx context.Context, applied store.Position, change func(behind store.Delta) (store.Change, error)) (store.Position, error) {
	if s.ReadOnly() {
		return 0, store.ErrReadOnly
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, err := os.Stat(s.dir); err != nil || !st.IsDir() {
		return 0, fmt.Errorf("%w: the content directory is missing", store.ErrUnavailable)
	}
	c, err := change(s.behind(applied))
	if err != nil {
		return 0, err
	}
	if c.IsZero() {
		return s.pos, nil
	}
	p := load.VersionPath(c.Key.ID, c.Key.Lang)
	if c.File != nil {
		info, err := s.writeFile(p, c.File)
		if err != nil {
			return 0, err
		}
		var st fileStat
		if info != nil {
			st = statOf(info)
		}
		if e := s.entry(p); e != nil && e.problems != nil {
			s.problemsStale = true // the write replaces the broken file
		}
		s.setEntry(p, &entry{
			fileState: fileState{st: st, racy: true, hash: c.Put.Hash},
			good:      c.Put.Version,
			goodHash:  c.Put.Hash,
		})
	} else {
		if s.entry(p) == nil {
			return 0, store.ErrNotFound
		}
		folderGone, err := s.removeFile(p)
		if err != nil {
			return 0, err
		}
		if s.entry(p).problems != nil {
			s.problemsStale = true
		}
		delete(s.folders[path.Dir(p)].entries, p)
		if folderGone {
			if len(s.folders[path.Dir(p)].problems) > 0 {
				s.problemsStale = true
			}
			delete(s.folders, path.Dir(p))
		}
	}
	s.pos++
	return s.pos, nil
}

// intact reports whether the file of k has the hash h and is, by its
// metadata, still the file the last scan read (Snapshot.Intact).
func (s *Backend) intact(k article.VersionKey, h string) bool {
	p := load.VersionPath(k.ID, k.Lang)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entry(p)
	return e != nil && e.hash == h && s.onDisk(p, e)
}

// Close waits for the versions cache being written and writes it again
// when the versions the backend holds changed since.
func (s *Backend) Close() error {
	s.wg.Wait()
	s.saveCache()
	return nil
}

// tempPrefix starts the names of the temporary files of writes. The loader
// ignores every name starting with a dot.
const tempPrefix = ".tolk-tmp-"

// tempMinAge is the age from which Load takes a temporary file for the
// leftover of an interrupted write.
const tempMinAge = time.Minute

// removeTemps removes the temporary files interrupted writes left in the
// content directory, the articles folder and the article folders: those
// of the folders open's scan found, and those of the two directories
// above them. The caller holds s.mu.
func (s *Backend) removeTemps() {
	temps := s.temps
	s.temps = nil
	for _, d := range []string{s.dir, filepath.Join(s.dir, load.ArticlesDir)} {
		ents, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), tempPrefix) && e.Type().IsRegular() {
				temps = append(temps, filepath.ToSlash(filepath.Join(d, e.Name())))
			}
		}
	}
	for _, p := range temps {
		if !filepath.IsAbs(p) {
			p = filepath.Join(s.dir, filepath.FromSlash(p))
		}
		// Another server on the same tree (the writer, seen by a
		// replica) may be writing it right now; a write takes
		// milliseconds, a leftover is older.
		if info, err := os.Lstat(p); err != nil || !info.Mode().IsRegular() || time.Since(info.ModTime()) < tempMinAge {
			continue
		}
		if err := os.Remove(p); err != nil {
			s.log.Warn("remove temporary file", "path", p, "err", err)
		} else {
			s.log.Info("removed temporary file of an interrupted write", "path", p)
		}
	}
}
