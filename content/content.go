package content

import "embed"

// FS holds site.yaml and the articles/ tree. It is what the server reads when
// no --content directory is given.
//
//go:embed site.yaml articles
var FS embed.FS
