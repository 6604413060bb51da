// Package store owns Tolk's live content: it loads the content into an
// article.Library, keeps the search index and the change journal in step
// with it, writes versions for the write API, and follows the changes made
// elsewhere (editors' edits of the content directory, other replicas'
// writes to a database).
//
// It is the content core over a Backend, where the content lives: the
// built-in file backend (a content directory, or the embedded corpus), or
// one given as Options.Backend (PostgreSQL, package pgstore). The core owns
// the generations, the validation of a change against the current one
// (inside the backend's write serialization, after catching up with what
// the backend is ahead), the commit (index, then journal and webhooks,
// then publishing), the hold on changes that look like mistakes and the
// index's health; a backend loads, persists and reports changes. A write
// costs what it changes: a generation is the previous one with the change
// applied (article.Library.Apply), sharing everything else.
//
// Its main rule: every change, whether written through Put and Delete or
// made on disk, becomes a new immutable generation (a Library and the index
// updated to match) that is published through Options.OnChange before the
// change is acknowledged. Files are the source of truth: a write reaches
// the disk atomically and durably before anything else sees it, a broken
// file on disk never replaces the last good version served for its path,
// and a failure to update the index is repaired by a rebuild rather than
// by losing the write. Once a file is renamed into place the write has
// happened and answers success, whatever the index, the journal or the
// versions cache then do: their failures (a full disk, a panic inside the
// index) are logged and repaired in the background. The index may also
// break where the Store does not look (a search in which Bleve panics):
// the Store checks its health every few seconds and rebuilds it then too.
//
// Readers take the current Generation (Current) with one atomic load;
// New returns a Store that serves nothing until Load, so that a server can
// hold it, and answer that it is starting, while the content loads.
//
// The content tree is untrusted input. Symbolic links to article folders
// (or an articles folder that is one) are never followed, and writes go
// through an os.Root of the content directory, so no file outside it is
// read, written or removed. A re-scan that would delete more than
// Options.MaxDeleteShare of the corpus at once, or that finds the content
// directory gone, is held: the last good generation stays served, nothing
// is journaled or sent, writes answer ErrUnavailable and Problems says why
// until the tree looks sane again or the Store is opened anew.
//
// With an index directory, the Store keeps a versions cache there
// (versions.cache): every version parsed from a good file, keyed by the
// file's path and content hash and by the program that parsed it, with the
// metadata of files and folders as of their last read, so that a start
// lists, reads and parses only what changed (checking the rest with one
// lstat a file, as Git does), and serves the versions' HTML and text from
// the mapped file rather than the heap. The cache is only ever a shortcut:
// a missing, stale or damaged cache costs parsing, never a failed start or
// a different result.
package store
