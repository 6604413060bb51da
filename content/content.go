// Package content embeds Tolk's default corpus: the articles of Åmål
// municipality's international work, in the format described in README.md.
package content

import "embed"

// FS holds site.yaml and the articles/ tree. It is what the server reads when
// no --content directory is given.
//
//go:embed site.yaml articles
var FS embed.FS
