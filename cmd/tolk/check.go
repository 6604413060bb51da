package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"text/tabwriter"

	"github.com/amal-kommun/tolk/content"
	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/config"
	"github.com/amal-kommun/tolk/internal/load"
)

// contentFS returns the content tree to read: dir, or the embedded corpus.
func contentFS(dir string) (fs.FS, string, error) {
	if dir == "" {
		return content.FS, "embedded corpus", nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, "", fmt.Errorf("content directory: %w", err)
	}
	if !st.IsDir() {
		return nil, "", fmt.Errorf("content directory %s: not a directory", dir)
	}
	return os.DirFS(dir), dir, nil
}

// check validates a content tree, prints its problems as path:line: message
// and its coverage table, and fails when there is any problem.
func check(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Parse(config.Check, args, getenv, stderr)
	if err != nil {
		return flagErr(err)
	}
	fsys, name, err := contentFS(cfg.Content)
	if err != nil {
		return err
	}
	lib, problems, err := load.Load(ctx, fsys)
	if err != nil {
		return err
	}
	for _, p := range problems {
		if cfg.Content != "" {
			p.Path = cfg.Content + string(os.PathSeparator) + p.Path
		}
		fmt.Fprintln(stdout, p)
	}
	if lib != nil {
		printCoverage(stdout, lib)
	}
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "%s: %d problem(s)\n", name, len(problems))
		return errReported
	}
	fmt.Fprintf(stdout, "%s: %d articles, no problems\n", name, lib.Len())
	return nil
}

// printCoverage prints articles × languages: original, present, outdated,
// draft or missing.
func printCoverage(w io.Writer, lib *article.Library) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	langs := lib.Site().Languages
	fmt.Fprint(tw, "article")
	for _, l := range langs {
		fmt.Fprintf(tw, "\t%s", l)
	}
	fmt.Fprintln(tw)
	for _, id := range lib.IDs() {
		a := lib.Article(id)
		fmt.Fprint(tw, id)
		for _, l := range langs {
			v := a.Versions[l]
			state := "missing"
			switch {
			case v == nil:
			case v.Draft:
				state = "draft"
			case v.IsOriginal():
				state = "original"
			case v.Outdated:
				state = "outdated"
			default:
				state = "present"
			}
			fmt.Fprintf(tw, "\t%s", state)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

// flagErr turns -h into success: the usage has been printed.
func flagErr(err error) error {
	if errors.Is(err, config.ErrHelp) {
		return nil
	}
	return err
}
