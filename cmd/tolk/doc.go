// Command tolk serves Åmål municipality's articles in Swedish, English and
// Chinese over HTTP, and checks and indexes content trees.
//
// Usage:
//
//	tolk serve [flags]        serve the API (the embedded corpus by default)
//	tolk check [--content D]  validate a content tree and print its coverage
//	tolk index --index D      build the persistent search index offline
//	tolk healthcheck          probe a running server's /readyz (for containers)
//	tolk version              print the version
//
// Every flag has a TOLK_* environment fallback; run tolk <command> -h.
package main
