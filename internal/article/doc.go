// Package article holds Tolk's content model: articles, their language
// versions with the one table of their front-matter fields (Fields), the
// site configuration with its languages as data (their analyzers and
// directions), and the Library, an immutable in-memory collection with
// look-ups by id, slug and tag.
//
// A Library is never modified after Build returns; a change to the content
// builds a new Library, so any number of goroutines may read one without
// locking.
package article
