// Package atomicfile replaces files atomically and durably: the new bytes
// go to a temporary file in the target's folder, which is synced, renamed
// over the target, and the folder synced. A crash leaves the old file or
// the new one, never a mix; at worst a temporary file, whose name starts
// with the prefix the caller chose, is left for the caller to remove.
//
// Every call works in an os.Root, so that nothing outside it is ever
// written, renamed or removed. The file-system calls that fail in
// practice (creating the temporary file, writing it, renaming it) are
// Ops, which tests replace to simulate a full disk or a read-only
// directory.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// ErrNotDurable wraps the error of syncing the folder after the rename: the
// new file is in place, and every reader sees it, but a crash of the
// machine may still bring the old one back. Callers for which the rename
// is the write (a file other programs read) take it for success.
var ErrNotDurable = errors.New("replaced, but the folder was not synced")

// Ops are the file-system calls of a write, in root; names are relative
// to it.
type Ops struct {
	// CreateTemp creates and opens a new file in the folder dir whose
	// name starts with prefix, readable and writable by its owner only.
	CreateTemp func(root *os.Root, dir, prefix string) (*os.File, error)
	// Write writes b to f.
	Write func(f *os.File, b []byte) (int, error)
	// Rename renames oldname to newname, replacing it.
	Rename func(root *os.Root, oldname, newname string) error
}

// DefaultOps returns the Ops of the operating system.
func DefaultOps() Ops {
	return Ops{CreateTemp: createTemp, Write: (*os.File).Write, Rename: (*os.Root).Rename}
}

// createTemp is os.CreateTemp in root.
func createTemp(root *os.Root, dir, prefix string) (*os.File, error) {
	for range 100 {
		name := filepath.Join(dir, prefix+strconv.FormatUint(rand.Uint64(), 36))
		f, err := root.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, fmt.Errorf("create temporary file in %s: %w", dir, fs.ErrExist)
}

// File is a temporary file that replaces its target on Commit. Write to it
// through its Write method (which goes through Ops.Write), or through the
// *os.File for what Ops need not see, such as WriteAt.
type File struct {
	*os.File
	ops       Ops
	root      *os.Root
	tmp, name string // relative to root
	perm      fs.FileMode
	closed    bool
	done      bool // committed or aborted
}

// Create starts the replacement of the file name of root (relative, in
// the operating system's syntax) by a temporary file in its folder named
// prefix and a random suffix. The new file gets the mode of the file it
// replaces, or perm when there is none. The caller must Commit or Abort.
func (o Ops) Create(root *os.Root, name, prefix string, perm fs.FileMode) (*File, error) {
	dir := filepath.Dir(name)
	f, err := o.CreateTemp(root, dir, prefix)
	if err != nil {
		return nil, fmt.Errorf("create temporary file: %w", err)
	}
	if st, err := root.Stat(name); err == nil {
		perm = st.Mode().Perm()
	}
	return &File{File: f, ops: o, root: root, tmp: filepath.Join(dir, filepath.Base(f.Name())), name: name, perm: perm}, nil
}

// Write writes b to the temporary file through Ops.Write.
func (f *File) Write(b []byte) (int, error) { return f.ops.Write(f.File, b) }

// Commit gives the temporary file its mode, syncs and closes it, renames
// it over the target and syncs the folder. An error before the rename
// leaves the target as it was and removes the temporary file; an error
// of the folder's sync after it wraps ErrNotDurable. File systems that
// cannot sync a folder (EINVAL) are taken at their word.
func (f *File) Commit() error {
	if f.done {
		return errors.New("atomicfile: commit of a finished file")
	}
	f.done = true
	err := f.File.Chmod(f.perm)
	if err == nil {
		err = f.File.Sync()
	}
	f.closed = true
	if cerr := f.File.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = f.ops.Rename(f.root, f.tmp, f.name)
	}
	if err != nil {
		f.root.Remove(f.tmp)
		return fmt.Errorf("replace %s: %w", filepath.ToSlash(f.name), err)
	}
	if err := SyncDir(f.root, filepath.Dir(f.name)); err != nil {
		return fmt.Errorf("replace %s: %w: %w", filepath.ToSlash(f.name), ErrNotDurable, err)
	}
	return nil
}

// Abort closes and removes the temporary file, leaving the target as it
// was. It does nothing after Commit, so that a deferred Abort is safe.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	if !f.closed {
		f.File.Close()
	}
	f.root.Remove(f.tmp)
}

// WriteFile replaces the file name of root with data: Create, Write and
// Commit.
func (o Ops) WriteFile(root *os.Root, name, prefix string, data []byte, perm fs.FileMode) error {
	f, err := o.Create(root, name, prefix, perm)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", filepath.ToSlash(name), err)
	}
	return f.Commit()
}

// WriteFile replaces the file at path with data, with the operating
// system's Ops, in an os.Root of path's folder.
func WriteFile(path, prefix string, data []byte, perm fs.FileMode) error {
	root, err := os.OpenRoot(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer root.Close()
	return DefaultOps().WriteFile(root, filepath.Base(path), prefix, data, perm)
}

// SyncDir makes the entries of the folder dir of root durable. File
// systems that cannot sync a folder (EINVAL) are taken at their word.
func SyncDir(root *os.Root, dir string) error {
	d, err := root.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, syscall.EINVAL) {
		return nil
	}
	return err
}
