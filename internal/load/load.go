package load

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/amal-kommun/tolk/internal/article"
)

// ArticlesDir is the folder of the content tree that holds the articles.
const ArticlesDir = "articles"

// VersionPath returns the slash path, in a content tree, of the file of
// the version of article id in language lang.
func VersionPath(id, lang string) string {
	return ArticlesDir + "/" + id + "/" + lang + ".md"
}

// SplitVersionPath returns the article id and language of the version file
// at slash path p, and false when p is not the path of a version file.
func SplitVersionPath(p string) (id, lang string, ok bool) {
	rest, ok := strings.CutPrefix(p, ArticlesDir+"/")
	if !ok {
		return "", "", false
	}
	id, file, ok := strings.Cut(rest, "/")
	if !ok || strings.Contains(file, "/") {
		return "", "", false
	}
	lang, ok = strings.CutSuffix(file, ".md")
	return id, lang, ok && id != "" && lang != ""
}

// Load reads a content tree (site.yaml and articles/<id>/<lang>.md) from
// fsys and returns the Library of every valid version together with every
// problem found in the tree, sorted by path and line. Bad content is never
// an error: err is non-nil only when fsys fails to read or ctx is canceled,
// and then the Library is nil. A version with a problem of its own is left
// out of the Library (article.Build decides for the rules across files).
// Without a usable site.yaml the Library is empty, but the articles are
// still checked; a missing site.yaml is reported on line 0, as it has none.
//
// Load reads only through fsys and only the files that matter: site.yaml and
// articles/<id>/<lang>.md. Other files, such as README.md, hidden files and
// editor or write-API leftovers (.#x, x~, x.swp, .tmp-x), are ignored;
// other .md files under articles/ and symbolic links are reported, never
// followed. Files are parsed in parallel, at most GOMAXPROCS at a time.
func Load(ctx context.Context, fsys fs.FS) (*article.Library, []article.Problem, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	var problems []article.Problem
	var site *article.Site
	data, err := fs.ReadFile(fsys, SitePath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		problems = append(problems, article.Problem{Path: SitePath, Message: "missing site.yaml: the content tree has no site configuration"})
	case err != nil:
		return nil, nil, fmt.Errorf("read %s: %w", SitePath, err)
	default:
		var ps []article.Problem
		site, ps = ParseSite(SitePath, data)
		problems = append(problems, ps...)
	}

	paths, ps, err := versionPaths(fsys)
	if err != nil {
		return nil, nil, err
	}
	problems = append(problems, ps...)

	versions, partial, ps, err := parseAll(ctx, fsys, paths)
	if err != nil {
		return nil, nil, err
	}
	problems = append(problems, ps...)

	if site == nil {
		site = &article.Site{Tags: map[string]map[string]string{}}
		versions, partial = nil, nil // without languages, every version would be reported again
	}
	lib, ps := article.Build(site, versions)
	problems = append(problems, ps...)
	problems = append(problems, CheckPartial(site, versions, partial, problems)...)
	SortProblems(problems)
	return lib, problems, nil
}

// SortProblems sorts ps by path, then line, then message.
func SortProblems(ps []article.Problem) {
	slices.SortStableFunc(ps, func(a, b article.Problem) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Message, b.Message))
	})
}

// versionPaths lists the version files under articles/, in lexical order,
// and reports files that look like versions but are not where they belong.
func versionPaths(fsys fs.FS) ([]string, []article.Problem, error) {
	var paths []string
	var problems []article.Problem
	report := func(p, format string, args ...any) {
		problems = append(problems, article.Problem{Path: p, Line: 1, Message: fmt.Sprintf(format, args...)})
	}
	err := fs.WalkDir(fsys, ArticlesDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == ArticlesDir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll // a tree without articles
			}
			return fmt.Errorf("read %s: %w", p, err)
		}
		name := d.Name()
		if p != ArticlesDir && Ignored(name) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		depth := strings.Count(p, "/")
		if d.IsDir() {
			if depth >= 2 { // articles/<id>/<dir>: nothing belongs there
				return fs.SkipDir
			}
			return nil
		}
		if path.Ext(name) != ".md" || strings.EqualFold(name, "README.md") {
			return nil
		}
		switch {
		case depth != 2:
			report(p, "a version file belongs in %s/<id>/<lang>.md", ArticlesDir)
		case d.Type()&fs.ModeSymlink != 0:
			report(p, "symbolic link not followed: a version must be a regular file")
		case !d.Type().IsRegular():
			report(p, "not a regular file")
		default:
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return paths, problems, nil
}

// Ignored reports whether a file or folder name is one Load skips: hidden
// files (.DS_Store, .git, Emacs' .#x, the write API's .tolk-tmp-x) and
// editor backups and swap files (x~, #x#, x.swp). The store's watcher uses
// the same rule.
func Ignored(name string) bool {
	return strings.HasPrefix(name, ".") ||
		strings.HasSuffix(name, "~") ||
		strings.HasPrefix(name, "#") ||
		strings.HasSuffix(name, ".swp") || strings.HasSuffix(name, ".swo") || strings.HasSuffix(name, ".swx") ||
		strings.HasSuffix(name, ".tmp") || strings.HasSuffix(name, ".bak")
}

// parseAll reads and parses the files at paths, at most GOMAXPROCS at a
// time, and returns the valid versions, the partial versions of files
// with problems (ParsePartial) and the problems, in the order of paths.
func parseAll(ctx context.Context, fsys fs.FS, paths []string) (versions, partial []*article.Version, problems []article.Problem, err error) {
	type result struct {
		v        *article.Version
		problems []article.Problem
		err      error
	}
	results := make([]result, len(paths))
	r := NewRenderer()
	workers := min(runtime.GOMAXPROCS(0), len(paths))
	var next int
	var mu sync.Mutex
	take := func() int {
		mu.Lock()
		defer mu.Unlock()
		if ctx.Err() != nil || next >= len(paths) {
			return -1
		}
		next++
		return next - 1
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := take(); i >= 0; i = take() {
				data, err := fs.ReadFile(fsys, paths[i])
				if errors.Is(err, fs.ErrNotExist) {
					continue // removed since the walk: no longer part of the tree
				}
				if err != nil {
					results[i].err = fmt.Errorf("read %s: %w", paths[i], err)
					continue
				}
				results[i].v, results[i].problems = ParsePartial(paths[i], data, r)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, nil, err
	}
	for _, res := range results {
		if res.err != nil {
			return nil, nil, nil, res.err
		}
		switch {
		case res.v == nil:
		case len(res.problems) == 0:
			versions = append(versions, res.v)
		default:
			partial = append(partial, res.v)
		}
		problems = append(problems, res.problems...)
	}
	return versions, partial, problems, nil
}

// CheckPartial returns the problems of partial, the versions of files that
// have problems of their own (ParsePartial), under the rules across files
// that need only fields such a file has read: its slug or an alias used by
// another version, and an unknown tag. Loading uses it so that a file's
// problems are reported at once, not one rule after another as they are
// fixed. valid are the other versions; known the problems found so far: a
// key of a file that already has a problem about it is not checked again
// (a bad slug is not also a clashing one), nor a file whose name is not a
// stored language's version of a valid id. The messages are
// article.Build's.
func CheckPartial(site *article.Site, valid, partial []*article.Version, known []article.Problem) []article.Problem {
	if len(partial) == 0 {
		return nil
	}
	type pathKey struct{ path, key string }
	keyed := make(map[pathKey]bool, len(known))
	for _, p := range known {
		keyed[pathKey{p.Path, p.Key}] = true
	}
	taken := make(map[string][]*article.Version)
	take := func(v *article.Version) {
		for _, s := range append([]string{v.Slug}, v.Aliases...) {
			if s != "" {
				taken[s] = append(taken[s], v)
			}
		}
	}
	for _, v := range valid {
		take(v)
	}
	var out []article.Problem
	report := func(v *article.Version, key, format string, args ...any) {
		out = append(out, article.Problem{Path: v.Path, Line: v.Line(key), Message: fmt.Sprintf(format, args...), Key: key})
	}
	for _, v := range partial {
		if !article.ValidSlug(v.ID) || checkLang(v.Lang) != "" || !site.Stored(v.Lang) {
			continue // not a version of the tree until it is named right
		}
		for i, s := range append([]string{v.Slug}, v.Aliases...) {
			key := keySlug
			if i > 0 {
				key = keyAliases
			}
			if s == "" || keyed[pathKey{v.Path, key}] {
				continue
			}
			for _, o := range taken[s] {
				if o.Lang == v.Lang {
					report(v, key, "slug %q is already used by %s", s, o.Path)
					break
				}
				if o.ID != v.ID {
					report(v, key, "slug %q is already used by article %q (%s)", s, o.ID, o.Path)
					break
				}
			}
		}
		take(v)
		if !keyed[pathKey{v.Path, keyTags}] {
			for _, t := range v.Tags {
				if _, ok := site.Tags[t]; !ok {
					report(v, keyTags, "unknown tag %q (add it to site.yaml)", t)
				}
			}
		}
	}
	return out
}
