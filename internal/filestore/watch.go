package filestore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/amal-kommun/tolk/internal/load"
	"github.com/amal-kommun/tolk/internal/store"
)

// Debouncing of file-system events: a re-scan starts once events have been
// quiet for debounceQuiet, and at the latest debounceMax after the first
// event of a burst (a git checkout of thousands of files).
const (
	debounceQuiet = 200 * time.Millisecond
	debounceMax   = time.Second
	// retryDelay is the wait before another re-scan after one failed.
	retryDelay = time.Second
)

// Watch reports the changes of the tree until ctx is done, then returns
// nil. It watches the directory, its articles folder and every article
// folder (adding folders as they appear, and the directory again when it
// is replaced as a whole), debounces bursts of events, and re-scans what
// the events name: one article folder for an edit, the whole tree when
// the directory or its articles folder is replaced or events were lost.
// With Options.Rescan it also re-scans everything periodically, to catch
// what the events missed. For the embedded corpus it only waits for ctx.
// The error is for a watch that cannot start at all.
func (s *Backend) Watch(ctx context.Context, report func(store.Delta)) error {
	s.releaseCache()
	if s.ReadOnly() {
		<-ctx.Done()
		return nil
	}
	var wt *watches
	var events <-chan fsnotify.Event
	var errs <-chan error
	w, err := fsnotify.NewWatcher()
	switch {
	case err != nil && s.rescan <= 0:
		return fmt.Errorf("watch %s: %w", s.dir, err)
	case err != nil:
		s.log.Warn("cannot watch the content directory; re-scanning periodically only", "err", err, "every", s.rescan)
	default:
		defer w.Close()
		// The parent tells when the directory itself is renamed, removed
		// or replaced.
		if err := w.Add(filepath.Dir(s.dir)); err != nil {
			s.log.Warn("cannot watch the parent of the content directory; a replaced directory is noticed by periodic re-scans only", "err", err)
		}
		wt = &watches{w: w, known: make(map[string]fs.FileInfo)}
		events, errs = w.Events, w.Errors
	}
	s.refresh(ctx, wt, dirty{all: true}, report) // what changed since Load

	var tick <-chan time.Time
	if s.rescan > 0 {
		t := time.NewTicker(s.rescan)
		defer t.Stop()
		tick = t.C
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var pending dirty
	var first time.Time // first event of the pending burst; zero when none
	kick := func() {
		now := time.Now()
		if first.IsZero() {
			first = now
		}
		timer.Reset(max(0, min(debounceQuiet, debounceMax-now.Sub(first))))
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if s.classify(ev, &pending) {
				kick()
			}
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			s.log.Warn("watching the content directory", "err", err)
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				pending.all = true // events were lost: look at everything
				kick()
			}
		case <-timer.C:
			d := pending
			pending, first = dirty{}, time.Time{}
			if !s.refresh(ctx, wt, d, report) {
				pending.all = true // the tree is in flux or unreadable: look again soon
				timer.Reset(retryDelay)
			}
		case <-tick:
			if !s.refresh(ctx, wt, dirty{all: true}, report) {
				pending.all = true
				timer.Reset(retryDelay)
			}
		}
	}
}

// classify adds what ev may have changed to d and reports whether it may
// have changed anything: events about ignored files (editors' swap files,
// the backend's own temporary files) and about siblings of the content
// directory change nothing.
func (s *Backend) classify(ev fsnotify.Event, d *dirty) bool {
	if ev.Name == s.dir {
		d.all = true // the directory itself was replaced, removed or renamed
		return true
	}
	rel, err := filepath.Rel(s.dir, ev.Name)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return false // a sibling, seen through the parent's watch
	}
	parts := strings.Split(filepath.ToSlash(rel), "/")
	if load.Ignored(parts[len(parts)-1]) {
		return false
	}
	switch {
	case len(parts) == 1 && parts[0] == load.SitePath:
		d.site = true
	case len(parts) == 1 && parts[0] == load.ArticlesDir:
		d.all = true
	case len(parts) == 1:
		return false // README.md and such
	case parts[0] != load.ArticlesDir:
		return false
	case len(parts) == 2:
		d.top = true // an article folder or a stray file appeared or went
		d.addFolder(parts[0] + "/" + parts[1])
	default:
		d.addFolder(parts[0] + "/" + parts[1])
	}
	return true
}

// refresh re-scans what d names and then makes the watches match the
// folders found; for the folders newly watched it re-scans again, for the
// files created in them before their watch began.
// It reports false when a re-scan failed.
func (s *Backend) refresh(ctx context.Context, wt *watches, d dirty, report func(store.Delta)) bool {
	ok := s.reloadLogged(ctx, d, report)
	if wt == nil {
		return ok
	}
	// Article folders come and go, or are replaced, only with an event
	// in the articles folder (d.top) or a re-scan of everything: an edit
	// inside folders (a write's own event among them) makes only those
	// match their watches, instead of a stat of every folder of the tree.
	var added dirty
	if d.all || d.top {
		added = wt.sync(s, s.watchDirs())
	} else {
		added = wt.syncFolders(s, d.folders)
	}
	if !added.empty() {
		ok = s.reloadLogged(ctx, added, report) && ok
	}
	return ok
}

// reloadLogged reloads what d names, logging a failure, which it reports
// as false.
func (s *Backend) reloadLogged(ctx context.Context, d dirty, report func(store.Delta)) bool {
	err := s.refreshWith(ctx, d, report)
	if err != nil && ctx.Err() == nil && !errors.Is(err, store.ErrClosed) {
		s.log.Warn("re-scan content directory; still serving the last generation", "err", err)
	}
	return err == nil
}

// watchDirs returns the folders to watch: the content directory, its
// articles folder and every article folder the scans found.
func (s *Backend) watchDirs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.folders)+2)
	out = append(out, s.dir, filepath.Join(s.dir, load.ArticlesDir))
	for d := range s.folders {
		out = append(out, filepath.Join(s.dir, filepath.FromSlash(d)))
	}
	return out
}

// watches tracks the folders being watched and the identity of each, so
// that a folder replaced by another of the same name is watched anew.
type watches struct {
	w        *fsnotify.Watcher
	known    map[string]fs.FileInfo
	failures int
}

// sync adds watches for the folders in want that are not watched (or whose
// identity changed) and removes those no longer wanted. It returns what
// the folders it added watches for may hold.
func (wt *watches) sync(s *Backend, want []string) dirty {
	watching := make(map[string]bool)
	for _, p := range wt.w.WatchList() {
		watching[p] = true
	}
	wanted := make(map[string]fs.FileInfo, len(want))
	for _, d := range want {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			wanted[d] = fi
		}
	}
	var added dirty
	failures := 0
	var lastErr error
	for d, fi := range wanted {
		if old, ok := wt.known[d]; ok && watching[d] && os.SameFile(old, fi) {
			continue
		}
		if watching[d] {
			wt.w.Remove(d)
		}
		if err := wt.w.Add(d); err != nil {
			delete(wt.known, d)
			failures++
			lastErr = err
			continue
		}
		wt.known[d] = fi
		if rel, err := filepath.Rel(s.dir, d); err == nil && strings.Count(filepath.ToSlash(rel), "/") == 1 {
			added.addFolder(filepath.ToSlash(rel))
		} else {
			added.all = true
		}
	}
	for d := range wt.known {
		if _, ok := wanted[d]; !ok {
			if watching[d] {
				wt.w.Remove(d)
			}
			delete(wt.known, d)
		}
	}
	if failures > 0 && failures != wt.failures {
		s.log.Warn("cannot watch some content folders; their changes are seen by periodic re-scans only (raise fs.inotify.max_user_watches?)",
			"folders", failures, "err", lastErr)
	}
	wt.failures = failures
	return added
}

// syncFolders is sync for the article folders named (slash paths) alone:
// it adds a watch for each that exists and is not watched as the folder it
// is now, and leaves every other watch as it is.
func (wt *watches) syncFolders(s *Backend, folders map[string]bool) dirty {
	var added dirty
	for rel := range folders {
		d := filepath.Join(s.dir, filepath.FromSlash(rel))
		fi, err := os.Stat(d)
		if err != nil || !fi.IsDir() {
			continue // gone: the event in the articles folder says so
		}
		if old, ok := wt.known[d]; ok && os.SameFile(old, fi) {
			continue
		}
		if _, ok := wt.known[d]; ok {
			wt.w.Remove(d)
		}
		if err := wt.w.Add(d); err != nil {
			delete(wt.known, d)
			s.log.Warn("cannot watch a content folder; its changes are seen by periodic re-scans only", "folder", rel, "err", err)
			continue
		}
		wt.known[d] = fi
		added.addFolder(rel)
	}
	return added
}

// Rescan re-scans the tree now and reports what changed, as Watch does
// for a burst of events: the article folders named (slash paths,
// articles/<id>) and the list of article folders when folders are given,
// the whole tree otherwise. The error is for a tree that cannot be read
// (nothing is reported then) or a canceled ctx. It must not run while
// Watch does.
func (s *Backend) Rescan(ctx context.Context, report func(store.Delta), folders ...string) error {
	d := dirty{all: len(folders) == 0, top: len(folders) > 0}
	for _, f := range folders {
		d.addFolder(f)
	}
	return s.refreshWith(ctx, d, report)
}
