package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

const signaturePrefix = "sha256="

// Sign returns the X-Tolk-Signature value for body: "sha256=" followed by the
// lowercase hex HMAC-SHA256 of the exact body bytes, keyed with secret.
func Sign(secret string, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(secret, body))
}

// Verify reports whether header is a valid X-Tolk-Signature of body under
// secret. The comparison takes constant time; hex digits may be in either
// case.
func Verify(secret string, body []byte, header string) bool {
	hexSum, ok := strings.CutPrefix(header, signaturePrefix)
	if !ok {
		return false
	}
	sum, err := hex.DecodeString(hexSum)
	if err != nil {
		return false
	}
	return hmac.Equal(sum, mac(secret, body))
}

func mac(secret string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write(body)
	return h.Sum(nil)
}
