package journal

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
	"unicode/utf8"
)

// Op is the kind of change an Entry records.
type Op string

// The operations of a change.
const (
	Upsert Op = "upsert" // a version was created or replaced, or a draft was published
	Delete Op = "delete" // a version was deleted or turned into a draft
)

// Entry is one change of one article version.
type Entry struct {
	ID, Lang string
	Op       Op
	At       time.Time // UTC
	Slug     string    // the version's slug (for a delete: its last known slug)
	// Hash is a fingerprint of the stored version's file content: "" for
	// deletes and derived languages. At start the store compares it with the
	// content tree to find what changed while the server was stopped.
	Hash string
	// PreviousSlug is the version's slug before this upsert when the
	// upsert changed it, so that a reader of the feed can purge the old
	// URL; "" otherwise, and in journals written before it existed.
	PreviousSlug string
	// URL is the public URL of the version (for a delete: of its last
	// known slug), and PreviousURL that of PreviousSlug, or for a delete
	// the URL that stops working: what a webhook event carries, so that
	// deliveries can be rebuilt from the journal after a restart. "" when
	// the site has no site_url, and in journals written before they
	// existed.
	URL, PreviousURL string
	// Silent marks an entry that no webhook announces: the versions a
	// first start records in an empty journal.
	Silent bool
}

// Key identifies one article version.
type Key struct{ ID, Lang string }

// Errors returned by Since and Append.
var (
	// ErrBadCursor means the cursor is not one the journal produces.
	ErrBadCursor = errors.New("journal: malformed cursor")
	// ErrCursorExpired means the cursor is well-formed but cannot be
	// honoured: it belongs to another epoch (a lost, replaced or in-memory
	// journal of an earlier process) or points beyond the end.
	ErrCursorExpired = errors.New("journal: cursor expired")
	// ErrClosed means the Journal has been closed.
	ErrClosed = errors.New("journal: closed")
	// ErrLocked means another Journal, usually of another process, has the
	// file open: a journal has one writer.
	ErrLocked = errors.New("journal: in use by another process")
	// ErrGap means Mirror was given entries that do not follow the
	// mirror's last one.
	ErrGap = errors.New("journal: entries do not follow the mirror's last")
	// ErrMirror means Append was called on a mirror, which only Mirror
	// writes, or Mirror or Reset on a journal that is not one.
	ErrMirror = errors.New("journal: wrong method for a mirror")
)

// FileName is the name of the journal file inside its directory.
const FileName = "journal.jsonl"

// Recovery reports what Open repaired. The zero value means nothing.
type Recovery struct {
	// TruncatedBytes is the size of the torn tail (an incomplete or
	// unreadable last line, left by a crash during an Append) removed from
	// the file.
	TruncatedBytes int64
	// MovedAside is the path the corrupt journal was renamed to before a new
	// epoch was started; "" when the file was sound.
	MovedAside string
	// Problem describes the damage that made the file corrupt; "" when the
	// file was sound.
	Problem string
}

// Journal is an append-only, ordered log of changes. It is safe for
// concurrent use.
type Journal struct {
	epoch    Epoch // guarded by mu once j is shared
	recovery Recovery
	// mirror is true for a journal from NewMirror, written by Mirror
	// only.
	mirror bool

	// appendMu serializes writers (sequence numbers, write, fsync) so that
	// readers, who take only mu, never wait for a disk flush.
	appendMu sync.Mutex
	f        *os.File // nil for an in-memory journal
	size     int64    // bytes of the file known to be good; guarded by appendMu
	broken   error    // a failed write that could not be rolled back; guarded by appendMu

	mu      sync.RWMutex
	entries []Entry // entries[i] has sequence number i+1
	// state holds, for every version whose last entry is an upsert, the
	// index of that entry in entries.
	state  map[Key]int
	closed bool
	langs  []string // the languages met by read, to share their strings
}

// maxLangs bounds the languages read shares.
const maxLangs = 16

// header is the first line of a journal file.
type header struct {
	Journal string    `json:"journal"`
	Version int       `json:"version"`
	Epoch   string    `json:"epoch"`
	Created time.Time `json:"created"`
}

const (
	headerMagic   = "tolk"
	formatVersion = 1
)

// record is one entry line of a journal file.
type record struct {
	Seq  uint64    `json:"seq"`
	ID   string    `json:"id"`
	Lang string    `json:"lang"`
	Op   Op        `json:"op"`
	At   time.Time `json:"at"`
	Slug string    `json:"slug"`
	Hash string    `json:"hash,omitempty"`
	// PreviousSlug is left out when empty: older journals read the same.
	PreviousSlug string `json:"previous_slug,omitempty"`
	URL          string `json:"url,omitempty"`
	PreviousURL  string `json:"previous_url,omitempty"`
	Silent       bool   `json:"silent,omitempty"`
}

// Open opens the journal in dir, creating dir and the file if needed. With
// dir "" the journal lives in memory only, and its cursors die with the
// process.
//
// Open repairs rather than refuses: a torn last line is truncated away, and a
// file that is damaged elsewhere (or has no readable header) is renamed to
// journal.corrupt-<time> and replaced by an empty journal of a new epoch, so
// that every earlier cursor becomes ErrCursorExpired. Recovered reports what
// was done. Open fails only when the directory or file cannot be used, or
// with ErrLocked when another open Journal (on Unix, also of another
// process) holds the file.
func Open(dir string) (*Journal, error) {
	if dir == "" {
		epoch, err := newEpoch()
		if err != nil {
			return nil, err
		}
		return &Journal{epoch: epoch, state: map[Key]int{}}, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("journal: create directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	j, problem, err := load(path)
	if err != nil {
		return nil, err
	}
	if problem == "" {
		return j, nil
	}
	aside := filepath.Join(dir, "journal.corrupt-"+time.Now().UTC().Format("20060102T150405.000000000Z"))
	if err := os.Rename(path, aside); err != nil {
		return nil, fmt.Errorf("journal: move corrupt journal aside: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return nil, err
	}
	j, again, err := load(path)
	if err != nil {
		return nil, err
	}
	if again != "" { // cannot happen: load just created the file
		return nil, fmt.Errorf("journal: new journal is corrupt: %s", again)
	}
	j.recovery.MovedAside = aside
	j.recovery.Problem = problem
	return j, nil
}

// load opens or creates the file at path and reads it. A non-empty problem
// means the file is corrupt beyond its last line; the file is then closed
// and left untouched.
func load(path string) (j *Journal, problem string, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, "", fmt.Errorf("journal: open: %w", err)
	}
	if err := lock(f); err != nil {
		f.Close()
		return nil, "", err
	}
	j = &Journal{f: f, state: map[Key]int{}}
	if fi, err := f.Stat(); err == nil {
		j.entries = make([]Entry, 0, fi.Size()/128) // a line is 100–200 bytes
	}
	problem, err = j.read(bufio.NewReaderSize(f, 1<<20))
	if cap(j.entries) > len(j.entries)+len(j.entries)/8 {
		j.entries = slices.Clone(j.entries) // it was sized for the shortest lines
	}
	if err == nil && problem == "" && j.recovery.TruncatedBytes > 0 {
		if err = f.Truncate(j.size); err == nil {
			err = f.Sync()
		}
		if err != nil {
			err = fmt.Errorf("journal: truncate torn tail: %w", err)
		}
	}
	if err == nil && problem == "" && j.size == 0 {
		err = j.writeHeader(filepath.Dir(path))
	}
	if err != nil || problem != "" {
		f.Close()
		return nil, problem, err
	}
	return j, "", nil
}

// read parses the file from r, setting j.size to the length of its sound
// prefix and j.recovery.TruncatedBytes to the length of a torn tail.
func (j *Journal) read(r *bufio.Reader) (problem string, err error) {
	var off int64
	lineNo := 0
	for {
		// Lines are read in place: the parsers copy what they keep.
		line, rerr := r.ReadSlice('\n')
		if rerr == bufio.ErrBufferFull { // longer than any line Append writes
			var rest []byte
			rest, rerr = r.ReadBytes('\n')
			line = append(slices.Clip(line), rest...)
		}
		if rerr != nil && rerr != io.EOF {
			return "", fmt.Errorf("journal: read: %w", rerr)
		}
		if len(line) == 0 {
			break // end of file
		}
		lineNo++
		var bad string
		complete := line[len(line)-1] == '\n'
		switch {
		case !complete:
			bad = "incomplete line"
		case lineNo == 1:
			bad = j.parseHeader(line)
		default:
			bad = j.parseRecord(line)
		}
		n := int64(len(line))
		atEnd := rerr == io.EOF
		if !atEnd {
			_, perr := r.Peek(1) // may overwrite line
			atEnd = perr == io.EOF
		}
		if bad != "" {
			// A complete header line is never torn: an unreadable one
			// (another program's file, a future format) is kept aside.
			if !atEnd || (lineNo == 1 && complete) {
				return fmt.Sprintf("line %d: %s", lineNo, bad), nil
			}
			// A torn tail: the last Append did not finish.
			j.recovery.TruncatedBytes = n
			break
		}
		off += n
		j.size = off
		if atEnd {
			break
		}
	}
	return "", nil
}

func (j *Journal) parseHeader(line []byte) string {
	var h header
	if err := json.Unmarshal(line, &h); err != nil {
		return "header: " + err.Error()
	}
	if h.Journal != headerMagic {
		return "not a Tolk journal"
	}
	if h.Version != formatVersion {
		return fmt.Sprintf("unsupported format version %d", h.Version)
	}
	b, err := hex.DecodeString(h.Epoch)
	if err != nil || len(b) != epochLen {
		return "header: bad epoch"
	}
	copy(j.epoch[:], b)
	return ""
}

func (j *Journal) parseRecord(line []byte) string {
	rec, ok := parseRecordFast(line)
	if !ok {
		rec = record{}
		if err := json.Unmarshal(line, &rec); err != nil {
			return err.Error()
		}
	}
	if want := uint64(len(j.entries)) + 1; rec.Seq != want {
		return fmt.Sprintf("sequence %d, want %d", rec.Seq, want)
	}
	e := Entry{ID: rec.ID, Lang: rec.Lang, Op: rec.Op, At: rec.At.UTC(), Slug: rec.Slug, Hash: rec.Hash, PreviousSlug: rec.PreviousSlug,
		URL: rec.URL, PreviousURL: rec.PreviousURL, Silent: rec.Silent}
	if err := validate(e); err != nil {
		return err.Error()
	}
	// Share strings: the entry before is usually another language of the
	// same article, and a site has a handful of languages. A large
	// journal holds each id and language once.
	if n := len(j.entries); n > 0 && e.ID == j.entries[n-1].ID {
		e.ID = j.entries[n-1].ID
	}
	if e.Slug == e.ID {
		e.Slug = e.ID
	}
	if i := slices.Index(j.langs, e.Lang); i >= 0 {
		e.Lang = j.langs[i]
	} else if len(j.langs) < maxLangs {
		j.langs = append(j.langs, e.Lang)
	}
	j.publish(e)
	return ""
}

// writeHeader starts an empty file with a new epoch.
func (j *Journal) writeHeader(dir string) error {
	epoch, err := newEpoch()
	if err != nil {
		return err
	}
	line, err := json.Marshal(header{Journal: headerMagic, Version: formatVersion,
		Epoch: hex.EncodeToString(epoch[:]), Created: time.Now().UTC()})
	if err != nil {
		return fmt.Errorf("journal: encode header: %w", err)
	}
	line = append(line, '\n')
	if _, err := j.f.Write(line); err != nil {
		return fmt.Errorf("journal: write header: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("journal: write header: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	j.epoch = epoch
	j.size = int64(len(line))
	return nil
}

// Recovered reports what Open repaired, for the caller to log.
func (j *Journal) Recovered() Recovery { return j.recovery }

// Append records entries, in order, after all earlier ones. It returns once
// they are durable (written and fsynced); only then do Since and State see
// them. An entry must have an ID, a Lang, an Op of Upsert or Delete and valid
// UTF-8 text; a zero At is set to the current time, and At is stored in UTC.
// Append is safe for concurrent use: each call's entries get consecutive
// sequence numbers.
//
// When the write fails, Append rolls the file back to its previous length
// and returns the error (wrapping the system's, such as syscall.ENOSPC); the
// journal stays usable. If the rollback fails too, every later Append fails
// until the journal is reopened.
func (j *Journal) Append(entries ...Entry) error {
	if len(entries) == 0 {
		return nil
	}
	norm := make([]Entry, len(entries))
	for i, e := range entries {
		if err := validate(e); err != nil {
			return fmt.Errorf("journal: append entry %d: %w", i, err)
		}
		if e.At.IsZero() {
			e.At = time.Now()
		}
		e.At = e.At.UTC()
		norm[i] = e
	}

	j.appendMu.Lock()
	defer j.appendMu.Unlock()
	j.mu.RLock()
	closed, seq := j.closed, uint64(len(j.entries))
	j.mu.RUnlock()
	if closed {
		return ErrClosed
	}
	if j.mirror {
		return ErrMirror
	}
	if j.broken != nil {
		return fmt.Errorf("journal: unusable until reopened after an earlier failure: %w", j.broken)
	}
	if j.f != nil {
		var buf []byte
		for _, e := range norm {
			seq++
			line, err := json.Marshal(record{Seq: seq, ID: e.ID, Lang: e.Lang, Op: e.Op, At: e.At, Slug: e.Slug, Hash: e.Hash, PreviousSlug: e.PreviousSlug,
				URL: e.URL, PreviousURL: e.PreviousURL, Silent: e.Silent})
			if err != nil {
				return fmt.Errorf("journal: encode entry: %w", err)
			}
			buf = append(append(buf, line...), '\n')
		}
		if err := j.write(buf); err != nil {
			return err
		}
	}
	j.mu.Lock()
	for _, e := range norm {
		j.publish(e)
	}
	j.mu.Unlock()
	return nil
}

// write appends buf to the file in one write and flushes it, rolling back
// on failure. The caller holds appendMu.
func (j *Journal) write(buf []byte) error {
	_, err := j.f.Write(buf)
	if err == nil {
		err = j.f.Sync()
		if err == nil {
			j.size += int64(len(buf))
			return nil
		}
	}
	// Remove whatever part of buf reached the file, so that later lines do
	// not follow a torn one.
	if terr := j.f.Truncate(j.size); terr != nil {
		j.broken = err
		return fmt.Errorf("journal: append: %w (rollback: %v)", err, terr)
	}
	if serr := j.f.Sync(); serr != nil {
		j.broken = err
		return fmt.Errorf("journal: append: %w (rollback: %v)", err, serr)
	}
	return fmt.Errorf("journal: append: %w", err)
}

// publish adds e to the in-memory view. The caller holds mu for writing, or
// owns j exclusively.
func (j *Journal) publish(e Entry) {
	j.entries = append(j.entries, e)
	k := Key{e.ID, e.Lang}
	if e.Op == Upsert {
		j.state[k] = len(j.entries) - 1
	} else {
		delete(j.state, k)
	}
}

// End returns the cursor of the journal's end: Since(End(), n) returns
// only entries appended after the call.
func (j *Journal) End() string {
	j.mu.RLock()
	defer j.mu.RUnlock()
	return encodeCursor(cursorValue{epoch: j.epoch, seq: uint64(len(j.entries))})
}

// Since returns up to limit entries after cursor, oldest first, and the
// cursor to continue from. Cursor "" means the beginning; next is never ""
// and equals cursor when nothing is new (a limit below 1 returns no entries).
// entries is never nil.
//
// Since returns ErrBadCursor for a string the journal did not produce and
// ErrCursorExpired for a cursor of another epoch or beyond the end; a
// mirror (NewMirror) answers a cursor of its epoch beyond its end with no
// entries and that cursor.
func (j *Journal) Since(cursor string, limit int) (entries []Entry, next string, err error) {
	var c cursorValue
	if cursor != "" {
		if c, err = decodeCursor(cursor); err != nil {
			return nil, "", err
		}
	}
	j.mu.RLock()
	defer j.mu.RUnlock()
	if j.closed {
		return nil, "", ErrClosed
	}
	n := uint64(len(j.entries))
	switch {
	case cursor == "":
		c.epoch = j.epoch
	case c.epoch != j.epoch:
		return nil, "", ErrCursorExpired
	case c.seq > n && j.mirror:
		// A replica further ahead in the same log wrote it: nothing yet.
		return []Entry{}, cursor, nil
	case c.seq > n:
		return nil, "", ErrCursorExpired
	}
	end := c.seq
	if limit > 0 {
		end = min(n, c.seq+uint64(limit))
	}
	entries = make([]Entry, end-c.seq)
	copy(entries, j.entries[c.seq:end])
	return entries, encodeCursor(cursorValue{epoch: j.epoch, seq: end}), nil
}

// State returns, for every version whose last entry is an upsert, that
// entry: the versions the journal believes exist, with their Hash and Slug.
// The map is the caller's.
func (j *Journal) State() map[Key]Entry {
	j.mu.RLock()
	defer j.mu.RUnlock()
	m := make(map[Key]Entry, len(j.state))
	for k, i := range j.state {
		m[k] = j.entries[i]
	}
	return m
}

// Close closes the file, waiting for an Append in progress. Later calls to
// Append and Since return ErrClosed; a second Close returns nil.
func (j *Journal) Close() error {
	j.appendMu.Lock()
	defer j.appendMu.Unlock()
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return nil
	}
	j.closed = true
	if j.f == nil {
		return nil
	}
	if err := j.f.Close(); err != nil {
		return fmt.Errorf("journal: close: %w", err)
	}
	return nil
}

func validate(e Entry) error {
	switch {
	case e.ID == "":
		return errors.New("empty id")
	case e.Lang == "":
		return errors.New("empty lang")
	case e.Op != Upsert && e.Op != Delete:
		return fmt.Errorf("unknown op %q", e.Op)
	case !utf8.ValidString(e.ID) || !utf8.ValidString(e.Lang) || !utf8.ValidString(e.Slug) || !utf8.ValidString(e.Hash) || !utf8.ValidString(e.PreviousSlug) ||
		!utf8.ValidString(e.URL) || !utf8.ValidString(e.PreviousURL):
		return errors.New("invalid UTF-8")
	}
	return nil
}

func newEpoch() (Epoch, error) {
	var e Epoch
	if _, err := rand.Read(e[:]); err != nil {
		return e, fmt.Errorf("journal: new epoch: %w", err)
	}
	return e, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("journal: sync directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("journal: sync directory: %w", err)
	}
	return nil
}
