package journal

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzSince checks that any string given as a cursor yields either a
// contiguous page of the journal and a cursor that continues it, or exactly
// one of the two cursor errors.
func FuzzSince(f *testing.F) {
	const n, limit = 10, 3
	j, err := Open("")
	if err != nil {
		f.Fatal(err)
	}
	want := entries(0, n)
	if err := j.Append(want...); err != nil {
		f.Fatal(err)
	}
	other, _ := Open("")
	for seq := range uint64(n + 2) {
		f.Add(encodeCursor(cursorValue{epoch: j.epoch, seq: seq}))
	}
	f.Add(encodeCursor(cursorValue{epoch: other.epoch}))
	for _, s := range []string{"", "=", "AAAA", "hello world", "\n", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cursor string) {
		es, next, err := j.Since(cursor, limit)
		decoded, derr := decodeCursor(cursor)
		if err != nil {
			if es != nil || next != "" {
				t.Errorf("Since(%q) returned %d entries and next %q with error %v", cursor, len(es), next, err)
			}
			switch {
			case errors.Is(err, ErrBadCursor):
				if derr == nil {
					t.Errorf("Since(%q) = ErrBadCursor for a decodable cursor", cursor)
				}
			case errors.Is(err, ErrCursorExpired):
				if derr != nil || (decoded.epoch == j.epoch && decoded.seq <= n) {
					t.Errorf("Since(%q) = ErrCursorExpired for %+v (decode error %v)", cursor, decoded, derr)
				}
			default:
				t.Errorf("Since(%q) error %v, want ErrBadCursor or ErrCursorExpired", cursor, err)
			}
			return
		}
		if cursor != "" && (derr != nil || encodeCursor(decoded) != cursor) {
			t.Fatalf("Since accepted %q, which is not a canonical cursor", cursor)
		}
		end, err := decodeCursor(next)
		if err != nil || end.epoch != j.epoch {
			t.Fatalf("Since(%q) returned next %q, not a cursor of this journal (%v)", cursor, next, err)
		}
		if len(es) > limit || end.seq < uint64(len(es)) || end.seq > n {
			t.Fatalf("Since(%q) returned %d entries ending at %d", cursor, len(es), end.seq)
		}
		start := end.seq - uint64(len(es))
		if cursor != "" && start != decoded.seq {
			t.Errorf("Since(%q) started at %d, want %d", cursor, start, decoded.seq)
		}
		if diff := cmp.Diff(want[start:end.seq], es); diff != "" {
			t.Errorf("Since(%q) (-want +got):\n%s", cursor, diff)
		}
		if _, _, err := j.Since(next, limit); err != nil {
			t.Errorf("Since(next %q) = %v", next, err)
		}
	})
}

// FuzzParseRecordFast checks that the fast path of reading a journal line
// accepts only what encoding/json reads, and reads it the same way, and
// that it accepts every line Append writes without escapes.
func FuzzParseRecordFast(f *testing.F) {
	for i := range 10 {
		e := entry(i)
		line, err := json.Marshal(record{Seq: uint64(i + 1), ID: e.ID, Lang: e.Lang, Op: e.Op, At: e.At, Slug: e.Slug, Hash: e.Hash})
		if err != nil {
			f.Fatal(err)
		}
		if _, ok := parseRecordFast(append(line, '\n')); !ok {
			f.Fatalf("fast path refuses %s, as Append writes it", line)
		}
		f.Add(string(line) + "\n")
	}
	for _, s := range []string{
		`{"seq":01,"id":"a","lang":"sv","op":"upsert","at":"2026-11-29T21:37:56Z","slug":"s"}` + "\n",
		`{"seq":1,"id":"a\u00e5","lang":"sv","op":"upsert","at":"2026-11-29T21:37:56Z","slug":"s"}` + "\n",
		`{"seq":1,"id":"a","lang":"sv","op":"upsert","at":"2026-11-29T21:37:56,5Z","slug":"s"}` + "\n",
		`{"seq":1,"id":"a","lang":"sv","op":"upsert","at":"2026-11-29T21:37:56+01:00","slug":"s","hash":""}` + "\n",
		`{"seq":1,"id":"a","lang":"sv","op":"delete","at":"2026-11-29T21:37:56Z","slug":"s"}`,
		`{"seq":1,"id":"a","lang":"sv","op":"upsert","at":"2026-11-29T21:37:56Z","slug":"s","hash":"h","previous_slug":"o"}` + "\n",
		`{"seq":1,"id":"a","lang":"sv","op":"upsert","at":"2026-11-29T21:37:56Z","slug":"s","previous_slug":"o"}` + "\n",
		`{"seq":1,"id":"a","lang":"sv","op":"upsert","at":"2026-11-29T21:37:56Z","slug":"s","previous_slug":""}` + "\n",
		`{"seq":1,"id":"a","lang":"sv","op":"upsert","at":"2026-11-29T21:37:56Z","slug":"s","hash":"h","previous_slug":"o","url":"https://x.se/sv/s","previous_url":"https://x.se/sv/o","silent":true}` + "\n",
		`{"seq":1,"id":"a","lang":"sv","op":"delete","at":"2026-11-29T21:37:56Z","slug":"s","url":"u","previous_url":"u"}` + "\n",
		`{"seq":1,"id":"a","lang":"sv","op":"upsert","at":"2026-11-29T21:37:56Z","slug":"s","silent":false}` + "\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		fast, ok := parseRecordFast([]byte(line))
		if !ok {
			return
		}
		var slow record
		if err := json.Unmarshal([]byte(line), &slow); err != nil {
			t.Fatalf("fast path accepted %q, which encoding/json refuses: %v", line, err)
		}
		if diff := cmp.Diff(slow, fast); diff != "" {
			t.Fatalf("fast path read %q differently (-json +fast):\n%s", line, diff)
		}
	})
}
