// Package filestore is the file backend of the content core (a
// store.Backend): the version files of a content directory, or the
// embedded corpus, read-only.
//
// It scans the tree, watches it with fsnotify (debouncing bursts of
// events, re-scanning what they name, and the whole tree periodically
// with Options.Rescan), writes versions atomically and durably (a
// temporary file, synced and renamed, through internal/atomicfile), and
// reports every change as a store.Delta. Its main rule: a broken file on
// disk never replaces the last good version served for its path, and
// once a file is renamed into place the write has happened.
//
// The content tree is untrusted input. Symbolic links to article folders
// (or an articles folder that is one) are never followed, and writes go
// through an os.Root of the content directory, so no file outside it is
// read, written or removed. Load removes the temporary files a write
// interrupted by a crash may have left (.tolk-tmp-*).
//
// With Options.CacheDir (the index directory), the backend keeps a
// versions cache there (versions.cache): every version parsed from a good
// file, keyed by the file's path and content hash and by the program that
// parsed it, with the metadata of files and folders as of their last
// read, so that a start lists, reads and parses only what changed
// (checking the rest with one lstat a file, as Git does), and serves the
// versions' HTML and text from the mapped file rather than the heap. The
// cache is only ever a shortcut: a missing, stale or damaged cache costs
// parsing, never a failed start or a different result.
package filestore
