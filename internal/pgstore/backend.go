package pgstore

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/load"
	"github.com/amal-kommun/tolk/internal/store"
)

// Backend is one site of a Store as the content core's store.Backend. Its
// Position is the site's revision (Snapshot.Rev, Result.Rev): one a commit,
// so that a commit that logs nothing (a draft saved) still moves replicas
// on; the change log's sequences are the entries' own. It keeps the change
// log (store.Snapshot.KeepsJournal): Update writes a Change's entries in the
// commit of its version, and Watch reports other replicas' entries.
//
// It also keeps the change feed's journal (Journal): a mirror of the log
// with the site's epoch and the log's sequences, filled by Load and kept
// up by Update and Watch, so that every replica hands out the same
// cursors and pages.
//
// A Backend does not own its Store: Close leaves it open.
type Backend struct {
	st     *Store
	site   string
	listen ListenOptions
	r      *load.Renderer

	// applied is the newest revision handed to the core (Load, Update,
	// Watch): where the next catch-up reads from.
	applied atomic.Uint64
	// commitMu is read-held by Update from before its commit until
	// applied covers it, so that Watch, by taking it for a moment after a
	// read, knows applied covers every local commit the read saw, and
	// hands the core no entry twice.
	commitMu sync.RWMutex

	mu       sync.Mutex
	problems map[string][]article.Problem // by path, of files that do not parse

	// replica names this Backend in tolk_replicas, where Watch reports the
	// revision the core has applied.
	replica string

	// feed mirrors the site's change log (Journal); feedMu serializes
	// what is appended to it, so that a gap is filled from the log once.
	feed   *journal.Journal
	feedMu sync.Mutex
}

var _ store.Backend = (*Backend)(nil)

// NewBackend returns the Backend of site in st; listen configures Watch.
func NewBackend(st *Store, site string, listen ListenOptions) (*Backend, error) {
	if err := checkSite(site); err != nil {
		return nil, err
	}
	var id [6]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, fmt.Errorf("pgstore: replica id: %w", err)
	}
	return &Backend{st: st, site: site, listen: listen, r: load.NewRenderer(), problems: map[string][]article.Problem{},
		replica: hex.EncodeToString(id[:]), feed: journal.NewMirror(journal.Epoch{})}, nil
}

// Journal returns the mirror of the site's change log that the Backend
// keeps (journal.NewMirror): the site's epoch, the log's sequences, every
// entry up to the revision the core has applied, and never one the core
// has not been handed yet. It is what the change feed reads (give it to
// the core as store.Options.Journal); it is empty with a zero epoch until
// Load, and until the site exists.
func (b *Backend) Journal() *journal.Journal { return b.feed }

// Load reads the whole site. A site that does not exist yet loads as empty
// content with no site configuration (and a problem saying to import one);
// Watch picks it up once it is written.
func (b *Backend) Load(ctx context.Context) (store.Snapshot, error) {
	// The files parse as they stream in, and the feed's entries load
	// meanwhile: a cold start waits for the slowest of the three, not
	// their sum.
	var fed chan error
	p := newParser(b.r)
	snap, err := b.st.snapshot(ctx, b.site, func(snap *Snapshot) {
		fed = make(chan error, 1)
		go func() { fed <- b.fillFeed(ctx, snap.Epoch, snap.Head, nil) }()
	}, p.add)
	parsed := p.done()
	if fed != nil {
		if ferr := <-fed; err == nil {
			err = ferr
		}
	}
	if errors.Is(err, ErrNoSite) {
		ps := []article.Problem{{Path: load.SitePath, Line: 1,
			Message: fmt.Sprintf("the database has no site %q yet: write one with tolk import", b.site)}}
		b.mu.Lock()
		clear(b.problems)
		b.problems[load.SitePath] = ps
		b.mu.Unlock()
		return store.Snapshot{KeepsJournal: true, Problems: slices.Clone(ps)}, nil
	}
	if err != nil {
		return store.Snapshot{}, coreErr(err)
	}
	out := store.Snapshot{Position: store.Position(snap.Rev), KeepsJournal: true}
	b.mu.Lock()
	clear(b.problems)
	out.Site = b.parseSite(snap.SiteYAML, snap.SiteYAML != nil)
	out.Versions = b.record(parsed)
	out.Problems = b.allProblems()
	b.mu.Unlock()
	b.advance(snap.Rev)
	return out, nil
}

// Update runs change in a transaction holding the site's row, with what
// committed after applied, and writes the Change it returns with its
// entries in one commit. An error of change comes back unchanged; the
// database's wrap store.ErrUnavailable.
func (b *Backend) Update(ctx context.Context, applied store.Position, change func(behind store.Delta) (store.Change, error)) (store.Position, error) {
	var changeErr error
	b.commitMu.RLock()
	defer b.commitMu.RUnlock()
	res, err := b.st.Update(ctx, b.site, uint64(applied), func(ctx context.Context, tx *Tx) error {
		ch, err := tx.Caught(ctx)
		if err != nil {
			return err
		}
		b.mirror(ctx, ch.Epoch, ch.Head, ch.Log)
		c, err := change(b.delta(ch))
		b.advance(ch.Rev) // the core has applied behind, whatever it decided
		if err != nil {
			changeErr = err
			return err
		}
		if c.IsZero() {
			return nil
		}
		if c.File == nil {
			_, err = tx.Delete(ctx, c.Key.ID, c.Key.Lang)
		} else {
			_, err = tx.Put(ctx, c.Key.ID, c.Key.Lang, c.File)
		}
		if err != nil {
			return err
		}
		tx.Log(c.Entries...)
		return nil
	})
	if changeErr != nil {
		return 0, changeErr
	}
	if err != nil {
		return 0, coreErr(err)
	}
	b.mirror(ctx, res.Epoch, res.Head, res.Log)
	b.advance(res.Rev)
	return store.Position(res.Rev), nil
}

// Watch reports the commits of other replicas (and of tolk import) until
// ctx is done: woken by their NOTIFY, and every ListenOptions.Poll, it
// reads what committed after the newest revision the core has and reports
// it as one Delta. Reads that fail (the database down) are retried at the
// next wake-up. After every wake-up it records the revision the core has
// applied (ReportApplied), for the webhook relay to wait for; when ctx is
// done it removes that record, so a stopped replica holds nobody back.
//
// Its listening connection is named ReplicaApplication of the replica and
// the site: the relay counts a replica as live only while that connection
// is open, so a replica whose process was killed holds nobody back from
// the moment PostgreSQL sees the connection close.
func (b *Backend) Watch(ctx context.Context, report func(store.Delta)) error {
	defer func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		b.st.forgetReplica(ctx, b.site, b.replica)
	}()
	b.st.pruneReplicas(ctx, b.site)
	opts := b.listen
	opts.Application = ReplicaApplication(b.replica, b.site)
	return b.st.Listen(ctx, b.site, opts, func(ctx context.Context) {
		b.catchUp(ctx, report)
		if err := b.st.ReportApplied(ctx, b.site, b.replica, b.applied.Load()); err != nil && ctx.Err() == nil && !errors.Is(err, ErrNoSite) {
			b.st.log.Warn("pgstore: report the applied revision", "site", b.site, "err", err)
		}
	})
}

// catchUp reports what committed after the core's revision, if anything.
func (b *Backend) catchUp(ctx context.Context, report func(store.Delta)) {
	from := b.applied.Load()
	ch, err := b.st.Since(ctx, b.site, from)
	switch {
	case errors.Is(err, ErrNoSite), ctx.Err() != nil:
		return
	case err != nil:
		b.st.log.Warn("pgstore: catch up", "site", b.site, "from", from, "err", err)
		return
	case ch.Rev == from:
		b.mirror(ctx, ch.Epoch, ch.Head, nil) // heals a feed an earlier failure left behind
		return
	}
	// A local Update may have committed what the read saw and handed
	// its entries to the core already: wait until it has said so,
	// then leave out what the core has.
	b.commitMu.Lock()
	//lint:ignore SA2001 a barrier: it waits for the Updates in flight
	b.commitMu.Unlock()
	if now := b.applied.Load(); now > from {
		if ch.Rev <= now {
			return
		}
		ch.From = now
		ch.Log = slices.DeleteFunc(ch.Log, func(c Change) bool { return c.Rev <= now })
	}
	// Like a file journal's append, the feed has the entries just before
	// the core publishes their generation.
	b.mirror(ctx, ch.Epoch, ch.Head, ch.Log)
	report(b.delta(ch))
	b.advance(ch.Rev)
}

// mirror appends log, the entries of what committed after some revision,
// to the feed, reading from the database what the feed lacks before them
// and up to head; a feed of another epoch (a site created or created
// anew since) starts over. A read that fails is logged and left to the
// next call: the feed then serves a prefix of the log until it catches
// up, never other entries.
func (b *Backend) mirror(ctx context.Context, epoch Epoch, head uint64, log []Change) {
	if err := b.fillFeed(ctx, epoch, head, log); err != nil && ctx.Err() == nil {
		b.st.log.Warn("pgstore: mirror the change log; the change feed is behind until the next change", "site", b.site, "err", err)
	}
}

// fillFeed does what mirror does, returning the error.
func (b *Backend) fillFeed(ctx context.Context, epoch Epoch, head uint64, log []Change) error {
	b.feedMu.Lock()
	defer b.feedMu.Unlock()
	if b.feed.Epoch() != journal.Epoch(epoch) {
		if err := b.feed.Reset(journal.Epoch(epoch)); err != nil {
			return err
		}
	}
	if len(log) > 0 {
		head = max(head, log[len(log)-1].Seq)
	}
	for have := b.feed.Len(); have < head; have = b.feed.Len() {
		// Take the entries given from the first one the feed lacks;
		// read from the log what comes before them.
		i, _ := slices.BinarySearchFunc(log, have+1, func(c Change, seq uint64) int { return cmp.Compare(c.Seq, seq) })
		log = log[i:]
		if len(log) > 0 && log[0].Seq == have+1 {
			run := 1
			for run < len(log) && log[run].Seq == log[run-1].Seq+1 {
				run++
			}
			if err := b.feed.Mirror(have+1, entriesOf(log[:run])...); err != nil {
				return err
			}
			log = log[run:]
			continue
		}
		upto := head
		if len(log) > 0 {
			upto = log[0].Seq - 1
		}
		read, e, _, err := b.st.Log(ctx, b.site, have, int(min(upto-have, feedPage)))
		if err != nil {
			return err
		}
		if e != epoch || len(read) == 0 || read[0].Seq != have+1 {
			return fmt.Errorf("pgstore: the change log of %s changed while it was read (epoch %s, want %s)", b.site, e, epoch)
		}
		if err := b.feed.Mirror(have+1, entriesOf(read)...); err != nil {
			return err
		}
	}
	return nil
}

// feedPage bounds the entries one read of the log for the feed returns.
const feedPage = 10000

// entriesOf returns the entries of cs.
func entriesOf(cs []Change) []journal.Entry {
	out := make([]journal.Entry, len(cs))
	for i, c := range cs {
		out[i] = c.Entry
	}
	return out
}

// ReadOnly reports false: every replica may write.
func (b *Backend) ReadOnly() bool { return false }

// Close does nothing: the Store is its owner's to close.
func (b *Backend) Close() error { return nil }

// advance raises applied to rev.
func (b *Backend) advance(rev uint64) {
	for {
		old := b.applied.Load()
		if rev <= old || b.applied.CompareAndSwap(old, rev) {
			return
		}
	}
}

// delta turns what committed after a revision into the core's Delta,
// parsing every file.
func (b *Backend) delta(ch *Changes) store.Delta {
	d := store.Delta{From: store.Position(ch.From), To: store.Position(ch.Rev)}
	b.mu.Lock()
	defer b.mu.Unlock()
	before := len(b.problems)
	touched := false
	if ch.SiteChanged {
		_, had := b.problems[load.SitePath]
		d.Site = b.parseSite(ch.SiteYAML, true)
		_, has := b.problems[load.SitePath]
		touched = had || has
	}
	var put []File
	had := make(map[string]bool)
	for _, f := range ch.Versions {
		p := versionPath(f.ID, f.Lang)
		_, had[p] = b.problems[p]
		if f.Data == nil {
			delete(b.problems, p)
			d.Removed = append(d.Removed, article.VersionKey{ID: f.ID, Lang: f.Lang})
		} else {
			put = append(put, f)
		}
	}
	d.Put = b.parseVersions(put)
	for _, f := range ch.Versions {
		p := versionPath(f.ID, f.Lang)
		_, has := b.problems[p]
		touched = touched || had[p] || has
	}
	if touched || before != len(b.problems) {
		d.Problems, d.ProblemsChanged = b.allProblems(), true
	}
	if len(ch.Log) > 0 {
		d.Entries = entriesOf(ch.Log)
	}
	return d
}

func versionPath(id, lang string) string { return path.Join(load.ArticlesDir, id, lang+".md") }

// parseSite parses site.yaml, recording its problems; it returns nil for
// none or a broken one. The caller holds b.mu.
func (b *Backend) parseSite(data []byte, present bool) *article.Site {
	delete(b.problems, load.SitePath)
	if !present || data == nil {
		b.problems[load.SitePath] = []article.Problem{{Path: load.SitePath, Line: 1, Message: "the site has no site.yaml"}}
		return nil
	}
	site, ps := load.ParseSite(load.SitePath, data)
	if len(ps) > 0 {
		b.problems[load.SitePath] = ps
		return nil
	}
	return site
}

// parseVersions parses stored files (with a parser) and records their
// problems: see record. The caller holds b.mu.
func (b *Backend) parseVersions(files []File) []store.Stored {
	p := newParser(b.r)
	for _, f := range files {
		p.add(f)
	}
	return b.record(p.done())
}

// record records the problems of parsed files and returns the versions
// that parsed, in order; a file that does not parse (written by a newer
// Tolk, or by hand in SQL) is not served. The caller holds b.mu.
func (b *Backend) record(files []parsedFile) []store.Stored {
	stored := make([]store.Stored, 0, len(files))
	for _, pf := range files {
		p := versionPath(pf.f.ID, pf.f.Lang)
		delete(b.problems, p)
		if len(pf.ps) > 0 || pf.v == nil {
			b.problems[p] = pf.ps
		} else {
			stored = append(stored, store.Stored{Version: pf.v, Hash: pf.f.Hash})
		}
	}
	return stored
}

// parsedFile is a stored file with what parsing it gave.
type parsedFile struct {
	f  File
	v  *article.Version
	ps []article.Problem
}

// parser parses stored files on every CPU while they are handed to it,
// keeping their order: parsing and rendering is nearly all a cold start
// costs. Files come in batches; a single small batch (a write's delta) is
// parsed on the caller's goroutine when done is called, with no
// goroutine started. It is used by one goroutine.
type parser struct {
	r       *load.Renderer
	batches [][]parsedFile
	cur     []parsedFile
	jobs    chan []parsedFile
	wg      sync.WaitGroup
}

// parseBatch is the number of files a parser hands a CPU at a time.
const parseBatch = 64

func newParser(r *load.Renderer) *parser { return &parser{r: r} }

// add hands the parser one more file.
func (p *parser) add(f File) {
	p.cur = append(p.cur, parsedFile{f: f})
	if len(p.cur) < parseBatch {
		return
	}
	if p.jobs == nil {
		p.jobs = make(chan []parsedFile, runtime.GOMAXPROCS(0))
		for range runtime.GOMAXPROCS(0) {
			p.wg.Go(func() {
				for batch := range p.jobs {
					p.parse(batch)
				}
			})
		}
	}
	p.batches = append(p.batches, p.cur)
	p.jobs <- p.cur
	p.cur = nil
}

// done waits for every file handed to the parser and returns them all,
// parsed, in the order they came.
func (p *parser) done() []parsedFile {
	if len(p.cur) > 0 {
		p.parse(p.cur)
		p.batches = append(p.batches, p.cur)
		p.cur = nil
	}
	if p.jobs != nil {
		close(p.jobs)
		p.wg.Wait()
	}
	if len(p.batches) == 1 {
		return p.batches[0]
	}
	out := make([]parsedFile, 0, len(p.batches)*parseBatch)
	for _, batch := range p.batches {
		out = append(out, batch...)
	}
	return out
}

// parse parses the files of batch in place.
func (p *parser) parse(batch []parsedFile) {
	for i := range batch {
		f := &batch[i]
		f.v, f.ps = load.ParseVersion(versionPath(f.f.ID, f.f.Lang), f.f.Data, p.r)
		if f.v != nil {
			f.v.Body = "" // the core keeps the rendered HTML and text, never the Markdown
		}
	}
}

// allProblems returns the recorded problems sorted. The caller holds b.mu.
func (b *Backend) allProblems() []article.Problem {
	var out []article.Problem
	for _, ps := range b.problems {
		out = append(out, ps...)
	}
	load.SortProblems(out)
	return slices.Clip(out)
}

// coreErr marks the database's unavailability as the core's, keeping
// ErrUnavailable of this package in the chain too.
func coreErr(err error) error {
	if errors.Is(err, ErrUnavailable) {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}
