package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/amal-kommun/tolk/index"
	"github.com/amal-kommun/tolk/internal/config"
	"github.com/amal-kommun/tolk/internal/load"
)

// buildIndex builds the persistent search index of a content tree, so that
// a server started on it opens without indexing. On a terminal it draws a
// progress bar; otherwise it prints plain progress lines.
func buildIndex(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Parse(config.Index, args, getenv, stderr)
	if err != nil {
		return flagErr(err)
	}
	fsys, name, err := contentFS(cfg.Content)
	if err != nil {
		return err
	}
	start := time.Now()
	fmt.Fprintf(stderr, "loading %s\n", name)
	lib, problems, err := load.Load(ctx, fsys)
	if err != nil {
		return fmt.Errorf("load %s: %w", name, err)
	}
	for _, p := range problems {
		fmt.Fprintln(stderr, p)
	}
	loaded := time.Since(start)
	bar := newProgress(stderr, isTerminal(stderr))
	ix, err := index.Open(ctx, index.Options{Dir: cfg.Index, Progress: bar.update}, lib.All())
	if err != nil {
		return fmt.Errorf("build index: %w", err)
	}
	bar.finish()
	n := ix.DocCount()
	reused := ix.Reused()
	if err := ix.Close(); err != nil {
		return fmt.Errorf("close index: %w", err)
	}
	took := time.Since(start)
	verb := "indexed"
	if reused {
		verb = "reused the index of"
	}
	fmt.Fprintf(stdout, "%s %d versions of %s in %s (load %s, %.0f versions/s), %s on disk in %s\n",
		verb, n, name, took.Round(time.Millisecond), loaded.Round(time.Millisecond), float64(n)/took.Seconds(), humanSize(dirSize(cfg.Index)), cfg.Index)
	return nil
}

// progress reports indexing progress: a redrawn bar on a terminal, a line
// every 10 % otherwise.
type progress struct {
	w        io.Writer
	terminal bool
	last     int // last reported tenth, for plain lines
	drawn    bool
}

func newProgress(w io.Writer, terminal bool) *progress {
	return &progress{w: w, terminal: terminal, last: -1}
}

func (p *progress) update(done, total int) {
	if total == 0 {
		return
	}
	if p.terminal {
		const width = 30
		fill := done * width / total
		fmt.Fprintf(p.w, "\rindexing [%s%s] %d/%d", strings.Repeat("=", fill), strings.Repeat(" ", width-fill), done, total)
		p.drawn = true
		return
	}
	if tenth := done * 10 / total; tenth > p.last {
		p.last = tenth
		fmt.Fprintf(p.w, "indexing: %d of %d versions (%d%%)\n", done, total, done*100/total)
	}
}

func (p *progress) finish() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}

// isTerminal reports whether w is a character device, such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// dirSize is the size of the regular files under dir.
func dirSize(dir string) int64 {
	var n int64
	filepathWalk(dir, func(size int64) { n += size })
	return n
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// filepathWalk calls add with the size of every regular file under dir.
func filepathWalk(dir string, add func(int64)) {
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				add(info.Size())
			}
		}
		return nil
	})
}
