package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

const signaturePrefix = "sha256="

// Sign returns the X-Tolk-Signature value for body: "sha256=" followed by the
// lowercase hex HMAC-SHA256 of the exact body bytes, keyed with secret.
// Receivers verify it with the snippets of docs/api.md ("Verify the
// signature"), which this package's tests run against real deliveries.
func Sign(secret string, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(secret, body))
}

func mac(secret string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write(body)
	return h.Sum(nil)
}
