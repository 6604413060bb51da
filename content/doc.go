// Package content embeds Tolk's default corpus: the articles of Åmål
// municipality's international work, in the format described in README.md.
//
// Its main rule: the corpus must load with zero problems (a test in
// internal/load checks it), so the binary always starts on valid content.
package content
