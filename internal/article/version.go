package article

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"time"
	_ "time/tzdata" // dates without a time are in Europe/Stockholm on every machine, also in a scratch image
)

// SlugPattern is the pattern every article id, slug, alias and tag key matches.
var SlugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// MaxSlugLen is the longest id or slug allowed, in bytes.
const MaxSlugLen = 120

// ValidSlug reports whether s is a valid id, slug, alias or tag key.
func ValidSlug(s string) bool {
	return len(s) <= MaxSlugLen && SlugPattern.MatchString(s)
}

// stockholm is the zone of dates written without a time.
var stockholm = mustLoad("Europe/Stockholm")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // embedded by time/tzdata; cannot fail
	}
	return loc
}

// ErrBadDate reports a date in neither of the accepted forms.
var ErrBadDate = errors.New("want a date like 2020-01-03 or an RFC 3339 date-time")

// Date is a front-matter date. Raw keeps the text as written, which is what
// clients see; Time is the instant it denotes, used for ordering and
// staleness.
type Date struct {
	Raw  string
	Time time.Time
}

// ParseDate parses a date written as 2020-01-03 (00:00 in Europe/Stockholm)
// or as an RFC 3339 date-time.
func ParseDate(s string) (Date, error) {
	if t, err := time.ParseInLocation(time.DateOnly, s, stockholm); err == nil {
		return Date{Raw: s, Time: t}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return Date{Raw: s, Time: t}, nil
	}
	return Date{}, fmt.Errorf("bad date %q: %w", s, ErrBadDate)
}

// IsZero reports whether d is absent.
func (d Date) IsZero() bool { return d.Raw == "" }

// Version is one language version of an article: one file of the content
// tree. A Version is never modified once it is in a Library.
//
// Its front-matter fields, Title to Author, are the rows of Fields, from
// which parsing, formatting, the write API, the versions cache and the
// search document derive: a new field is a field here and a row there.
type Version struct {
	ID   string // the article's id, its folder name
	Lang string // the language, its file name without .md
	Path string // the file's path in the content tree, for messages

	Title          string
	Slug           string
	Summary        string
	Tags           []string
	Published      Date
	Updated        Date // equals Published when the file has none
	TranslatedFrom string
	SourceUpdated  Date
	Draft          bool
	Aliases        []string
	Author         string // the person or unit responsible; "" when the file names none

	// Body is the Markdown body as written. Versions served from a
	// content directory leave it empty once rendered: the file holds it.
	Body string
	// HTML is the body rendered to sanitized HTML.
	HTML string
	// Text is the body rendered to plain text, for search and snippets.
	Text string

	// Lines holds the line of each front-matter key in the file, so that
	// problems found across versions can be located.
	Lines Lines

	// Outdated is computed by Build: the version it was translated from
	// was updated after SourceUpdated, or is itself outdated.
	Outdated bool
}

// IsOriginal reports whether v is the original version of its article.
func (v *Version) IsOriginal() bool { return v.TranslatedFrom == "" }

// Line returns the line of key in v's file, or 1 when unknown.
func (v *Version) Line(key string) int {
	if n := v.Lines.Get(key); n > 0 {
		return n
	}
	return 1
}

// Lines holds the line in a version's file of each front-matter key, in
// the order of FrontMatterKeys; 0 where the key is absent. It is an array
// rather than a map because every version has one: at 30,000 versions the
// maps cost megabytes and a fifth of the time a start takes.
type Lines [numKeys]int32

// Get returns the line of key, or 0 when it is absent or not a
// front-matter key.
func (l *Lines) Get(key string) int {
	if i := keyIndex(key); i >= 0 {
		return int(l[i])
	}
	return 0
}

// Set records line as the line of key, and reports whether key is a
// front-matter key (other keys are not recorded).
func (l *Lines) Set(key string, line int) bool {
	i := keyIndex(key)
	if i < 0 {
		return false
	}
	l[i] = int32(min(max(line, 0), math.MaxInt32))
	return true
}
