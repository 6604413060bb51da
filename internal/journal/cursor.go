package journal

import (
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
)

// A cursor is base64url (unpadded) of 21 bytes: a format byte, the 8-byte
// epoch, the big-endian sequence number of the last entry read, and a CRC-32
// of those 17 bytes, so that a mistyped or invented string is ErrBadCursor
// rather than a position. The checksum is not a secret: a client that forges
// a cursor only reads entries it could read anyway.
const (
	epochLen      = 8
	cursorFormat  = 1
	cursorBytes   = 1 + epochLen + 8 + 4
	cursorChars   = (cursorBytes*8 + 5) / 6
	checksumStart = cursorBytes - 4
)

// Epoch identifies one journal, or the change log a mirror follows: a
// cursor of another epoch is ErrCursorExpired.
type Epoch [epochLen]byte

type cursorValue struct {
	epoch Epoch
	seq   uint64 // sequence number of the last entry read; 0 before the first
}

func encodeCursor(c cursorValue) string {
	var b [cursorBytes]byte
	b[0] = cursorFormat
	copy(b[1:], c.epoch[:])
	binary.BigEndian.PutUint64(b[1+epochLen:], c.seq)
	binary.BigEndian.PutUint32(b[checksumStart:], crc32.ChecksumIEEE(b[:checksumStart]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// decodeCursor accepts exactly the strings encodeCursor produces.
func decodeCursor(s string) (cursorValue, error) {
	var c cursorValue
	if len(s) != cursorChars {
		return c, ErrBadCursor
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != cursorBytes || b[0] != cursorFormat ||
		binary.BigEndian.Uint32(b[checksumStart:]) != crc32.ChecksumIEEE(b[:checksumStart]) {
		return c, ErrBadCursor
	}
	copy(c.epoch[:], b[1:])
	c.seq = binary.BigEndian.Uint64(b[1+epochLen:])
	return c, nil
}
