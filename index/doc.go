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
//
// # Failures and bounded work
//
// A failed write (a full disk: Scorch then panics in every later search
// and write), a panic inside Bleve or Bleve failing a search marks the
// index broken: Search fails with an error wrapping ErrUnavailable,
// Health says why (naming no path above the index directory), and
// Options.OnBroken is called, so that the store can Rebuild, which first
// removes the broken index to free its disk (TestFullDisk, on a 2 MiB
// tmpfs; TestSearchFailureBreaksIndex). Text is indexed with at most
// maxTermFreq (256) occurrences of a term per field (capped.go): a 1 MiB
// text repeating one word cost 1.3 s and 723 MB per search, a two-word
// phrase of it 224 s; now 0.75 ms and 0.42 MB, and 1.8 ms
// (BenchmarkRepetitive). The words past the cap are blanked before the
// text is analyzed, so a write costs what is indexed: a 1 MiB write
// repeating one word allocated 72–257 MB, now 4–12 MB
// (TestUpsertWorkBounded). A search also has a time budget
// (Options.SearchBudget, 3 s by default) past which it fails with
// ErrUnavailable.
//
// # Relevance choices (issue 16; TestRelevance prints the table)
//
//   - Chinese typed without spaces: a Han run is split into dictionary
//     words (analyzers.Segment) and each word's bigrams are required,
//     not those across word boundaries. Unspaced multi-word queries:
//     nDCG@10 0.292 → 0.986 (18 queries); Traditional 0.911 → 0.927.
//     Dropping unseen bigrams and minimum-should-match were not measured:
//     segmentation left little to gain.
//   - Typos: distance counts a transposition as one edit (optimal string
//     alignment), and typos are matched against the words of bodies as
//     written (a surface vocabulary derived from the texts), then searched
//     through their stems. Typo queries against inflected forms and
//     transpositions: en 0.546 → 0.823 (transpositions) → 0.890 (surface
//     forms), sv 0.753 → 0.842 → 0.965; the older typo rows en 0.916 →
//     0.952, sv 0.910. Chinese and digits are never fuzzed.
//   - Taiwan words with two Simplified meanings (智慧: 智慧 and 智能) or
//     that OpenCC does not write (公車, 幼稚園): a Traditional query is
//     also searched in analyzers.AlternativeSimplified's form. Taiwan
//     phrasing: 0.700 → 0.992 (10 queries); no other row moved.
//   - With more than one language, a tag counts articles, as Total does.
//     Suggestions across languages list an article once; Chinese titles
//     are suggested by their pinyin (dun → 敦煌).
//
// # Speed of a search
//
// A search builds Bleve's scoring searchers only for the languages it
// shows. Every other language is still counted, for facets.lang, by a
// countOnly query (langcount.go): it evaluates that language's query as
// bitmaps of its terms' postings on the snapshot Bleve searches and gives
// Bleve a searcher that matches nothing with the weight and count the
// real one would have had, so scores and counts are exactly those of the
// whole query (TestCountOnlyMatchesWholeQuery). The locations snippets
// mark are read from the postings of the shown hits only (locate.go;
// TestLocateMatchesBleve), and query words' analyses are remembered
// across searches (analysisCache). On the relevance corpus (189 versions)
// a distinct-query search's p50 went from 161 / 166 / 129 µs (sv, en, zh)
// to 107 / 95 / 74 µs on a loaded two-core machine, against 16–21 / 16–18
// / 60–122 µs for a bare Bleve match query in the same runs
// (BenchmarkDistinctQueries, BenchmarkBareBleve; docs/performance.md).
package index
