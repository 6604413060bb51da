// Package store owns Tolk's live content: it loads the content tree into an
// article.Library, keeps the search index and the change journal in step
// with it, writes versions for the write API, and watches the content
// directory for editors' changes.
//
// Its main rule: every change, whether written through Put and Delete or
// made on disk, becomes a new immutable generation (a Library and the index
// updated to match) that is published through Options.OnChange before the
// change is acknowledged. Files are the source of truth: a write reaches
// the disk atomically and durably before anything else sees it, a broken
// file on disk never replaces the last good version served for its path,
// and a failure to update the index is repaired by a rebuild rather than
// by losing the write.
package store
