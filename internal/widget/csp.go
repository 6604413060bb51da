package widget

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// StyleHashes returns the Content-Security-Policy sources ('sha256-…')
// that allow the demo page's own <style> element and the one widget.js
// puts in its shadow root, so a page with a strict style-src (no
// 'unsafe-inline') still shows both. They are computed from the embedded
// files, so they cannot drift from them.
func StyleHashes() []string {
	var out []string
	if s, ok := between(pageHTML, "<style>", "</style>"); ok {
		out = append(out, cspHash(s))
	}
	if s, ok := between(script, "const STYLE = `", "`"); ok {
		out = append(out, cspHash(s))
	}
	return out
}

// between returns the text of s after the first start and before the next
// end.
func between(s, start, end string) (string, bool) {
	i := strings.Index(s, start)
	if i < 0 {
		return "", false
	}
	s = s[i+len(start):]
	j := strings.Index(s, end)
	if j < 0 {
		return "", false
	}
	return s[:j], true
}

func cspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}
