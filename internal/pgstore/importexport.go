package pgstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/load"
)

// ImportResult says what an Import changed.
type ImportResult struct {
	Versions    int  // versions in the tree
	Written     int  // versions created or replaced
	Deleted     int  // versions the database had and the tree has not
	SiteChanged bool // site.yaml was created or replaced
	Logged      int  // change-log entries written
	Rev, Head   uint64
}

// Import makes site hold exactly the content tree fsys: its site.yaml as
// written and every version in canonical form (load.Format), versions the
// tree lacks deleted, and the change-log entries that make the log's state
// match (an upsert for every public version, and for every language derived
// from its language, whose slug or file changed; a delete for every one
// gone), in one transaction. The log entries of an import into a site
// without a log are silent (no webhook announces a first import).
//
// The tree is validated first, as tolk check does: with any problem Import
// writes nothing and returns the problems (with a nil error). Importing the
// same tree again writes nothing and logs nothing.
func (s *Store) Import(ctx context.Context, site string, fsys fs.FS) (ImportResult, []article.Problem, error) {
	lib, problems, err := load.Load(ctx, fsys)
	if err != nil {
		return ImportResult{}, nil, fmt.Errorf("pgstore: import: %w", err)
	}
	if len(problems) > 0 {
		return ImportResult{}, problems, nil
	}
	siteYAML, err := fs.ReadFile(fsys, load.SitePath)
	if err != nil {
		return ImportResult{}, nil, fmt.Errorf("pgstore: import: %w", err)
	}
	type file struct {
		data []byte
		hash string
	}
	files := make(map[article.VersionKey]file)
	for _, v := range lib.All() {
		data := load.Format(v)
		files[v.Key()] = file{data, HashOf(data)}
	}
	res := ImportResult{Versions: len(files)}
	up, err := s.Update(ctx, site, 0, func(ctx context.Context, tx *Tx) error {
		res = ImportResult{Versions: len(files)}
		stored, err := tx.hashes(ctx)
		if err != nil {
			return err
		}
		var put []File
		for k, f := range files {
			if stored[k] != f.hash {
				put = append(put, File{ID: k.ID, Lang: k.Lang, Data: f.data})
			}
		}
		if res.Written, err = tx.PutAll(ctx, put); err != nil {
			return err
		}
		for k := range stored {
			if _, ok := files[k]; !ok {
				if _, err := tx.Delete(ctx, k.ID, k.Lang); err != nil {
					return err
				}
				res.Deleted++
			}
		}
		if res.SiteChanged, err = tx.PutSiteYAML(ctx, siteYAML); err != nil {
			return err
		}
		state, err := tx.logState(ctx)
		if err != nil {
			return err
		}
		hashes := make(map[article.VersionKey]string, len(files))
		for k, f := range files {
			hashes[k] = f.hash
		}
		entries := CatchUp(lib, hashes, state)
		res.Logged = len(entries)
		tx.Log(entries...)
		return nil
	})
	if err != nil {
		return ImportResult{}, nil, err
	}
	res.Rev, res.Head = up.Rev, up.Head
	return res, nil, nil
}

// hashes returns the hash of every stored version.
func (t *Tx) hashes(ctx context.Context) (map[article.VersionKey]string, error) {
	rows, err := t.tx.Query(ctx, `SELECT id, lang, hash FROM tolk_versions WHERE site = $1 AND data IS NOT NULL`, t.site)
	if err != nil {
		return nil, wrap("read versions", err)
	}
	out := make(map[article.VersionKey]string)
	var k article.VersionKey
	var h string
	_, err = pgx.ForEachRow(rows, []any{&k.ID, &k.Lang, &h}, func() error {
		out[k] = h
		return nil
	})
	if err != nil {
		return nil, wrap("read versions", err)
	}
	return out, nil
}

// logState returns, for every version whose last change-log entry is an
// upsert, that entry: what the log says exists (journal.Journal.State).
func (t *Tx) logState(ctx context.Context) (map[journal.Key]journal.Entry, error) {
	rows, err := t.tx.Query(ctx, `SELECT id, lang, op, slug, hash FROM (
		SELECT DISTINCT ON (id, lang) id, lang, op, slug, hash FROM tolk_changes WHERE site = $1 ORDER BY id, lang, seq DESC) last
		WHERE op = 'upsert'`, t.site)
	if err != nil {
		return nil, wrap("read change log", err)
	}
	out := make(map[journal.Key]journal.Entry)
	var e journal.Entry
	var op string
	_, err = pgx.ForEachRow(rows, []any{&e.ID, &e.Lang, &op, &e.Slug, &e.Hash}, func() error {
		e.Op = journal.Op(op)
		out[journal.Key{ID: e.ID, Lang: e.Lang}] = e
		return nil
	})
	if err != nil {
		return nil, wrap("read change log", err)
	}
	return out, nil
}

// CatchUp returns the change-log entries that make a log whose state is
// state (journal.Journal.State) match lib, whose stored versions' file
// hashes are hashes: an upsert for every public version, and every language
// derived from its language, that the log lacks with the same slug and hash
// (derived languages have no hash), a delete for every version the log has
// and lib does not serve publicly. Entries come by article id, then in the
// site's language order; they are silent when state is empty (a first
// import announces nothing). At is left zero.
func CatchUp(lib *article.Library, hashes map[article.VersionKey]string, state map[journal.Key]journal.Entry) []journal.Entry {
	site := lib.Site()
	want := make(map[journal.Key]journal.Entry)
	for k, h := range hashes {
		v := lib.Version(k.ID, k.Lang)
		if v == nil || v.Draft {
			continue
		}
		want[journal.Key{ID: k.ID, Lang: k.Lang}] = journal.Entry{ID: k.ID, Lang: k.Lang, Op: journal.Upsert, Slug: v.Slug, Hash: h}
		for _, d := range site.Derived {
			if d.From == k.Lang {
				want[journal.Key{ID: k.ID, Lang: d.Tag}] = journal.Entry{ID: k.ID, Lang: d.Tag, Op: journal.Upsert, Slug: v.Slug}
			}
		}
	}
	var keys []journal.Key
	for k, w := range want {
		if e, ok := state[k]; !ok || e.Slug != w.Slug || e.Hash != w.Hash {
			keys = append(keys, k)
		}
	}
	for k := range state {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	rank := make(map[string]int)
	for i, l := range site.Served() {
		rank[l] = i
	}
	r := func(l string) int {
		if i, ok := rank[l]; ok {
			return i
		}
		return len(rank)
	}
	slices.SortFunc(keys, func(a, b journal.Key) int {
		return cmp.Or(strings.Compare(a.ID, b.ID), cmp.Compare(r(a.Lang), r(b.Lang)), strings.Compare(a.Lang, b.Lang))
	})
	silent := len(state) == 0
	out := make([]journal.Entry, 0, len(keys))
	for _, k := range keys {
		w, wanted := want[k]
		e, known := state[k]
		if wanted {
			w.URL = site.URL(k.Lang, w.Slug)
			if known && e.Slug != w.Slug {
				w.PreviousSlug = e.Slug
				w.PreviousURL = site.URL(k.Lang, e.Slug)
			}
			w.Silent = silent
			out = append(out, w)
			continue
		}
		u := site.URL(k.Lang, e.Slug)
		out = append(out, journal.Entry{ID: k.ID, Lang: k.Lang, Op: journal.Delete, Slug: e.Slug, URL: u, PreviousURL: u})
	}
	return out
}

// Export writes site's content into dir as a content tree: site.yaml and
// articles/<id>/<lang>.md for every version, each file written to a
// temporary name and renamed into place, so a reader never sees half a
// file. Version files in dir that the site does not have are removed (and
// article folders left empty); other files (a README, .git) are left
// alone, so dir can be a Git checkout committed after each export. It
// returns the number of versions written.
func (s *Store) Export(ctx context.Context, site, dir string) (int, error) {
	snap, err := s.Snapshot(ctx, site)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Join(dir, load.ArticlesDir), 0o755); err != nil {
		return 0, fmt.Errorf("pgstore: export: %w", err)
	}
	keep := map[string]bool{}
	if snap.SiteYAML != nil {
		if err := writeFile(filepath.Join(dir, load.SitePath), snap.SiteYAML); err != nil {
			return 0, err
		}
	}
	for _, f := range snap.Versions {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		rel := path.Join(load.ArticlesDir, f.ID, f.Lang+".md")
		keep[rel] = true
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return 0, fmt.Errorf("pgstore: export: %w", err)
		}
		if err := writeFile(p, f.Data); err != nil {
			return 0, err
		}
	}
	if err := prune(dir, keep); err != nil {
		return 0, err
	}
	return len(snap.Versions), nil
}

// prune removes the version files under dir's articles folder that keep
// does not name, and the article folders that leaves empty.
func prune(dir string, keep map[string]bool) error {
	articles := filepath.Join(dir, load.ArticlesDir)
	folders, err := os.ReadDir(articles)
	if err != nil {
		return fmt.Errorf("pgstore: export: %w", err)
	}
	for _, d := range folders {
		if !d.IsDir() {
			continue
		}
		folder := filepath.Join(articles, d.Name())
		files, err := os.ReadDir(folder)
		if err != nil {
			return fmt.Errorf("pgstore: export: %w", err)
		}
		left := len(files)
		for _, f := range files {
			rel := path.Join(load.ArticlesDir, d.Name(), f.Name())
			if f.Type().IsRegular() && strings.HasSuffix(f.Name(), ".md") && !keep[rel] {
				if err := os.Remove(filepath.Join(folder, f.Name())); err != nil {
					return fmt.Errorf("pgstore: export: %w", err)
				}
				left--
			}
		}
		if left == 0 {
			if err := os.Remove(folder); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("pgstore: export: %w", err)
			}
		}
	}
	return nil
}

// writeFile writes data to p through a temporary file renamed into place.
func writeFile(p string, data []byte) error {
	if old, err := os.ReadFile(p); err == nil && string(old) == string(data) {
		return nil // unchanged: keep its time, as Git and rsync like
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tolk-export-*")
	if err != nil {
		return fmt.Errorf("pgstore: export: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("pgstore: export %s: %w", p, err)
	}
	return nil
}
