// Package load reads a Tolk content tree (site.yaml and
// articles/<id>/<lang>.md) from an fs.FS and turns it into an
// article.Library: it parses front matter, renders Markdown to sanitized
// HTML and plain text, and checks every per-file rule of the content format
// before article.Build checks the rules that span files.
//
// Its main rule: bad content is never an error. Load reports every problem
// in the tree at once, each located as path:line, and returns a Library of
// the versions that passed; the error result is only for I/O failures and a
// canceled context. Format writes a version back in the canonical form the
// write API stores, and Load → Format → Load is the identity.
package load
