// Package langs decides which language a response is served in and produces
// the derived Traditional Chinese (zh-Hant) text.
//
// A [Negotiator] chooses the served language from the lang query parameter,
// the Accept-Language header or the site default, in that order, and
// [Negotiator.Resolve] applies the fallback chain when an article lacks that
// language. Matching is done by golang.org/x/text/language, and a language is
// always chosen by the index the matcher returns, never by the string of the
// tag it returns (that tag carries -u-rg- extensions). Every language this
// package returns is one of the served tags, never text from the client.
//
// A [Converter] turns Simplified Chinese into Traditional Chinese with OpenCC,
// in Taiwan or Hong Kong form, and converts only the text of HTML.
//
// The package holds no global state: construct a Negotiator and a Converter
// once and share them; both are safe for concurrent use.
package langs
