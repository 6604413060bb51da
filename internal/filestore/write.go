package filestore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/amal-kommun/tolk/internal/atomicfile"
	"github.com/amal-kommun/tolk/internal/store"
)

// fileOps are the file-system calls of writes, replaceable in tests to
// simulate a full disk or a read-only directory: those of the atomic
// replacement of a file, and removing and creating folders. Names are
// relative to the content directory, and the calls go through the os.Root
// of the write under way (Backend.root).
type fileOps struct {
	atomicfile.Ops
	remove func(name string) error
	mkdir  func(name string, perm os.FileMode) error
}

// rootFileOps returns the fileOps of s, which act in s.root.
func (s *Backend) rootFileOps() fileOps {
	return fileOps{
		Ops:    atomicfile.DefaultOps(),
		remove: func(name string) error { return s.root.Remove(name) },
		mkdir:  func(name string, perm os.FileMode) error { return s.root.Mkdir(name, perm) },
	}
}

// onDisk reports whether the file at slash path p is still the one e
// describes, in case an editor changed it since the last scan.
func (s *Backend) onDisk(p string, e *entry) bool {
	info, err := os.Lstat(s.osPath(p))
	return err == nil && e.hash != "" && statOf(info) == e.st
}

// errSymlink reports a folder on the way to a version file that is a
// symbolic link: writes never follow one.
var errSymlink = errors.New("a folder on the way is a symbolic link")

// openRoot opens the content directory as an os.Root for one write, so
// that no file outside it is ever written or removed, and checks that no
// folder between it and the folder dir (relative) is a symbolic link:
// the scans refuse those, so a write through one would publish what the
// next scan drops.
func (s *Backend) openRoot(dir string) (*os.Root, error) {
	root, err := os.OpenRoot(s.dir)
	if err != nil {
		return nil, fmt.Errorf("open content directory: %w: %w", store.ErrUnavailable, err)
	}
	for d := dir; d != "." && d != string(filepath.Separator); d = filepath.Dir(d) {
		info, err := root.Lstat(d)
		if err == nil && info.Mode()&fs.ModeSymlink != 0 {
			root.Close()
			return nil, fmt.Errorf("write into %s: %w: %w", filepath.ToSlash(d), store.ErrUnavailable, errSymlink)
		}
	}
	return root, nil
}

// writeFile writes data to the file at slash path rel atomically and
// durably: to a temporary file in the same folder, synced, renamed over
// the target, and the folder synced. Folders it creates are synced into
// their parents too. A crash leaves the old file or the new one, never a
// mix; the temporary file it may leave is removed by the next Load. Once
// the file is renamed into place the write has happened: failures after
// that are logged, not returned, and info is nil when the file cannot be
// looked at. Every file operation goes through an os.Root of the content
// directory: nothing outside it is written.
func (s *Backend) writeFile(rel string, data []byte) (fs.FileInfo, error) {
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
func (s *Backend) makeDirs(root *os.Root, dir string) ([]string, error) {
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
func (s *Backend) removeFile(rel string) (folderGone bool, err error) {
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
		return fmt.Errorf("%s: %w: %w", op, store.ErrNoSpace, err)
	case errors.Is(err, syscall.EROFS), errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return fmt.Errorf("%s: %w: %w", op, store.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}
