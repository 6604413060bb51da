package journal

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestMirrorNumbering: a mirror takes the log's numbers, skips what it
// has, refuses a gap, and so hands out the cursors of any other mirror of
// the same log.
func TestMirrorNumbering(t *testing.T) {
	epoch := Epoch{1, 2, 3, 4, 5, 6, 7, 8}
	tests := []struct {
		name string
		// calls are Mirror(first, entries[from:to]) in turn
		calls   [][3]int
		wantLen uint64
		wantErr []error
	}{
		{"in one go", [][3]int{{1, 0, 6}}, 6, []error{nil}},
		{"in steps", [][3]int{{1, 0, 2}, {3, 2, 6}}, 6, []error{nil, nil}},
		{"overlapping", [][3]int{{1, 0, 4}, {2, 1, 6}}, 6, []error{nil, nil}},
		{"all known", [][3]int{{1, 0, 4}, {1, 0, 3}}, 4, []error{nil, nil}},
		{"gap", [][3]int{{1, 0, 2}, {4, 3, 6}}, 2, []error{nil, ErrGap}},
		{"numbered 0", [][3]int{{0, 0, 2}}, 0, []error{ErrGap}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMirror(epoch)
			for i, c := range tt.calls {
				err := m.Mirror(uint64(c[0]), entries(c[1], c[2])...)
				if !errors.Is(err, tt.wantErr[i]) {
					t.Fatalf("Mirror %d = %v, want %v", i, err, tt.wantErr[i])
				}
			}
			if m.Len() != tt.wantLen {
				t.Fatalf("Len = %d, want %d", m.Len(), tt.wantLen)
			}
			got, _ := all(t, m, "", 2)
			if diff := cmp.Diff(entries(0, int(tt.wantLen)), got); diff != "" && tt.wantLen > 0 {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMirrorCursors: two mirrors of one log hand out the same cursors and
// pages; one further behind serves a prefix of a page (an empty one for a
// cursor beyond its end) and never expires it; another epoch, Reset, and
// a malformed cursor are refused as for any journal.
func TestMirrorCursors(t *testing.T) {
	epoch := Epoch{9, 9, 9, 9, 0, 0, 0, 1}
	ahead, behind := NewMirror(epoch), NewMirror(epoch)
	if err := ahead.Mirror(1, entries(0, 10)...); err != nil {
		t.Fatal(err)
	}
	if err := behind.Mirror(1, entries(0, 4)...); err != nil {
		t.Fatal(err)
	}
	if ahead.End() == behind.End() {
		t.Fatal("End is the same at 10 and 4 entries")
	}
	p1, c1, err := ahead.Since("", 3)
	if err != nil {
		t.Fatal(err)
	}
	q1, d1, err := behind.Since("", 3)
	if err != nil || c1 != d1 || !cmp.Equal(p1, q1) {
		t.Fatalf("first pages differ: %q %v / %q %v (%v)", c1, p1, d1, q1, err)
	}
	// The next page: the one behind has one entry of the three.
	p2, c2, _ := ahead.Since(c1, 3)
	q2, d2, err := behind.Since(c1, 3)
	if err != nil || len(q2) != 1 || !cmp.Equal(p2[:1], q2) || d2 == c2 {
		t.Fatalf("page behind = %v %q (%v), want the first of %v", q2, d2, err, p2)
	}
	// A cursor of the one ahead, beyond the end of the one behind.
	q3, d3, err := behind.Since(c2, 3)
	if err != nil || len(q3) != 0 || d3 != c2 {
		t.Fatalf("Since(cursor beyond the end) = %v %q %v, want no entries and the same cursor", q3, d3, err)
	}
	// Caught up, the one behind answers as the one ahead did.
	if err := behind.Mirror(5, entries(4, 10)...); err != nil {
		t.Fatal(err)
	}
	p3, c3, _ := ahead.Since(c2, 3)
	q3, d3, err = behind.Since(c2, 3)
	if err != nil || c3 != d3 || !cmp.Equal(p3, q3) {
		t.Fatalf("caught up, pages differ: %q %v / %q %v (%v)", c3, p3, d3, q3, err)
	}

	other := NewMirror(Epoch{7})
	if err := other.Mirror(1, entries(0, 10)...); err != nil {
		t.Fatal(err)
	}
	if _, _, err := other.Since(c1, 3); !errors.Is(err, ErrCursorExpired) {
		t.Errorf("cursor of another epoch: %v, want ErrCursorExpired", err)
	}
	files := open(t, "")
	if err := files.Append(entries(0, 10)...); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ahead.Since(files.End(), 3); !errors.Is(err, ErrCursorExpired) {
		t.Errorf("a journal's cursor on a mirror: %v, want ErrCursorExpired", err)
	}
	if _, _, err := files.Since(c1, 3); !errors.Is(err, ErrCursorExpired) {
		t.Errorf("a mirror's cursor on a journal: %v, want ErrCursorExpired", err)
	}
	if _, _, err := ahead.Since(c1[:len(c1)-1]+"A", 3); !errors.Is(err, ErrBadCursor) {
		t.Errorf("a mistyped cursor: %v, want ErrBadCursor", err)
	}
	if err := ahead.Reset(Epoch{8}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ahead.Since(c1, 3); !errors.Is(err, ErrCursorExpired) {
		t.Errorf("a cursor from before Reset: %v, want ErrCursorExpired", err)
	}
	if ahead.Len() != 0 || len(ahead.State()) != 0 || ahead.Epoch() != (Epoch{8}) {
		t.Errorf("after Reset: Len %d, State %v, Epoch %v", ahead.Len(), ahead.State(), ahead.Epoch())
	}
}

// TestMirrorMethods: a mirror is written by Mirror only, a journal never
// by Mirror or Reset.
func TestMirrorMethods(t *testing.T) {
	m := NewMirror(Epoch{})
	if err := m.Append(entry(0)); !errors.Is(err, ErrMirror) {
		t.Errorf("Append to a mirror = %v, want ErrMirror", err)
	}
	if !m.IsMirror() {
		t.Error("IsMirror of a mirror is false")
	}
	j := open(t, "")
	if err := j.Mirror(1, entry(0)); !errors.Is(err, ErrMirror) {
		t.Errorf("Mirror on a journal = %v, want ErrMirror", err)
	}
	if err := j.Reset(Epoch{}); !errors.Is(err, ErrMirror) {
		t.Errorf("Reset of a journal = %v, want ErrMirror", err)
	}
	if j.IsMirror() {
		t.Error("IsMirror of a journal is true")
	}
	if err := m.Mirror(1, Entry{ID: "x", Lang: "sv", Op: "rename"}); err == nil || m.Len() != 0 {
		t.Errorf("Mirror of an invalid entry = %v, Len %d", err, m.Len())
	}
	m.Close()
	if err := m.Mirror(1, entry(0)); !errors.Is(err, ErrClosed) {
		t.Errorf("Mirror after Close = %v, want ErrClosed", err)
	}
}
