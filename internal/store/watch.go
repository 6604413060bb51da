package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/load"
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

// report applies d, reported by the backend's Watch.
func (s *Store) report(d Delta) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed && s.gen != nil {
		s.applyDelta(s.bg, d)
	}
}

// defaultMaxDeleteShare is the share of the versions a re-scan may delete
// at once when Options.MaxDeleteShare is 0.
const defaultMaxDeleteShare = 0.5

// massDelete returns why g must not replace old, or "": a re-scan that
// would delete more than Options.MaxDeleteShare of old's versions at once
// (and more than one) looks like a failed mount or a bad deploy, not an
// editor's work.
func (s *Store) massDelete(old, g *generation) string {
	share := s.opts.MaxDeleteShare
	if share == 0 {
		share = defaultMaxDeleteShare
	}
	total := len(old.lib.All())
	if share >= 1 || total == 0 {
		return ""
	}
	gone := 0
	for _, c := range g.changesFrom(old) {
		if c.nv == nil {
			gone++
		}
	}
	if gone < 2 || float64(gone) <= share*float64(total) {
		return ""
	}
	return fmt.Sprintf("held: a re-scan would delete %d of the %d versions at once (more than %.0f%%); "+
		"still serving the last good content, and writes are refused, until the tree looks complete again or the server restarts",
		gone, total, share*100)
}

// hold keeps serving the current generation instead of what the tree now
// holds, and reports reason as a problem of the articles folder until a
// re-scan finds the tree sane again; writes are refused meanwhile. The
// caller holds s.mu.
func (s *Store) hold(reason string) {
	if s.gen == nil || s.holding == reason {
		return
	}
	s.holding = reason
	s.log.Error("content tree held; nothing is deleted, journaled or sent", "reason", reason)
	g := *s.gen
	g.problems = append(slices.Clone(s.gen.problems), article.Problem{Path: load.ArticlesDir, Message: reason})
	load.SortProblems(g.problems)
	s.publish(&g)
}

// logNew logs the problems of now that were not in before.
func (s *Store) logNew(before, now []article.Problem) {
	had := make(map[problemID]bool, len(before))
	for _, p := range before {
		had[problemID{p.Path, p.Message}] = true
	}
	for _, p := range now {
		if !had[problemID{p.Path, p.Message}] {
			s.log.Warn("content problem; the last good version stays served", "problem", p.String())
		}
	}
}

// Watch keeps the Store in step with the content directory until ctx is
// done, then returns nil. It watches the directory, its articles folder and
// every article folder (adding folders as they appear, and the directory
// again when it is replaced as a whole), debounces bursts of events, and
// re-scans what the events name: one article folder for an edit, the whole
// tree when the directory or its articles folder is replaced or events
// were lost. With Options.Rescan it also re-scans everything periodically,
// to catch what the events missed. For the embedded corpus it only waits
// for ctx. With Options.Backend it applies what the backend's Watch
// reports instead. The error is for a watch that cannot start at all.
func (s *Store) Watch(ctx context.Context) error {
	return s.backend.Watch(ctx, s.report)
}

// Watch reports the changes of the tree until ctx is done; see
// Store.Watch.
func (s *fileBackend) Watch(ctx context.Context, report func(Delta)) error {
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
	s.refresh(ctx, wt, dirty{all: true}, report) // what changed since Open

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
// the Store's own temporary files) and about siblings of the content
// directory change nothing.
func (s *fileBackend) classify(ev fsnotify.Event, d *dirty) bool {
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
func (s *fileBackend) refresh(ctx context.Context, wt *watches, d dirty, report func(Delta)) bool {
	ok := s.reloadLogged(ctx, d, report)
	if wt == nil {
		return ok
	}
	if added := wt.sync(s, s.watchDirs()); !added.empty() {
		ok = s.reloadLogged(ctx, added, report) && ok
	}
	return ok
}

// reloadLogged reloads what d names, logging a failure, which it reports
// as false.
func (s *fileBackend) reloadLogged(ctx context.Context, d dirty, report func(Delta)) bool {
	err := s.refreshWith(ctx, d, report)
	if err != nil && ctx.Err() == nil && !errors.Is(err, ErrClosed) {
		s.log.Warn("re-scan content directory; still serving the last generation", "err", err)
	}
	return err == nil
}

// watchDirs returns the folders to watch: the content directory, its
// articles folder and every article folder the scans found.
func (s *fileBackend) watchDirs() []string {
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
func (wt *watches) sync(s *fileBackend, want []string) dirty {
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
