// Package journal is Tolk's durable, ordered change journal: the record of
// every upsert and delete of an article version, read by the change feed
// (GET /v1/changes) through opaque cursors.
//
// The journal is one append-only file of JSON lines, journal.jsonl, whose
// first line names an epoch: a random id created with the file. Cursors carry
// the epoch, so a cursor outlives restarts of the server but not the loss or
// replacement of the file: a cursor of another epoch is [ErrCursorExpired],
// and the client resyncs from the beginning instead of silently missing
// changes.
//
// The main rule: an entry is durable (written and fsynced) before Append
// returns, and readers never see an entry that is not. Open always starts the
// server if the directory is writable: a torn last line left by a crash is
// truncated away, and a file damaged anywhere else is moved aside as
// journal.corrupt-<time> and replaced by a new, empty epoch.
//
// A mirror (NewMirror) is a journal in memory that follows a change log
// kept elsewhere, a database's: it takes the log's epoch and numbers
// (Mirror, Reset) instead of its own, so that every process mirroring the
// log hands out the same cursors.
//
// All entries stay in memory (about 200 bytes each), so the journal grows
// without bound; compaction (rewriting the file as one upsert per live
// version under a new epoch) is not implemented.
package journal
