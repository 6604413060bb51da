// Package httpapi serves Tolk's HTTP API: the one package that imports Gin.
//
// Every route is in routes.go. Handlers return an error; one function,
// writeError, turns errors into RFC 9457 problem responses, so a handler
// never writes an error body itself and a 500 never carries internal text.
// Successful representations are serialized once, hashed into a strong ETag
// and cached per content generation, so a cached article request does not
// marshal JSON.
package httpapi
