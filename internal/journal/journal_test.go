package journal

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// entry returns the i-th entry of a synthetic history.
func entry(i int) Entry {
	e := Entry{ID: fmt.Sprintf("a%d", i%7), Lang: []string{"sv", "en", "zh-Hans"}[i%3], Op: Upsert,
		At: t0.Add(time.Duration(i) * time.Second), Slug: fmt.Sprintf("slug-%d", i), Hash: fmt.Sprintf("h%d", i)}
	if i%5 == 4 {
		e.Op, e.Hash = Delete, ""
	}
	return e
}

func entries(from, to int) []Entry {
	var es []Entry
	for i := from; i < to; i++ {
		es = append(es, entry(i))
	}
	return es
}

func open(t testing.TB, dir string) *Journal {
	t.Helper()
	j, err := Open(dir)
	if err != nil {
		t.Fatalf("Open(%q): %v", dir, err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// all reads the journal from cursor to its end in pages of limit.
func all(t testing.TB, j *Journal, cursor string, limit int) ([]Entry, string) {
	t.Helper()
	got := []Entry{}
	for {
		es, next, err := j.Since(cursor, limit)
		if err != nil {
			t.Fatalf("Since(%q, %d): %v", cursor, limit, err)
		}
		if len(es) > limit {
			t.Fatalf("Since(_, %d) returned %d entries", limit, len(es))
		}
		got = append(got, es...)
		if len(es) == 0 {
			if next != cursor && cursor != "" {
				t.Fatalf("Since(%q) with nothing new returned next %q", cursor, next)
			}
			return got, next
		}
		cursor = next
	}
}

func TestSincePaging(t *testing.T) {
	for _, dir := range []string{"memory", "file"} {
		d := ""
		if dir == "file" {
			d = t.TempDir()
		}
		j := open(t, d)
		want := entries(0, 23)
		for i := 0; i < len(want); i += 4 { // batches of up to 4
			if err := j.Append(want[i:min(i+4, len(want))]...); err != nil {
				t.Fatal(err)
			}
		}
		for _, limit := range []int{1, 3, 22, 23, 24, 1000} {
			t.Run(fmt.Sprintf("%s/limit=%d", dir, limit), func(t *testing.T) {
				got, next := all(t, j, "", limit)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("entries (-want +got):\n%s", diff)
				}
				es, again, err := j.Since(next, limit)
				if err != nil || len(es) != 0 || again != next {
					t.Errorf("Since(end) = %d entries, %q, %v; want none, %q, nil", len(es), again, err, next)
				}
			})
		}
	}
}

func TestSinceEmptyAndLimit(t *testing.T) {
	j := open(t, t.TempDir())
	es, next, err := j.Since("", 10)
	if err != nil || es == nil || len(es) != 0 || next == "" {
		t.Fatalf("Since(\"\") on an empty journal = %v, %q, %v; want [], a cursor, nil", es, next, err)
	}
	if err := j.Append(entries(0, 3)...); err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{0, -1} {
		es, got, err := j.Since(next, limit)
		if err != nil || len(es) != 0 || got != next {
			t.Errorf("Since(c, %d) = %d entries, %q, %v; want none, the same cursor", limit, len(es), got, err)
		}
	}
	es, _, err = j.Since(next, 10)
	if diff := cmp.Diff(entries(0, 3), es); err != nil || diff != "" {
		t.Errorf("Since(start of empty journal) err %v, (-want +got):\n%s", err, diff)
	}
}

func TestReopenKeepsCursors(t *testing.T) {
	dir := t.TempDir()
	j := open(t, dir)
	if err := j.Append(entries(0, 10)...); err != nil {
		t.Fatal(err)
	}
	_, mid, err := j.Since("", 6)
	if err != nil {
		t.Fatal(err)
	}
	wantState := j.State()
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	j = open(t, dir)
	if r := j.Recovered(); r != (Recovery{}) {
		t.Errorf("Recovered() = %+v after a clean close", r)
	}
	if diff := cmp.Diff(wantState, j.State()); diff != "" {
		t.Errorf("State after reopen (-want +got):\n%s", diff)
	}
	got, _ := all(t, j, mid, 3)
	if diff := cmp.Diff(entries(6, 10), got); diff != "" {
		t.Errorf("Since(cursor of the previous process) (-want +got):\n%s", diff)
	}
	if err := j.Append(entries(10, 12)...); err != nil {
		t.Fatal(err)
	}
	j.Close()
	j = open(t, dir)
	got, _ = all(t, j, "", 5)
	if diff := cmp.Diff(entries(0, 12), got); diff != "" {
		t.Errorf("after a second reopen (-want +got):\n%s", diff)
	}
}

func TestState(t *testing.T) {
	j := open(t, "")
	sv1 := Entry{ID: "a", Lang: "sv", Op: Upsert, At: t0, Slug: "s1", Hash: "h1"}
	sv2 := Entry{ID: "a", Lang: "sv", Op: Upsert, At: t0, Slug: "s2", Hash: "h2"}
	en := Entry{ID: "a", Lang: "en", Op: Upsert, At: t0, Slug: "e", Hash: "h3"}
	hant := Entry{ID: "a", Lang: "zh-Hant", Op: Upsert, At: t0, Slug: "z"}
	if err := j.Append(sv1, en, hant, sv2,
		Entry{ID: "a", Lang: "en", Op: Delete, At: t0, Slug: "e"},
		Entry{ID: "b", Lang: "sv", Op: Delete, At: t0, Slug: "never-existed"}); err != nil {
		t.Fatal(err)
	}
	want := map[Key]Entry{{"a", "sv"}: sv2, {"a", "zh-Hant"}: hant}
	got := j.State()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("State (-want +got):\n%s", diff)
	}
	delete(got, Key{"a", "sv"})
	if len(j.State()) != 2 {
		t.Error("State shares its map with the journal")
	}
}

func TestAppendRejects(t *testing.T) {
	good := entry(0)
	for _, tc := range []struct {
		name string
		edit func(*Entry)
	}{
		{"empty id", func(e *Entry) { e.ID = "" }},
		{"empty lang", func(e *Entry) { e.Lang = "" }},
		{"unknown op", func(e *Entry) { e.Op = "rename" }},
		{"invalid UTF-8", func(e *Entry) { e.Slug = "a\xffb" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := open(t, t.TempDir())
			bad := good
			tc.edit(&bad)
			if err := j.Append(good, bad); err == nil {
				t.Fatal("Append accepted an invalid entry")
			}
			if es, _, _ := j.Since("", 10); len(es) != 0 {
				t.Errorf("a rejected Append stored %d entries", len(es))
			}
		})
	}
}

func TestAppendNormalizesTime(t *testing.T) {
	j := open(t, "")
	local := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600))
	before := time.Now()
	if err := j.Append(Entry{ID: "a", Lang: "sv", Op: Upsert, At: local}, Entry{ID: "b", Lang: "sv", Op: Upsert}); err != nil {
		t.Fatal(err)
	}
	es, _, _ := j.Since("", 10)
	if es[0].At.Location() != time.UTC || !es[0].At.Equal(local) {
		t.Errorf("At = %v, want %v in UTC", es[0].At, local)
	}
	if es[1].At.Location() != time.UTC || es[1].At.Before(before.Add(-time.Second)) {
		t.Errorf("zero At became %v, want the current time in UTC", es[1].At)
	}
}

func TestFileFormat(t *testing.T) {
	dir := t.TempDir()
	j := open(t, dir)
	if err := j.Append(Entry{ID: "a", Lang: "sv", Op: Upsert, At: t0, Slug: "s", Hash: "h"},
		Entry{ID: "a", Lang: "sv", Op: Delete, At: t0, Slug: "s"}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	var h header
	if err := json.Unmarshal([]byte(lines[0]), &h); err != nil || h.Journal != "tolk" || h.Version != 1 || len(h.Epoch) != 16 {
		t.Errorf("header %s: %+v, %v", lines[0], h, err)
	}
	want := []string{
		`{"seq":1,"id":"a","lang":"sv","op":"upsert","at":"2026-11-29T12:00:00Z","slug":"s","hash":"h"}`,
		`{"seq":2,"id":"a","lang":"sv","op":"delete","at":"2026-11-29T12:00:00Z","slug":"s"}`,
	}
	if diff := cmp.Diff(want, lines[1:]); diff != "" {
		t.Errorf("entry lines (-want +got):\n%s", diff)
	}
}

func TestTornTail(t *testing.T) {
	full, _ := json.Marshal(record{Seq: 6, ID: "x", Lang: "sv", Op: Upsert, At: t0, Slug: "x"})
	for _, tc := range []struct {
		name string
		tail string
	}{
		{"half a line", string(full[:len(full)/2])},
		{"whole line without newline", string(full)},
		{"zero bytes", "\x00\x00\x00\x00\x00\x00\x00\x00"},
		{"unreadable last line", "{\"seq\":6,\x00\x00\n"},
		{"wrong sequence on last line", strings.Replace(string(full), `"seq":6`, `"seq":9`, 1) + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			j := open(t, dir)
			if err := j.Append(entries(0, 5)...); err != nil {
				t.Fatal(err)
			}
			_, cur, _ := j.Since("", 3)
			j.Close()
			path := filepath.Join(dir, FileName)
			sound, _ := os.ReadFile(path)
			appendFile(t, path, tc.tail)

			j = open(t, dir)
			if want := (Recovery{TruncatedBytes: int64(len(tc.tail))}); j.Recovered() != want {
				t.Errorf("Recovered() = %+v, want %+v", j.Recovered(), want)
			}
			if data, _ := os.ReadFile(path); !bytes.Equal(data, sound) {
				t.Errorf("file after repair differs from the sound prefix:\n%q", data)
			}
			got, _ := all(t, j, cur, 10)
			if diff := cmp.Diff(entries(3, 5), got); diff != "" {
				t.Errorf("Since(old cursor) (-want +got):\n%s", diff)
			}
			if err := j.Append(entry(5)); err != nil {
				t.Fatal(err)
			}
			j.Close()
			j = open(t, dir)
			if j.Recovered() != (Recovery{}) {
				t.Errorf("second reopen: Recovered() = %+v", j.Recovered())
			}
			got, _ = all(t, j, "", 10)
			if diff := cmp.Diff(entries(0, 6), got); diff != "" {
				t.Errorf("after repair and append (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTornHeader(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	appendFile(t, path, `{"journal":"tolk","vers`)
	j := open(t, dir)
	if r := j.Recovered(); r.TruncatedBytes != 23 || r.MovedAside != "" {
		t.Errorf("Recovered() = %+v, want 23 bytes truncated", r)
	}
	if err := j.Append(entry(0)); err != nil {
		t.Fatal(err)
	}
	if got, _ := all(t, j, "", 10); len(got) != 1 {
		t.Errorf("got %d entries, want 1", len(got))
	}
}

func TestCorruptStartsNewEpoch(t *testing.T) {
	for _, tc := range []struct {
		name    string
		corrupt func(lines []string) []string
	}{
		{"garbage line in the middle", func(l []string) []string { l[2] = "}{"; return l }},
		{"sequence gap", func(l []string) []string { return append(l[:2], l[3:]...) }},
		{"unknown op", func(l []string) []string { l[1] = strings.Replace(l[1], `"upsert"`, `"rename"`, 1); return l }},
		{"header replaced", func(l []string) []string { l[0] = `{"journal":"other","version":1}`; return l }},
		{"future format", func(l []string) []string { l[0] = strings.Replace(l[0], `"version":1`, `"version":2`, 1); return l }},
		{"header lost", func(l []string) []string { return l[1:] }},
		{"not a journal", func([]string) []string { return []string{"hello", "world"} }},
		{"only a header of a future format", func(l []string) []string {
			return []string{strings.Replace(l[0], `"version":1`, `"version":2`, 1)}
		}},
		{"one line of another program", func([]string) []string { return []string{`{"hello":"world"}`} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			j := open(t, dir)
			if err := j.Append(entries(0, 5)...); err != nil {
				t.Fatal(err)
			}
			_, cur, _ := j.Since("", 2)
			j.Close()
			path := filepath.Join(dir, FileName)
			data, _ := os.ReadFile(path)
			lines := tc.corrupt(strings.Split(strings.TrimSuffix(string(data), "\n"), "\n"))
			bad := strings.Join(lines, "\n") + "\n"
			if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
				t.Fatal(err)
			}

			j = open(t, dir)
			r := j.Recovered()
			if r.Problem == "" || !strings.HasPrefix(filepath.Base(r.MovedAside), "journal.corrupt-") {
				t.Fatalf("Recovered() = %+v, want the file moved aside with a problem", r)
			}
			if kept, err := os.ReadFile(r.MovedAside); err != nil || string(kept) != bad {
				t.Errorf("moved-aside file differs from the corrupt one (%v)", err)
			}
			if _, _, err := j.Since(cur, 10); !errors.Is(err, ErrCursorExpired) {
				t.Errorf("Since(cursor of the old epoch) error = %v, want ErrCursorExpired", err)
			}
			if es, _, err := j.Since("", 10); err != nil || len(es) != 0 {
				t.Errorf("new epoch Since(\"\") = %d entries, %v; want none", len(es), err)
			}
			if len(j.State()) != 0 {
				t.Errorf("new epoch State has %d versions", len(j.State()))
			}
			if err := j.Append(entry(0)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestCursorErrors(t *testing.T) {
	j := open(t, "")
	if err := j.Append(entries(0, 5)...); err != nil {
		t.Fatal(err)
	}
	_, good, _ := j.Since("", 2)
	other := open(t, "")
	_, foreign, _ := other.Since("", 1)
	flipped := []byte(good)
	flipped[12] ^= 1
	for _, tc := range []struct {
		name   string
		cursor string
		want   error
	}{
		{"garbage", "hello", ErrBadCursor},
		{"right length, not base64", strings.Repeat("!", cursorChars), ErrBadCursor},
		{"right length, bad checksum", strings.Repeat("A", cursorChars), ErrBadCursor},
		{"one character changed", string(flipped), ErrBadCursor},
		{"truncated", good[:len(good)-1], ErrBadCursor},
		{"extended", good + "A", ErrBadCursor},
		{"padded", good + "=", ErrBadCursor},
		{"newline inside", good[:10] + "\n" + good[11:], ErrBadCursor},
		{"very long", strings.Repeat(good, 1000), ErrBadCursor},
		{"wrong format byte", encodeWithFormat(2, j.epoch, 1), ErrBadCursor},
		{"another epoch", foreign, ErrCursorExpired},
		{"beyond the end", encodeCursor(cursorValue{epoch: j.epoch, seq: 6}), ErrCursorExpired},
		{"far beyond the end", encodeCursor(cursorValue{epoch: j.epoch, seq: ^uint64(0)}), ErrCursorExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			es, next, err := j.Since(tc.cursor, 10)
			if !errors.Is(err, tc.want) || es != nil || next != "" {
				t.Errorf("Since(%q) = %v, %q, %v; want nil, \"\", %v", tc.cursor, es, next, err, tc.want)
			}
		})
	}
	if es, _, err := j.Since(encodeCursor(cursorValue{epoch: j.epoch, seq: 5}), 10); err != nil || len(es) != 0 {
		t.Errorf("Since(cursor at the end) = %d entries, %v; want none, nil", len(es), err)
	}
}

// encodeWithFormat is encodeCursor with another format byte and a valid checksum.
func encodeWithFormat(format byte, epoch [epochLen]byte, seq uint64) string {
	b, _ := base64.RawURLEncoding.DecodeString(encodeCursor(cursorValue{epoch: epoch, seq: seq}))
	b[0] = format
	binary.BigEndian.PutUint32(b[checksumStart:], crc32.ChecksumIEEE(b[:checksumStart]))
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestOneWriter(t *testing.T) {
	if !locking {
		t.Skip("no file locking on this system")
	}
	dir := t.TempDir()
	j := open(t, dir)
	if _, err := Open(dir); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open of an open journal = %v, want ErrLocked", err)
	}
	j.Close()
	open(t, dir).Close()
}

func TestClosed(t *testing.T) {
	j := open(t, t.TempDir())
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := j.Append(entry(0)); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Close = %v, want ErrClosed", err)
	}
	if _, _, err := j.Since("", 1); !errors.Is(err, ErrClosed) {
		t.Errorf("Since after Close = %v, want ErrClosed", err)
	}
	if err := j.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

func TestConcurrentAppend(t *testing.T) {
	const writers, calls = 8, 40
	dir := t.TempDir()
	j := open(t, dir)
	var wg sync.WaitGroup
	var readErr error
	stop := make(chan struct{})
	wg.Add(1)
	go func() { // a reader paging while writers write
		defer wg.Done()
		cur := ""
		for {
			select {
			case <-stop:
				return
			default:
			}
			_, next, err := j.Since(cur, 7)
			if err != nil {
				readErr = err
				return
			}
			cur = next
			j.State()
		}
	}()
	var writing sync.WaitGroup
	for w := range writers {
		writing.Go(func() {
			for c := range calls {
				batch := make([]Entry, 1+c%3)
				for k := range batch {
					batch[k] = Entry{ID: fmt.Sprintf("w%d", w), Lang: "sv", Op: Upsert, At: t0, Slug: fmt.Sprintf("%d.%d", c, k)}
				}
				if err := j.Append(batch...); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	writing.Wait()
	close(stop)
	wg.Wait()
	if readErr != nil {
		t.Fatal(readErr)
	}

	got, _ := all(t, j, "", 1000)
	check := func(got []Entry) {
		t.Helper()
		want := 0
		for c := range calls {
			want += 1 + c%3
		}
		if len(got) != writers*want {
			t.Fatalf("got %d entries, want %d", len(got), writers*want)
		}
		// Each writer's entries appear in its own order, and each batch is contiguous.
		last := map[string]string{}
		for i, e := range got {
			var c, k int
			fmt.Sscanf(e.Slug, "%d.%d", &c, &k)
			if k > 0 && (i == 0 || got[i-1].ID != e.ID || got[i-1].Slug != fmt.Sprintf("%d.%d", c, k-1)) {
				t.Fatalf("entry %d (%s %s) does not follow its batch", i, e.ID, e.Slug)
			}
			if k == 0 && c > 0 && last[e.ID] != fmt.Sprintf("%d.%d", c-1, (c-1)%3) {
				t.Fatalf("entry %d (%s %s) follows %s", i, e.ID, e.Slug, last[e.ID])
			}
			last[e.ID] = e.Slug
		}
	}
	check(got)
	j.Close()
	j = open(t, dir)
	again, _ := all(t, j, "", 1000)
	if diff := cmp.Diff(got, again); diff != "" {
		t.Errorf("after reopen (-want +got):\n%s", diff)
	}
}

func appendFile(t testing.TB, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestPreviousSlug: an upsert's previous slug is written, read back after
// a reopen, and journals written before the field existed read as before.
func TestPreviousSlug(t *testing.T) {
	dir := t.TempDir()
	j := open(t, dir)
	es := []Entry{
		{ID: "a", Lang: "sv", Op: Upsert, At: t0, Slug: "ny", Hash: "h", PreviousSlug: "gammal"},
		{ID: "a", Lang: "zh-Hant", Op: Upsert, At: t0, Slug: "ny", PreviousSlug: "gammal"},
		{ID: "b", Lang: "sv", Op: Upsert, At: t0, Slug: "b", Hash: "h"},
	}
	if err := j.Append(es...); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	want := []string{
		`{"seq":1,"id":"a","lang":"sv","op":"upsert","at":"2026-11-29T12:00:00Z","slug":"ny","hash":"h","previous_slug":"gammal"}`,
		`{"seq":2,"id":"a","lang":"zh-Hant","op":"upsert","at":"2026-11-29T12:00:00Z","slug":"ny","previous_slug":"gammal"}`,
		`{"seq":3,"id":"b","lang":"sv","op":"upsert","at":"2026-11-29T12:00:00Z","slug":"b","hash":"h"}`,
	}
	if diff := cmp.Diff(want, lines[1:]); diff != "" {
		t.Errorf("entry lines (-want +got):\n%s", diff)
	}
	for _, l := range lines[1:] {
		if _, ok := parseRecordFast([]byte(l + "\n")); !ok {
			t.Errorf("fast path refuses %s, as Append writes it", l)
		}
	}
	j.Close()
	j = open(t, dir)
	got, _, err := j.Since("", 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(es, got); diff != "" {
		t.Errorf("after a reopen (-want +got):\n%s", diff)
	}
	if p := j.State()[Key{"a", "sv"}].PreviousSlug; p != "gammal" {
		t.Errorf("State's previous slug %q", p)
	}
}
