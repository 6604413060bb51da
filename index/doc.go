// Package index is Tolk's full-text search: the Bleve mapping and analyzers
// per language, building, persisting, reopening and atomically swapping the
// index, parsing what users type, searching with facets and snippets, and
// as-you-type title suggestions.
//
// It is the only package that imports Bleve; callers pass
// *article.Version values in and get plain Go types back. A user's query is
// never handed to Bleve's query-string syntax: ParseQuery reads words,
// "quoted phrases" and -excluded words, and every Bleve query is built from
// those programmatically, with the analyzer named explicitly on each one so
// that index and query time always agree.
//
// Beside a persisted index, Open keeps a tables file (tables.go) holding
// the suggestion table and the vocabulary, so that reopening an unchanged
// index reads them instead of deriving them again; the file is a cache,
// ignored and rewritten whenever it is missing, damaged or stale.
package index
