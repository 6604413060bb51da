package article

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/amal-kommun/tolk/internal/pmap"
)

// Problem is one thing wrong with a content tree, located in a file.
type Problem struct {
	Path    string `json:"path"`
	Line    int    `json:"line"`
	Message string `json:"message"`
	// Key is the front-matter key the problem is about ("body" for the
	// Markdown, "" for the file as a whole), so that the write API can
	// point at the offending field.
	Key string `json:"-"`
}

// String formats p as path:line: message, the form editors' tools jump to.
func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.Path, p.Line, p.Message)
	}
	return fmt.Sprintf("%s: %s", p.Path, p.Message)
}

// Article is all stored versions of one article.
type Article struct {
	ID string
	// Original is the language of the version with no translated_from.
	Original string
	// Versions holds every stored version by language, drafts included.
	Versions map[string]*Version
}

// Public returns the version in lang, or nil when there is none or it is a
// draft.
func (a *Article) Public(lang string) *Version {
	v := a.Versions[lang]
	if v == nil || v.Draft {
		return nil
	}
	return v
}

// Order is a sort order for lists of versions.
type Order int

// The orders of GET /v1/articles.
const (
	NewestFirst Order = iota // -published
	OldestFirst              // published
	ByTitle                  // title, collated in each version's language
)

// ParseOrder parses the sort parameter of the list endpoint.
func ParseOrder(s string) (Order, bool) {
	switch s {
	case "-published":
		return NewestFirst, true
	case "published":
		return OldestFirst, true
	case "title":
		return ByTitle, true
	}
	return 0, false
}

// Library is an immutable collection of articles. Build makes one, and
// Apply makes one from another, sharing what did not change; its methods
// are safe for concurrent use and never modify it.
type Library struct {
	site     *Site
	langRank map[string]int // display order of languages
	// entries holds every article id the Library was given versions of,
	// with what the rules made of them, served or not.
	entries  pmap.Map[string, *entry]
	ids      []string   // sorted ids of the served articles
	versions []*Version // every served version, by id then language order
	// claims maps each slug and alias to the ids of the entries whose
	// kept versions claim it: the articles whose slug rules one
	// change of the slug can change.
	claims pmap.Map[string, claim]
	// slugs maps each slug and alias to its public versions, by id and
	// language order.
	slugs pmap.Map[string, []*Version]
	// problemIDs are the sorted ids of the entries with problems.
	problemIDs []string
	// The collation keys for ByTitle are made on first use: most
	// Libraries (one per change to the content) never sort by title.
	// Apply carries them over when they are made.
	titleOnce sync.Once
	title     atomic.Pointer[titleKeys]
}

// entry is what the rules made of the versions given for one article id.
// An entry is never changed once it is in a Library.
type entry struct {
	id    string
	given []*Version // as given, in the site's language order
	// original is the language of the original, "" when the article has
	// none (then nothing of it is served).
	original string
	// kept are the versions that passed the rules within the article;
	// they claim their slugs, whether or not they are served in the end.
	kept []*Version
	// clash is set for each kept version whose slug or an alias clashes
	// with an earlier one's.
	clash []bool
	// The problems found, in the three phases of Build.
	siteProblems, articleProblems, slugProblems []Problem
	// article and final are what is served: nil when nothing is.
	article *Article
	final   []*Version
}

func (e *entry) hasProblems() bool {
	return len(e.siteProblems)+len(e.articleProblems)+len(e.slugProblems) > 0
}

// claim lists the ids of the entries that claim a slug: one in a valid
// content tree, more only where slugs clash.
type claim struct {
	id   string
	more []string
}

// ranked is a version with its language's place in the site's order.
type ranked struct {
	v    *Version
	rank int
}

// name returns v's slug for i 0 and its alias i-1 otherwise, with the
// front-matter key that holds it.
func name(v *Version, i int) (string, string) {
	if i == 0 {
		return v.Slug, "slug"
	}
	return v.Aliases[i-1], "aliases"
}

// inLang returns the last of vs in lang, or nil.
func inLang(vs []*Version, lang string) *Version {
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i].Lang == lang {
			return vs[i]
		}
	}
	return nil
}

// span locates a run of elements in an array that many runs share, so
// that thousands of them cost the collector one object.
type span struct{ off, n uint32 }

func reachesOriginal(a *Article, v *Version) bool {
	for range len(a.Versions) + 1 {
		if v == nil {
			return false
		}
		if v.IsOriginal() {
			return true
		}
		v = a.Versions[v.TranslatedFrom]
	}
	return false
}

func outdated(a *Article, v *Version, depth int) bool {
	if a == nil || v.IsOriginal() || depth > len(a.Versions) {
		return false
	}
	src := a.Versions[v.TranslatedFrom]
	if src == nil {
		return false
	}
	if src.Updated.Time.After(v.SourceUpdated.Time) {
		return true
	}
	return outdated(a, src, depth+1)
}

func (l *Library) rank(lang string) int {
	if r, ok := l.langRank[lang]; ok {
		return r
	}
	return len(l.langRank)
}

// Site returns the site configuration the Library was built with.
func (l *Library) Site() *Site { return l.site }

// Len returns the number of articles.
func (l *Library) Len() int { return len(l.ids) }

// IDs returns the ids of all articles in ascending order. The caller must
// not modify the slice.
func (l *Library) IDs() []string { return l.ids }

// Article returns the article with id, or nil.
func (l *Library) Article(id string) *Article {
	if e, ok := l.entries.Get(id); ok {
		return e.article
	}
	return nil
}

// Version returns the stored version of article id in lang, drafts
// included, or nil.
func (l *Library) Version(id, lang string) *Version {
	if a := l.Article(id); a != nil {
		return a.Versions[lang]
	}
	return nil
}

// Public returns the public (non-draft) stored version of article id in
// lang, or nil.
func (l *Library) Public(id, lang string) *Version {
	if a := l.Article(id); a != nil {
		return a.Public(lang)
	}
	return nil
}

// All returns every stored version, drafts included, ordered by article id
// and then by the site's language order. The caller must not modify it.
func (l *Library) All() []*Version { return l.versions }

// PublicVersions returns the public versions in lang (every language when
// lang is empty), ordered by article id.
func (l *Library) PublicVersions(lang string) []*Version {
	var out []*Version
	for _, v := range l.versions {
		if !v.Draft && (lang == "" || v.Lang == lang) {
			out = append(out, v)
		}
	}
	return out
}

// BySlug returns the public versions whose slug or one of whose aliases is
// slug, ordered by article id and language. The caller must not modify it.
func (l *Library) BySlug(slug string) []*Version {
	vs, _ := l.slugs.Get(slug)
	return vs[:len(vs):len(vs)]
}

// HasTags reports whether v carries every tag in tags.
func HasTags(v *Version, tags []string) bool {
	for _, t := range tags {
		if !slices.Contains(v.Tags, t) {
			return false
		}
	}
	return true
}

// Compare compares two versions of the Library in order; ties break by
// article id and then language. Titles are compared by collation keys of
// each version's own language, so Swedish titles put å, ä and ö after z.
// The first comparison by title of a Library that Apply did not make from
// one with its keys made makes the keys of all its titles, which takes
// tens of milliseconds for tens of thousands of versions.
func (l *Library) Compare(a, b *Version, order Order) int {
	var c int
	switch order {
	case NewestFirst:
		c = b.Published.Time.Compare(a.Published.Time)
	case OldestFirst:
		c = a.Published.Time.Compare(b.Published.Time)
	case ByTitle:
		t := l.titles()
		c = bytes.Compare(t.key(a), t.key(b))
	}
	return cmp.Or(c, cmp.Compare(a.ID, b.ID), cmp.Compare(l.rank(a.Lang), l.rank(b.Lang)))
}
