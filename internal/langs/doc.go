// Package langs decides which language a response is served in and produces
// the derived Traditional Chinese (zh-Hant) text.
//
// A [Negotiator] chooses the served language from the lang query parameter,
// the Accept-Language header or the site default, in that order, and
// [Negotiator.Resolve] applies the fallback chain when an article lacks that
// language. Matching is done by golang.org/x/text/language, and a language is
// always chosen by the index the matcher returns, never by the string of the
// tag it returns (that tag carries -u-rg- extensions). The matcher weighs
// only the header's entries for the language the reader prefers most, so it
// settles the script of Chinese but never serves a language ranked lower.
// Every language this package returns is one of the served tags, never text
// from the client. testdata/negotiate.txt is the reviewable table of cases.
//
// A [Converter] turns Simplified Chinese into Traditional Chinese with OpenCC,
// in Taiwan or Hong Kong form, and converts only the text of HTML. The
// phrase corrections of testdata/phrase-corrections.txt ([Corrections])
// replace OpenCC's choice where it is wrong for municipal text (服务对象
// stays 服務對象); search reverses them in its query conversion.
//
// The package holds no global state: construct a Negotiator and a Converter
// once and share them; both are safe for concurrent use.
package langs
