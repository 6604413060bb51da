package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/amal-kommun/tolk/content"
	"github.com/amal-kommun/tolk/index"
	"github.com/amal-kommun/tolk/internal/config"
	"github.com/amal-kommun/tolk/internal/filestore"
	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/store"
)

// buildIndex builds the persistent search index of a content tree, so that
// a server started on it opens without indexing. It leaves in the index
// directory everything a first start needs: the index, the versions cache
// (so the server parses nothing), and, when the change journal there is
// new, its first entries (so the server has nothing to catch up). On a
// terminal it draws a progress bar; otherwise it prints plain progress
// lines.
func buildIndex(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Parse(config.Index, args, getenv, stderr)
	if err != nil {
		return flagErr(err)
	}
	_, name, err := contentFS(cfg.Content)
	if err != nil {
		return err
	}
	start := time.Now()
	fmt.Fprintf(stderr, "loading %s\n", name)
	jr, err := newJournal(cfg.Index)
	if err != nil {
		return err
	}
	bar := newProgress(stderr, isTerminal(stderr))
	var loaded time.Duration // until indexing starts; 0 when the index is reused
	files, err := filestore.New(filestore.Options{Dir: cfg.Content, FS: content.FS, CacheDir: cfg.Index})
	if err != nil {
		if jr != nil {
			jr.Close()
		}
		return fmt.Errorf("build index of %s: %w", name, err)
	}
	st, err := store.Open(ctx, store.Options{
		Backend: files,
		Index: index.Options{Dir: cfg.Index, Progress: func(done, total int) {
			if loaded == 0 {
				loaded = time.Since(start)
			}
			bar.update(done, total)
		}},
		Journal: jr,
	})
	if err != nil {
		if jr != nil {
			jr.Close()
		}
		return fmt.Errorf("build index of %s: %w", name, err)
	}
	bar.finish()
	for _, p := range st.Problems() {
		fmt.Fprintln(stderr, p)
	}
	n := st.Index().DocCount()
	reused := st.Index().Reused()
	// Leave one segment behind, or every start merges the batches again.
	if err := st.Index().WaitCompacted(ctx); err != nil {
		return fmt.Errorf("merge index: %w", err)
	}
	if err := st.Close(); err != nil { // also waits for the versions cache
		return fmt.Errorf("close index: %w", err)
	}
	if jr != nil {
		if err := jr.Close(); err != nil {
			return fmt.Errorf("close change journal: %w", err)
		}
	}
	took := time.Since(start)
	verb := "indexed"
	if reused {
		verb = "reused the index of"
	}
	fmt.Fprintf(stdout, "%s %d versions of %s in %s (load %s, %.0f versions/s), %s on disk in %s\n",
		verb, n, name, took.Round(time.Millisecond), cmp.Or(loaded, took).Round(time.Millisecond), float64(n)/took.Seconds(), humanSize(dirSize(cfg.Index)), cfg.Index)
	return nil
}

// newJournal opens the change journal in dir when it has no entries yet,
// for the index build to record the content in it: the state a server's
// first start would otherwise append, all at once, before it is ready. A
// journal with entries is left to the server, whose catch-up also sends
// the webhooks of what changed while it was stopped; so is one that a
// running server holds. Both return nil.
func newJournal(dir string) (*journal.Journal, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("index directory: %w", err)
	}
	jr, err := journal.Open(dir)
	if errors.Is(err, journal.ErrLocked) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open change journal: %w", err)
	}
	if entries, _, err := jr.Since("", 1); err != nil || len(entries) > 0 {
		jr.Close()
		return nil, err
	}
	return jr, nil
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
