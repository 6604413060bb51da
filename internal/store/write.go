package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/load"
)

// langName is what a language tag may look like before ParseVersion checks
// it, so that it is safe as a file name.
var langName = regexp.MustCompile(`^[A-Za-z0-9]{1,8}(-[A-Za-z0-9]{1,8})*$`)

// checkName returns the problem with an article id or language given to
// Put, or nil.
func checkName(id, lang string) []article.Problem {
	var ps []article.Problem
	if !article.ValidSlug(id) {
		ps = append(ps, article.Problem{Line: 1, Message: fmt.Sprintf("article id %q is not valid: use lowercase letters a-z, digits and single hyphens, at most %d bytes", id, article.MaxSlugLen)})
	}
	if !langName.MatchString(lang) {
		ps = append(ps, article.Problem{Line: 1, Message: fmt.Sprintf("%q is not a BCP 47 language tag", lang)})
	}
	return ps
}

// Validate returns what the content format's rules for one version alone
// find wrong with v (the problems load.ParseVersion reports of its
// canonical file), each with its Key set to the front-matter key
// concerned ("" for the version as a whole). v.ID and v.Lang name the
// file; they must be valid names (a caller with bad ones passes
// stand-ins, to learn of the other problems too). The rules that need the
// other versions (slug clashes, translations, tags of site.yaml) are
// Put's.
func Validate(v *article.Version) []article.Problem {
	_, problems := load.ParseVersion(load.VersionPath(v.ID, v.Lang), load.Format(v), load.NewRenderer())
	return problems
}

// Put stores v, the version of article v.ID in v.Lang, as its canonical
// file (as load.Format writes it), under the loader's rules: the file must
// pass load.ParseVersion, and article.Build over the served versions with
// this one in place must find no problem in it and none it causes in other
// files; otherwise Put returns a *ValidationError and changes nothing.
// Only v's front matter and Body (its Markdown) are read: Put renders
// the HTML and text itself.
//
// Before Put returns, the file is durably on disk, and the Library, the
// index, the journal and OnChange all have the new version. A version
// identical to the stored one changes nothing and reports Changed false.
// Disk failures are ErrNoSpace or ErrUnavailable; the embedded corpus is
// ErrReadOnly.
func (s *Store) Put(ctx context.Context, v *article.Version) (Result, error) {
	return s.PutIf(ctx, v, nil)
}

// PutIf is Put with a precondition: check, when not nil, runs under the
// write lock with the version of article v.ID in v.Lang stored now (a
// draft too; nil when there is none), before anything is written. An
// error from check is returned unchanged and nothing is written, so that
// a conditional write (If-Match, If-None-Match) is decided atomically with
// the write.
func (s *Store) PutIf(ctx context.Context, v *article.Version, check func(cur *article.Version) error) (Result, error) {
	return s.putFile(ctx, v.ID, v.Lang, load.Format(v), check)
}

// putFile is PutIf of the file's bytes, which it parses as the loader
// does: the write of Put, and of tests of files no version formats to.
func (s *Store) putFile(ctx context.Context, id, lang string, file []byte, check func(cur *article.Version) error) (Result, error) {
	if s.ReadOnly() {
		return Result{}, ErrReadOnly
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	if ps := checkName(id, lang); ps != nil {
		return Result{}, &ValidationError{Problems: ps}
	}
	p := load.VersionPath(id, lang)
	k := key{id, lang}
	h := hashOf(file)
	// Parse and render before taking the write lock: for a large body
	// it is half of the write's work (BenchmarkPutLarge), and it depends
	// on nothing the lock guards.
	v, problems := load.ParseVersion(p, file, s.render)
	if len(problems) > 0 {
		return Result{}, &ValidationError{Problems: problems}
	}
	dropSource(v)

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Result{}, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err // gave up while waiting for another write
	}
	return s.putBackend(ctx, k, p, v, h, file, check)
}

// validatePut returns the generation of the current one with v, whose
// file at slash path p has hash h, in place, or a *ValidationError
// listing the problems v has against the other versions or causes them.
// The caller holds s.mu.
func (s *Store) validatePut(p string, v *article.Version, h string) (*generation, error) {
	clashes := s.gen.clashes(v)
	g, ps := s.write([]candidate{{v, h}}, nil, p)
	if len(clashes) > 0 {
		// Report every problem at once: the clashes found here, and what
		// else Build found (its own reports of the clash aside).
		for _, q := range ps {
			if q.Key != "slug" && q.Key != "aliases" {
				clashes = append(clashes, q)
			}
		}
		ps = clashes
	}
	if len(ps) > 0 {
		return nil, &ValidationError{Problems: ps}
	}
	if g.lib.Version(v.ID, v.Lang) == nil {
		// Build dropped it without saying why in its file; never expected.
		return nil, &ValidationError{Problems: []article.Problem{{Path: p, Line: 1, Message: "the version conflicts with the other versions"}}}
	}
	return g, nil
}

// validateDelete returns the generation of the current one without the
// version of k, whose file is at slash path p, or a *ConflictError when
// other versions depend on it. The caller holds s.mu.
func (s *Store) validateDelete(k key, p string) (*generation, error) {
	old := s.gen
	if a := old.lib.Article(k.id); a != nil && a.Original == k.lang && len(a.Versions) > 1 {
		var others []string
		for _, l := range old.lib.Site().Languages {
			if a.Versions[l] != nil && l != k.lang {
				others = append(others, l)
			}
		}
		return nil, &ConflictError{Reason: fmt.Sprintf("%s is the original of article %q, which has translations in %s; delete them first",
			k.lang, k.id, strings.Join(others, ", "))}
	}
	g, ps := s.write(nil, []key{k}, p)
	if len(ps) > 0 {
		return nil, &ConflictError{Reason: breaks(introducedAll(old, g))}
	}
	return g, nil
}

// writable returns ErrUnavailable, wrapped with the reason, while a
// re-scan is held or when the content directory is missing: a write then
// would publish into a tree the Store does not trust. The caller holds
// s.mu.
func (s *Store) writable() error {
	if s.gen == nil {
		return fmt.Errorf("%w: the content is not loaded yet", ErrUnavailable)
	}
	if s.holding != "" {
		return fmt.Errorf("%w: %s", ErrUnavailable, s.holding)
	}
	return nil // the backend's Update says when it cannot write
}

// Delete removes the version of article id in lang. It returns ErrNotFound
// when there is no such file, and ErrConflict when other versions depend
// on it: the original of an article with translations, or the source of a
// translation. Before Delete returns, the file is removed durably (with
// its article folder when that is left empty), and the Library, the index,
// the journal and OnChange no longer have the version.
func (s *Store) Delete(ctx context.Context, id, lang string) error {
	_, err := s.DeleteIf(ctx, id, lang, nil)
	return err
}

// DeleteIf is Delete with a precondition: check, when not nil, runs under
// the write lock with the version of article id in lang stored now (a
// draft too; nil when there is none), before anything is removed. An error
// from check is returned unchanged and nothing is removed. It returns the
// backend's Position after the deletion (a database's change-log sequence,
// what Tolk-Seq says), as Result.Position is for PutIf.
func (s *Store) DeleteIf(ctx context.Context, id, lang string, check func(cur *article.Version) error) (Position, error) {
	if s.ReadOnly() {
		return 0, ErrReadOnly
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if checkName(id, lang) != nil {
		if check != nil {
			if err := check(nil); err != nil {
				return 0, err
			}
		}
		return 0, ErrNotFound
	}
	p := load.VersionPath(id, lang)
	k := key{id, lang}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return s.deleteBackend(ctx, k, p, check)
}

// breaks describes, naming only article ids and languages, the versions
// that have the problems ps a deletion would cause.
func breaks(ps []article.Problem) string {
	var names []string
	for _, q := range ps {
		if id, lang, ok := load.SplitVersionPath(q.Path); ok {
			names = append(names, fmt.Sprintf("%s of article %q", lang, id))
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) == 0 {
		return "other versions depend on it"
	}
	return "other versions depend on it: " + strings.Join(names, ", ")
}

func hashOf(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// dropSource forgets v's Markdown: the Store serves the rendered HTML and
// text, and the file holds the source, which is a fifth of the memory of a
// large tree.
func dropSource(v *article.Version) {
	if v != nil {
		v.Body = ""
	}
}
