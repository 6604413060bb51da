package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/atomicfile"
	"github.com/amal-kommun/tolk/internal/load"
)

// fileOps are the file-system calls of writes, replaceable in tests to
// simulate a full disk or a read-only directory: those of the atomic
// replacement of a file, and removing and creating folders. Names are
// relative to the content directory, and the calls go through the os.Root
// of the write under way (Store.root).
type fileOps struct {
	atomicfile.Ops
	remove func(name string) error
	mkdir  func(name string, perm os.FileMode) error
}

// rootFileOps returns the fileOps of s, which act in s.root.
func (s *fileBackend) rootFileOps() fileOps {
	return fileOps{
		Ops:    atomicfile.DefaultOps(),
		remove: func(name string) error { return s.root.Remove(name) },
		mkdir:  func(name string, perm os.FileMode) error { return s.root.Mkdir(name, perm) },
	}
}

// langName is what a language tag may look like before ParseVersion checks
// it, so that it is safe as a file name.
var langName = regexp.MustCompile(`^[A-Za-z0-9]{1,8}(-[A-Za-z0-9]{1,8})*$`)

// checkName returns the problem with an article id or language given to
// Put, or nil.
func checkName(id, lang string) []article.Problem {
	var ps []article.Problem
	if !article.ValidSlug(id) {
		ps = append(ps, article.Problem{Line: 1, Message: fmt.Sprintf("article id %q is not valid: use lowercase letters a-z, digits and single hyphens, at most %d bytes", id, article.MaxSlugLen)})
	}
	if !langName.MatchString(lang) {
		ps = append(ps, article.Problem{Line: 1, Message: fmt.Sprintf("%q is not a BCP 47 language tag", lang)})
	}
	return ps
}

// Validate returns what the content format's rules for one version alone
// find wrong with v (the problems load.ParseVersion reports of its
// canonical file), each with its Key set to the front-matter key
// concerned ("" for the version as a whole). v.ID and v.Lang name the
// file; they must be valid names (a caller with bad ones passes
// stand-ins, to learn of the other problems too). The rules that need the
// other versions (slug clashes, translations, tags of site.yaml) are
// Put's.
func Validate(v *article.Version) []article.Problem {
	_, problems := load.ParseVersion(versionPath(v.ID, v.Lang), load.Format(v), load.NewRenderer())
	return problems
}

// Put stores v, the version of article v.ID in v.Lang, as its canonical
// file (as load.Format writes it), under the loader's rules: the file must
// pass load.ParseVersion, and article.Build over the served versions with
// this one in place must find no problem in it and none it causes in other
// files; otherwise Put returns a *ValidationError and changes nothing.
// Only v's front matter and Body (its Markdown) are read: Put renders
// the HTML and text itself.
//
// Before Put returns, the file is durably on disk, and the Library, the
// index, the journal and OnChange all have the new version. A version
// identical to the stored one changes nothing and reports Changed false.
// Disk failures are ErrNoSpace or ErrUnavailable; the embedded corpus is
// ErrReadOnly.
func (s *Store) Put(ctx context.Context, v *article.Version) (Result, error) {
	return s.PutIf(ctx, v, nil)
}

// PutIf is Put with a precondition: check, when not nil, runs under the
// write lock with the version of article v.ID in v.Lang stored now (a
// draft too; nil when there is none), before anything is written. An
// error from check is returned unchanged and nothing is written, so that
// a conditional write (If-Match, If-None-Match) is decided atomically with
// the write.
func (s *Store) PutIf(ctx context.Context, v *article.Version, check func(cur *article.Version) error) (Result, error) {
	return s.putFile(ctx, v.ID, v.Lang, load.Format(v), check)
}

// putFile is PutIf of the file's bytes, which it parses as the loader
// does: the write of Put, and of tests of files no version formats to.
func (s *Store) putFile(ctx context.Context, id, lang string, file []byte, check func(cur *article.Version) error) (Result, error) {
	if s.ReadOnly() {
		return Result{}, ErrReadOnly
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	if ps := checkName(id, lang); ps != nil {
		return Result{}, &ValidationError{Problems: ps}
	}
	p := versionPath(id, lang)
	k := key{id, lang}
	h := hashOf(file)
	// Parse and render before taking the write lock: for a large body
	// it is half of the write's work (BenchmarkPutLarge), and it depends
	// on nothing the lock guards.
	v, problems := load.ParseVersion(p, file, s.render)
	if len(problems) > 0 {
		return Result{}, &ValidationError{Problems: problems}
	}
	dropSource(v)

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Result{}, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err // gave up while waiting for another write
	}
	return s.putBackend(ctx, k, p, v, h, file, check)
}

// validatePut returns the generation of the current one with v, whose
// file at slash path p has hash h, in place, or a *ValidationError
// listing the problems v has against the other versions or causes them.
// The caller holds s.mu.
func (s *Store) validatePut(p string, v *article.Version, h string) (*generation, error) {
	clashes := s.gen.clashes(v)
	g, ps := s.write([]candidate{{v, h}}, nil, p)
	if len(clashes) > 0 {
		// Report every problem at once: the clashes found here, and what
		// else Build found (its own reports of the clash aside).
		for _, q := range ps {
			if q.Key != "slug" && q.Key != "aliases" {
				clashes = append(clashes, q)
			}
		}
		ps = clashes
	}
	if len(ps) > 0 {
		return nil, &ValidationError{Problems: ps}
	}
	if g.lib.Version(v.ID, v.Lang) == nil {
		// Build dropped it without saying why in its file; never expected.
		return nil, &ValidationError{Problems: []article.Problem{{Path: p, Line: 1, Message: "the version conflicts with the other versions"}}}
	}
	return g, nil
}

// validateDelete returns the generation of the current one without the
// version of k, whose file is at slash path p, or a *ConflictError when
// other versions depend on it. The caller holds s.mu.
func (s *Store) validateDelete(k key, p string) (*generation, error) {
	old := s.gen
	if a := old.lib.Article(k.id); a != nil && a.Original == k.lang && len(a.Versions) > 1 {
		var others []string
		for _, l := range old.lib.Site().Languages {
			if a.Versions[l] != nil && l != k.lang {
				others = append(others, l)
			}
		}
		return nil, &ConflictError{Reason: fmt.Sprintf("%s is the original of article %q, which has translations in %s; delete them first",
			k.lang, k.id, strings.Join(others, ", "))}
	}
	g, ps := s.write(nil, []key{k}, p)
	if len(ps) > 0 {
		return nil, &ConflictError{Reason: breaks(introducedAll(old, g))}
	}
	return g, nil
}

// writable returns ErrUnavailable, wrapped with the reason, while a
// re-scan is held or when the content directory is missing: a write then
// would publish into a tree the Store does not trust. The caller holds
// s.mu.
func (s *Store) writable() error {
	if s.gen == nil {
		return fmt.Errorf("%w: the content is not loaded yet", ErrUnavailable)
	}
	if s.holding != "" {
		return fmt.Errorf("%w: %s", ErrUnavailable, s.holding)
	}
	return nil // the backend's Update says when it cannot write
}

// onDisk reports whether the file at slash path p is still the one e
// describes, in case an editor changed it since the last scan.
func (s *fileBackend) onDisk(p string, e *entry) bool {
	info, err := os.Lstat(s.osPath(p))
	return err == nil && e.hash != "" && statOf(info) == e.st
}

// Delete removes the version of article id in lang. It returns ErrNotFound
// when there is no such file, and ErrConflict when other versions depend
// on it: the original of an article with translations, or the source of a
// translation. Before Delete returns, the file is removed durably (with
// its article folder when that is left empty), and the Library, the index,
// the journal and OnChange no longer have the version.
func (s *Store) Delete(ctx context.Context, id, lang string) error {
	_, err := s.DeleteIf(ctx, id, lang, nil)
	return err
}

// DeleteIf is Delete with a precondition: check, when not nil, runs under
// the write lock with the version of article id in lang stored now (a
// draft too; nil when there is none), before anything is removed. An error
// from check is returned unchanged and nothing is removed. It returns the
// backend's Position after the deletion (a database's change-log sequence,
// what Tolk-Seq says), as Result.Position is for PutIf.
func (s *Store) DeleteIf(ctx context.Context, id, lang string, check func(cur *article.Version) error) (Position, error) {
	if s.ReadOnly() {
		return 0, ErrReadOnly
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if checkName(id, lang) != nil {
		if check != nil {
			if err := check(nil); err != nil {
				return 0, err
			}
		}
		return 0, ErrNotFound
	}
	p := versionPath(id, lang)
	k := key{id, lang}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return s.deleteBackend(ctx, k, p, check)
}

// breaks describes, naming only article ids and languages, the versions
// that have the problems ps a deletion would cause.
func breaks(ps []article.Problem) string {
	var names []string
	for _, q := range ps {
		if id, lang, ok := splitVersionPath(q.Path); ok {
			names = append(names, fmt.Sprintf("%s of article %q", lang, id))
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) == 0 {
		return "other versions depend on it"
	}
	return "other versions depend on it: " + strings.Join(names, ", ")
}

// errSymlink reports a folder on the way to a version file that is a
// symbolic link: writes never follow one.
var errSymlink = errors.New("a folder on the way is a symbolic link")

// openRoot opens the content directory as an os.Root for one write, so
// that no file outside it is ever written or removed, and checks that no
// folder between it and the folder dir (relative) is a symbolic link:
// the scans refuse those, so a write through one would publish what the
// next scan drops.
func (s *fileBackend) openRoot(dir string) (*os.Root, error) {
	root, err := os.OpenRoot(s.dir)
	if err != nil {
		return nil, fmt.Errorf("open content directory: %w: %w", ErrUnavailable, err)
	}
	for d := dir; d != "." && d != string(filepath.Separator); d = filepath.Dir(d) {
		info, err := root.Lstat(d)
		if err == nil && info.Mode()&fs.ModeSymlink != 0 {
			root.Close()
			return nil, fmt.Errorf("write into %s: %w: %w", filepath.ToSlash(d), ErrUnavailable, errSymlink)
		}
	}
	return root, nil
}

// writeFile writes data to the file at slash path rel atomically and
// durably: to a temporary file in the same folder, synced, renamed over
// the target, and the folder synced. Folders it creates are synced into
// their parents too. A crash leaves the old file or the new one, never a
// mix; the temporary file it may leave is removed by the next Open. Once
// the file is renamed into place the write has happened: failures after
// that are logged, not returned, and info is nil when the file cannot be
// looked at. Every file operation goes through an os.Root of the content
// directory: nothing outside it is written.
func (s *fileBackend) writeFile(rel string, data []byte) (fs.FileInfo, error) {
	target := filepath.FromSlash(rel)
	dir := filepath.Dir(target)
	root, err := s.openRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	s.root = root
	defer func() { s.root = nil }()
	created, err := s.makeDirs(root, dir)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			for i := len(created) - 1; i >= 0; i-- {
				root.Remove(created[i]) // only if still empty
			}
		}
	}()

	// Readers of the tree (a re-scan, a restart) see the renamed file
	// whatever happens after the rename, so nothing after it may fail the
	// write: it is published, and its outcome is success.
	switch err := s.ops.WriteFile(root, target, tempPrefix, data, 0o644); {
	case errors.Is(err, atomicfile.ErrNotDurable):
		s.log.Warn("sync folder after a write; the new file is in place", "path", rel, "err", err)
	case err != nil:
		return nil, classify("write "+rel, err)
	}
	ok = true
	info, err := root.Lstat(target)
	if err != nil {
		s.log.Warn("stat after a write; the next scan reads the file again", "path", rel, "err", err)
		return nil, nil
	}
	return info, nil
}

// makeDirs creates the folder dir (relative to root) and its missing
// parents, syncing each parent after creating a child in it, and returns
// the folders it created.
func (s *fileBackend) makeDirs(root *os.Root, dir string) ([]string, error) {
	var missing []string
	for d := dir; d != "." && d != string(filepath.Separator); d = filepath.Dir(d) {
		if _, err := root.Stat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, classify("create folder", err)
		}
		missing = append(missing, d)
	}
	var created []string
	undo := func() {
		for j := len(created) - 1; j >= 0; j-- {
			root.Remove(created[j])
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		d := missing[i]
		if err := s.ops.mkdir(d, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			undo()
			return nil, classify("create folder", err)
		}
		created = append(created, d)
		if err := atomicfile.SyncDir(root, filepath.Dir(d)); err != nil {
			undo()
			return nil, classify("sync folder", err)
		}
	}
	return created, nil
}

// removeFile removes the file at slash path rel durably, and its folder
// when that is left empty, which it reports. A file already gone is not an
// error. It goes through an os.Root of the content directory: nothing
// outside it is removed.
func (s *fileBackend) removeFile(rel string) (folderGone bool, err error) {
	target := filepath.FromSlash(rel)
	dir := filepath.Dir(target)
	root, err := s.openRoot(dir)
	if err != nil {
		return false, err
	}
	defer root.Close()
	s.root = root
	defer func() { s.root = nil }()
	if err := s.ops.remove(target); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, classify("remove "+rel, err)
	}
	// The file is gone for every reader: the delete has happened.
	if err := atomicfile.SyncDir(root, dir); err != nil {
		s.log.Warn("sync folder after a delete; the file is removed", "path", rel, "err", err)
	}
	if err := s.ops.remove(dir); err != nil {
		return false, nil // not empty: other languages, or files of people
	}
	if err := atomicfile.SyncDir(root, filepath.Dir(dir)); err != nil {
		s.log.Warn("sync articles folder", "err", err)
	}
	return true, nil
}

// classify wraps a file-system error, adding ErrNoSpace or ErrUnavailable
// when the error is one of theirs.
func classify(op string, err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return fmt.Errorf("%s: %w: %w", op, ErrNoSpace, err)
	case errors.Is(err, syscall.EROFS), errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return fmt.Errorf("%s: %w: %w", op, ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}
