// Package store owns Tolk's live content: it loads the content into an
// article.Library, keeps the search index and the change journal in step
// with it, writes versions for the write API, and follows the changes made
// elsewhere (editors' edits of the content directory, other replicas'
// writes to a database).
//
// It is the content core over a Backend, where the content lives, given
// as Options.Backend: the files of a content directory or the embedded
// corpus (package filestore), or PostgreSQL (package pgstore). It knows
// nothing about files or SQL. The core owns
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
// change is acknowledged. The backend is the source of truth: a write is
// persisted atomically and durably (Backend.Update) before anything else
// sees it, and a failure to update the index is repaired by a rebuild
// rather than by losing the write. Once the backend has the change the
// write has happened and answers success, whatever the index or the
// journal then do: their failures (a full disk, a panic inside the index)
// are logged and repaired in the background. The index may also
// break where the Store does not look (a search in which Bleve panics):
// the Store checks its health every few seconds and rebuilds it then too.
//
// Readers take the current Generation (Current) with one atomic load;
// New returns a Store that serves nothing until Load, so that a server can
// hold it, and answer that it is starting, while the content loads.
//
// A backend's changes made elsewhere that look like mistakes are held: a
// change that would delete more than Options.MaxDeleteShare of the corpus
// at once, or a backend reporting Delta.Trouble (the content directory
// gone), keeps the last good generation served, nothing is journaled or
// sent, writes answer ErrUnavailable and Problems says why until the
// backend looks sane again or the Store is opened anew.
package store
