// Package analyzers provides the language analysis of Tolk's search: Bleve
// tokenizers, token filters and analyzers for Swedish, English and Chinese
// (characters and pinyin), and the pure helpers FoldSwedish, ToSimplified
// and IsHan that query parsing shares with them.
//
// The main rule: every token keeps the byte offsets of the text it came
// from, so highlights stay right in å/ä/ö and Chinese text. Normalisation
// (lemmas, stems, folding, NFKC, Traditional to Simplified) changes only
// token terms, never the text, so none of it is done by char filters;
// compound parts are extra tokens with the offsets and position of the whole
// word. Bleve's asciifolding char filter and dict_compound filter are not
// used because they break offsets.
//
// # Use
//
// Call AddTo on an index mapping; it calls Register, which adds Tolk's
// tokenizers and token filters to Bleve's process-global registry once. An
// index whose stored mapping names these analyzers can be opened only after
// Register. Store Version in the index and rebuild when it changes.
//
// # Swedish
//
// Swedish and SwedishFolded lemmatise with a word list derived from
// Debian's hunspell-sv (LGPL-3; data/NOTICE): a word is looked up as a
// lemma, or as a lemma plus one of hunspell's suffix rules, which covers
// definite and plural forms (skolan, skolorna → skola; biblioteket →
// bibliotek; kommunerna → kommun). The lemma is then stemmed with Snowball
// Swedish, so words the list does not know are still stemmed, and proper
// nouns (Vänern, Åmål) are kept as they are. Compounds are split by dynamic
// programming into the fewest known parts of at least three letters: every
// part but the last must be a form hunspell allows at the start or middle
// of a compound, with its linking letter (avfalls-, förskole-, skol-), and
// the last a form of a word allowed at the end of one; when that finds
// nothing, the generic linking forms of nouns are tried too (vårdnads-,
// förskol-, gatu-), on words the list knows only from ten letters up. The whole word's stem
// comes first, then the stems of its parts at the same position, so
// teknologi finds välfärdsteknologi and phrases still match. Words the list
// knows are split only from eight letters up, so short words are not cut
// into accidental parts.
//
// Each Swedish filter remembers the analysis of up to 32,768 words, since
// lookups cost far more than a map hit and a site's texts share most of
// their words; the cache never changes a result.
//
// SwedishFolded folds å, ä, ö, é … before the lookup, in a dictionary whose
// keys are folded the same way, so förskolan and forskolan give the same
// terms; it is meant for a lower-weighted copy of Swedish fields.
// SwedishQuery and SwedishFoldedQuery are the same without compound parts,
// for query text: the parts are in the index already, and a query's own
// parts would make an AND query demand parts the text may have split
// differently.
//
// # English
//
// English is Bleve's possessive filter, lowercase, English stop words,
// accent folding and Porter2 (Snowball English).
//
// # Chinese
//
// Chinese uses its own tokenizer: each Han character (and kana) is a
// unigram and, with the character before it, a bigram, so one-character
// queries work; runs of letters and digits are single lowercased tokens.
// Terms are NFKC-normalised (２０２４ is 2024, ＡＢＣ is abc) and
// converted from Traditional to Simplified Chinese character by character
// with OpenCC's t2s character table, so 圖書館 and 图书馆 index alike.
// Conversion by character rather than by phrase keeps a character's term
// independent of its neighbours, hence the same in queries and text.
// Queries go through ToSimplified, which also converts Taiwan and Hong
// Kong phrases to their Simplified words first (軟體 → 软件, 透過 → 通过),
// from a table generated with t2s_gen.go out of OpenCC's tw2sp and hk2s
// dictionaries and Tolk's phrase corrections (internal/langs), so a
// zh-Hant reader's words find the zh-Hans text they were converted from. Never
// use fuzzy queries on Chinese fields: Bleve counts edit distance in bytes.
//
// Dictionary segmentation (github.com/go-ego/gse) was measured and is not
// used in the index: see README.md. Segment splits query text into words
// (德佩尔学校交流 → 德佩尔, 学校, 交流) with jieba's method over a compact
// table generated from jieba's dictionary (Expat; data/NOTICE-jieba), so a
// query can require each word's bigrams rather than every bigram.
//
// # Pinyin
//
// Pinyin spells Chinese characters in toneless pinyin from go-pinyin's
// dictionary (Traditional characters as their Simplified forms): a token
// per reading of each character and, at each character's position, the
// joined spellings of it and the next one to three characters (敦煌 → dun,
// dunhuang, huang). Polyphonic characters keep their two most common
// readings, so 重庆 gives chongqing as well as zhongqing, at the price of
// some spellings nobody types (duihuang). It is meant for titles.
//
// # Plain
//
// Plain lowercases and folds and converts to Simplified Chinese, without
// stemming: for title suggestions and prefix queries.
package analyzers

//go:generate go test -run TestGenerateSwedishDictionary -svdict=/usr/share/hunspell
