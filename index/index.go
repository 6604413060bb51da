package index

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/cespare/xxhash/v2"

	"github.com/amal-kommun/tolk/internal/article"
)

// Keys of the values Tolk stores in an index beside the documents.
var (
	keyMapping     = []byte("tolk_mapping_version")
	keyFingerprint = []byte("tolk_content_fingerprint")
)

// Names of the files and directories Open keeps in Options.Dir. It touches
// nothing else there.
const (
	currentFile = "search.current"
	indexPrefix = "search-"
)

// batchSize is the number of versions indexed per Bleve batch.
const batchSize = 1000

// ErrClosed is returned by the methods of a closed Index.
var ErrClosed = errors.New("index closed")

// ErrUnavailable is wrapped by the errors of searches that the index cannot
// answer: it is broken (a write to it failed or Bleve panicked, see
// Health) until a Rebuild succeeds, or a query exceeded its budget. It is
// never caused by a bad query alone: callers answer 503, not 4xx or 500.
var ErrUnavailable = errors.New("search index unavailable")

// Options configures Open.
type Options struct {
	// Dir is the directory the index is persisted in; "" keeps the index
	// in memory and rebuilds it at every Open.
	Dir string
	// Logger receives one line per build, reopen and swap; nil discards.
	Logger *slog.Logger
	// Progress, when set, is called during a full build with the versions
	// indexed so far and the total, after every batch; it must be quick.
	Progress func(done, total int)
	// SearchBudget is the most time one search may take; a search that
	// takes longer fails with an error wrapping ErrUnavailable. 0 means
	// DefaultSearchBudget.
	SearchBudget time.Duration
	// Site, when set, gives each language's analyzer (Site.Analyzer);
	// without it every language gets article.DefaultAnalyzer's. Rebuild
	// keeps the site of Open.
	Site *article.Site
	// OnBroken, when set, is called once each time the live index becomes
	// broken (see Health), whether a write or a search found out, with
	// the reason (an error wrapping ErrUnavailable). It runs on its own
	// goroutine, so it may call Rebuild, which repairs the index.
	OnBroken func(err error)
}

// DefaultSearchBudget is the time one search may take unless
// Options.SearchBudget says otherwise: a thousand times a typical search,
// so that only a search gone wrong meets it, not one on a loaded machine
// (500 ms failed searches while tests of other packages ran beside a
// rebuild on two cores).
const DefaultSearchBudget = 3 * time.Second

// Index is the search index over the public versions of a library. It is
// safe for concurrent use: searches and suggestions run in parallel with
// each other, with single-version updates, and with a Rebuild, which
// swaps a freshly built index in without interrupting them.
type Index struct {
	log      *slog.Logger
	progress func(done, total int)
	onBroken func(error)
	an       analyzerOf
	budget   time.Duration
	dir      string
	alias    bleve.IndexAlias

	wmu sync.Mutex // serializes Upsert, Delete, Rebuild and Close

	// mu guards closed and the Bleve index under cur: searches hold it
	// shared, Rebuild and Close exclusively before they close an index.
	// A write that keeps the Bleve index swaps cur without it, so that
	// it neither waits for the searches in flight nor holds back new
	// ones (mu prefers writers).
	mu     sync.RWMutex
	cur    atomic.Pointer[snapshot]
	closed bool

	reused bool // Open reused a persisted index

	compacted chan struct{} // closed when the live index's first merge ends

	// countInQuery makes searches count the languages not asked for in
	// the search itself instead of apart (countOnly): how Tolk counted
	// before, kept so that tests can compare the two.
	countInQuery bool
	// bleveLocations has Bleve find where the words matched in the hits
	// shown, in a second search, instead of locate: how Tolk did before,
	// kept so that tests can compare the two.
	bleveLocations bool
}

// snapshot is one Bleve index together with what this package keeps
// beside it: the indexed versions and the suggestion table.
type snapshot struct {
	bi      bleve.Index
	name    string // directory name under Dir; "" in memory
	mapping *mapping.IndexMappingImpl
	mver    string
	specs   map[string]langSpec
	langs   []string // stored languages seen, sorted
	docs    docMap
	// langDocs and tagDocs count the documents in each language and
	// with each tag (a tag twice in one version counts twice), so that
	// a write updates langs, specs and tags from what it changed
	// (rederive) instead of walking every document. Never changed once
	// the snapshot is published.
	langDocs map[string]int
	tagDocs  map[string]int
	fp       contentHash
	sugg     *suggestions
	vocab    vocab
	facets   *facetTables   // of bi
	tags     int            // number of distinct tags, for facet sizes
	state    *biState       // of bi; shared by every snapshot of it
	an       analyzerOf     // the analyzer of each language
	analyses *analysisCache // of query words, for every search of bi
	// memo holds the analyses of one search, in the copy of the snapshot
	// that search works on (withMemo); nil otherwise.
	memo map[memoKey][]tok
}

// biState is the health of one Bleve index. Once a write to it failed or
// Bleve panicked inside it, its in-memory state cannot be trusted (after a
// failed persist Scorch panics in every later search and write): it stays
// broken until a Rebuild replaces it.
type biState struct {
	err    atomic.Pointer[error]
	closed atomic.Bool // bi was closed early, to free its disk for a rebuild
	// dir is the index's directory (Options.Dir), which the reasons for
	// breaking never name: Health's text reaches /readyz.
	dir string
	// onBroken is Options.OnBroken.
	onBroken func(error)
}

// newState returns the state of a fresh Bleve index of ix.
func (ix *Index) newState() *biState { return &biState{dir: ix.dir, onBroken: ix.onBroken} }

// fail marks the index broken by err, unless it is already, and then
// tells onBroken.
func (st *biState) fail(err error) {
	err = redact(err, st.dir)
	if st.err.CompareAndSwap(nil, &err) && st.onBroken != nil {
		go st.onBroken(err)
	}
}

// redactedError is an error whose text names no path under an index's
// directory; it unwraps to the original.
type redactedError struct {
	err error
	msg string
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact returns err with its text's paths under dir made relative to it
// (dir itself becomes "."), or err when its text names none.
func redact(err error, dir string) error {
	if err == nil || dir == "" {
		return err
	}
	msg := err.Error()
	dirs := []string{dir}
	if abs, aerr := filepath.Abs(dir); aerr == nil && abs != dir {
		dirs = append(dirs, abs)
	}
	for _, d := range dirs {
		d = filepath.Clean(d)
		msg = strings.ReplaceAll(msg, d+string(filepath.Separator), "")
		msg = strings.ReplaceAll(msg, d, ".")
	}
	if msg == err.Error() {
		return err
	}
	return &redactedError{err: err, msg: msg}
}

// broken returns why the index is broken, or nil.
func (st *biState) broken() error {
	if p := st.err.Load(); p != nil {
		return *p
	}
	return nil
}

// contain, deferred, turns a panic into an error wrapping ErrUnavailable
// in *err and marks st (when not nil) broken: Bleve panics where it
// should fail, and a panic must cost one request, not the process or
// every later search.
func contain(op string, st *biState, err *error) {
	r := recover()
	if r == nil {
		return
	}
	*err = fmt.Errorf("%s: %w: the search engine panicked: %v", op, ErrUnavailable, r)
	if st != nil {
		st.fail(*err)
	}
}

// closeBI closes the Bleve index of st once, containing a panic.
func closeBI(bi bleve.Index, st *biState) (err error) {
	if st.closed.Swap(true) {
		return nil
	}
	defer contain("close index", nil, &err)
	return bi.Close()
}

// docID returns the Bleve document id of the version of article id in lang.
func docID(id, lang string) string { return id + "/" + lang }

// splitDocID is the inverse of docID.
func splitDocID(d string) (id, lang string) {
	i := strings.LastIndexByte(d, '/')
	if i < 0 {
		return d, ""
	}
	return d[:i], d[i+1:]
}

// indexable reports whether v belongs in the index.
func indexable(v *article.Version) bool { return v != nil && !v.Draft && v.ID != "" && v.Lang != "" }

// Open opens or builds the index for versions: the public ones are
// indexed, drafts skipped. With a Dir it reuses the persisted index when
// both its mapping version and its content fingerprint match, and
// otherwise builds a new one there and removes the old.
func Open(ctx context.Context, opts Options, versions []*article.Version) (*Index, error) {
	registerAnalyzers()
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ix := &Index{log: log, dir: opts.Dir, progress: opts.Progress, onBroken: opts.OnBroken, budget: cmp.Or(opts.SearchBudget, DefaultSearchBudget)}
	ix.an = article.DefaultAnalyzer
	if opts.Site != nil {
		ix.an = opts.Site.Analyzer
	}
	docs := collect(versions)
	// Hash the content while the analyzers load their dictionaries.
	var fp contentHash
	hashed := make(chan struct{})
	go func() {
		defer close(hashed)
		fp = fingerprint(specsFor(docs, ix.an), docs)
	}()
	m, mver, err := mappingFor(docs, ix.an)
	<-hashed
	if err != nil {
		return nil, err
	}

	if ix.dir != "" {
		if err := os.MkdirAll(ix.dir, 0o755); err != nil {
			return nil, fmt.Errorf("open index %s: %w", ix.dir, err)
		}
		if s := ix.reopen(mver, fp, len(docs)); s != nil {
			s.docs = newDocMap(docs)
			if err := ix.loadTables(s, docs); err != nil {
				closeBI(s.bi, s.state)
				return nil, err
			}
			ix.cur.Store(s)
			ix.reused = true
			ix.alias = bleve.NewIndexAlias(s.bi)
			ix.removeStale(s.name)
			ix.compacted = compact(s.bi, reopenedSegments)
			log.Info("search index reopened", "dir", ix.dir, "versions", len(docs))
			return ix, nil
		}
	}
	start := time.Now()
	s, err := ix.build(ctx, m, mver, docs, fp)
	if err != nil {
		return nil, err
	}
	if err := ix.setCurrent(s.name); err != nil {
		closeBI(s.bi, s.state)
		return nil, err
	}
	ix.cur.Store(s)
	ix.alias = bleve.NewIndexAlias(s.bi)
	ix.removeStale(s.name)
	ix.compacted = compact(s.bi, 1)
	log.Info("search index built", "dir", ix.dir, "versions", len(docs), "took", time.Since(start))
	return ix, nil
}

// compact merges bi's segments into one in the background when it has
// more than most: a batch build leaves a dozen, and every term of every
// query is looked up in each. It returns a channel closed when the index
// is in at most most segments and, if compact merged, that state is
// persisted; closing the index ends it early.
//
// Scorch's forced merge takes only the segments already written to disk,
// so segments still in memory when it starts survive it: compact waits for
// the persister and merges again until one segment is left, and then, if
// it merged, until the persister has written the merged snapshot. (Scorch
// reports a reopened index's background work as active until something
// new is persisted, so that report cannot say when to stop.)
func compact(bi bleve.Index, most uint64) chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			// A broken index may panic in a merge; it is replaced, not merged.
			_ = recover()
		}()
		adv, err := bi.Advanced()
		if err != nil {
			return
		}
		sc, ok := adv.(*scorch.Scorch)
		if !ok {
			return
		}
		merged := false
		for range maxCompactRounds {
			st := sc.StatsMap()
			if st == nil { // closed
				return
			}
			mem, _ := st["TotMemorySegmentsAtRoot"].(uint64)
			files, _ := st["TotFileSegmentsAtRoot"].(uint64)
			root, _ := st["CurRootEpoch"].(uint64)
			persisted, _ := st["LastPersistedEpoch"].(uint64)
			switch {
			case mem == 0 && files > most:
				opts := mergeplan.SingleSegmentMergePlanOptions
				if err := sc.ForceMerge(context.Background(), &opts); err != nil {
					return
				}
				merged = true
			case mem == 0 && files <= most && (!merged || persisted >= root):
				return
			default: // segments or a snapshot not yet persisted
				time.Sleep(compactPoll)
			}
		}
	}()
	return done
}

// reopenedSegments is the most segments a reopened index is left in: the
// few that writes leave behind are Scorch's merge policy's to merge, a
// forced merge would rewrite the whole index at every start after a write.
const reopenedSegments = 10

// maxCompactRounds and compactPoll bound compact's wait for the persister.
const (
	maxCompactRounds = 3000
	compactPoll      = 10 * time.Millisecond
)

// WaitCompacted waits until the background merge that follows Open or
// Rebuild has left the live index in one segment (a reopened one: in at
// most reopenedSegments), so that an index built offline is persisted
// merged and the next start does not merge it again.
func (ix *Index) WaitCompacted(ctx context.Context) error {
	ix.mu.RLock()
	done := ix.compacted
	ix.mu.RUnlock()
	select {
	case <-done:
		return nil
	default:
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Reused reports whether Open reused a persisted index instead of
// building one.
func (ix *Index) Reused() bool { return ix.reused }

// collect returns the indexable versions by document id.
func collect(versions []*article.Version) map[string]*article.Version {
	docs := make(map[string]*article.Version, len(versions))
	for _, v := range versions {
		if indexable(v) {
			docs[docID(v.ID, v.Lang)] = v
		}
	}
	return docs
}

// mappingFor returns the mapping for docs' languages and its version.
func mappingFor(docs map[string]*article.Version, an analyzerOf) (*mapping.IndexMappingImpl, string, error) {
	langs := make(map[string]bool)
	for _, v := range docs {
		langs[v.Lang] = true
	}
	m, err := newMapping(mappingLangs(langs), an)
	if err != nil {
		return nil, "", err
	}
	mver, err := mappingVersion(m)
	if err != nil {
		return nil, "", err
	}
	return m, mver, nil
}

// contentHash is a hash of indexed content: two 64-bit xxHash sums with
// different seeds. It detects changes, not tampering: whoever can change
// the versions can change the index anyway. xxHash, not SHA-256: hashing
// the 83 MB of a 30,000-version corpus at every start took 185 ms with
// SHA-256 and takes 38 ms this way (BenchmarkFingerprint).
type contentHash [16]byte

// The seeds of the two sums of a contentHash.
const (
	contentSeed0 = 0x746f6c6b2d667030
	contentSeed1 = 0x746f6c6b2d667031
)

// versionHasher hashes the Bleve documents of versions, reusing its
// digests and buffer.
type versionHasher struct {
	d    [2]*xxhash.Digest
	buf  []byte
	keys []string
}

func newVersionHasher() *versionHasher {
	return &versionHasher{d: [2]*xxhash.Digest{xxhash.NewWithSeed(contentSeed0), xxhash.NewWithSeed(contentSeed1)}}
}

// bigValue is the length from which put hashes a value in place instead
// of copying it into the buffer.
const bigValue = 4 << 10

// put appends the length of s, then s, to what is hashed. Short values
// are copied into one buffer first: hashing them one by one cost more in
// calls than in hashing, and the second digest finds the buffer in the
// cache. Long ones are hashed where they are, so that hashing costs no
// memory in proportion to the text.
func (vh *versionHasher) put(s string) {
	vh.buf = binary.LittleEndian.AppendUint64(vh.buf, uint64(len(s)))
	if len(s) < bigValue {
		vh.buf = append(vh.buf, s...)
		return
	}
	vh.flush()
	for _, d := range vh.d {
		d.WriteString(s)
	}
}

// flush hashes the buffer and empties it.
func (vh *versionHasher) flush() {
	for _, d := range vh.d {
		d.Write(vh.buf)
	}
	vh.buf = vh.buf[:0]
}

// sum returns the hash of d: every field's name and value, in the order
// of the names. It hashes what is indexed, whatever the fields are, so a
// field added to the documents later changes the fingerprint of every
// version that has it (TestFingerprintCoversEveryField).
func (vh *versionHasher) sum(d document) contentHash {
	vh.buf = vh.buf[:0]
	vh.d[0].ResetWithSeed(contentSeed0)
	vh.d[1].ResetWithSeed(contentSeed1)
	vh.keys = vh.keys[:0]
	for k := range d {
		vh.keys = append(vh.keys, k)
	}
	slices.Sort(vh.keys)
	for i, k := range vh.keys {
		vh.put(k)
		// A value another field holds too (the folded and surface copies
		// of a body) is hashed once, then named: comparing strings that
		// share their bytes costs nothing.
		if j := slices.IndexFunc(vh.keys[:i], func(k2 string) bool { return sameValue(d[k2], d[k]) }); j >= 0 {
			vh.put("=" + vh.keys[j])
			continue
		}
		switch x := d[k].(type) {
		case string:
			vh.put("s")
			vh.put(x)
		case []string:
			vh.put("a" + strconv.Itoa(len(x)))
			for _, e := range x {
				vh.put(e)
			}
		default:
			vh.put(fmt.Sprintf("%T %v", x, x))
		}
	}
	vh.flush()
	var out contentHash
	for i, d := range vh.d {
		binary.LittleEndian.PutUint64(out[8*i:], d.Sum64())
	}
	return out
}

// sameValue reports whether a and b are equal document values.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []string:
		y, ok := b.([]string)
		return ok && slices.Equal(x, y)
	}
	return false
}

// versionHash hashes the document of v under specs.
func versionHash(specs map[string]langSpec, v *article.Version) contentHash {
	return newVersionHasher().sum(documentOf(specs[v.Lang], v))
}

// fingerprint combines the hashes of the documents of docs under specs by
// XOR, so that updating one version updates it in constant time and the
// order never matters.
func fingerprint(specs map[string]langSpec, docs map[string]*article.Version) contentHash {
	vh := newVersionHasher()
	var fp contentHash
	for _, v := range docs {
		xorInto(&fp, vh.sum(documentOf(specs[v.Lang], v)))
	}
	return fp
}

func xorInto(fp *contentHash, h contentHash) {
	for i := range fp {
		fp[i] ^= h[i]
	}
}

// reopen opens the persisted index named by the current file and returns
// it when its mapping version and fingerprint match, or nil.
func (ix *Index) reopen(mver string, fp contentHash, n int) *snapshot {
	b, err := os.ReadFile(filepath.Join(ix.dir, currentFile))
	if err != nil {
		return nil
	}
	name := strings.TrimSpace(string(b))
	if !strings.HasPrefix(name, indexPrefix) || strings.ContainsAny(name, `/\`) {
		return nil
	}
	bi, err := bleve.OpenUsing(filepath.Join(ix.dir, name), scorchConfig(n))
	if err != nil {
		ix.log.Warn("search index unreadable, rebuilding", "dir", ix.dir, "err", err)
		return nil
	}
	gotM, err1 := bi.GetInternal(keyMapping)
	gotF, err2 := bi.GetInternal(keyFingerprint)
	if err1 != nil || err2 != nil || string(gotM) != mver || string(gotF) != hex.EncodeToString(fp[:]) {
		reason := "content changed"
		if string(gotM) != mver {
			reason = "mapping changed"
		}
		ix.log.Info("search index out of date, rebuilding", "dir", ix.dir, "reason", reason)
		bi.Close()
		return nil
	}
	m, ok := bi.Mapping().(*mapping.IndexMappingImpl)
	if !ok {
		bi.Close()
		return nil
	}
	return &snapshot{bi: bi, name: name, mapping: m, mver: mver, fp: fp, facets: newFacetTables(), analyses: &analysisCache{}, state: ix.newState(), an: ix.an}
}

// scorchConfig returns the Scorch configuration of an index built or
// reopened with n documents. Such an index is compacted into one segment
// (see compact), and each write adds a segment of one document. Scorch's
// merge planner would, by default, merge that large segment again with a
// few of the small ones (tens of megabytes rewritten for a handful of
// documents, a third of the server's CPU under a steady stream of writes),
// or rewrite it alone to drop the documents writes replaced. A segment of
// at least MaxSegmentSize/2 live documents is never picked, so only the
// writes' segments are merged, among themselves; the documents replaced
// in the large segment stay there, deleted, until half of it is replaced,
// or a Rebuild, or a start that finds more than reopenedSegments segments
// compacts the index. The planner allows about MaxSegmentsPerTier
// segments per tier of sizes growing from FloorSegmentSize: the default
// floor of 2,000 documents would leave the small segments a budget of
// one, and every write would merge them all again.
func scorchConfig(n int) map[string]any {
	return map[string]any{
		"scorchMergePlanOptions": map[string]any{
			"MaxSegmentSize":   max(n, minMergedSegment),
			"FloorSegmentSize": 10,
		},
	}
}

// minMergedSegment is the least MaxSegmentSize scorchConfig sets: below
// it an index is small enough to merge whole.
const minMergedSegment = 10000

// build creates a fresh index (under a new directory of Dir, or in
// memory) holding docs.
func (ix *Index) build(ctx context.Context, m *mapping.IndexMappingImpl, mver string, docs map[string]*article.Version, fp contentHash) (*snapshot, error) {
	s := &snapshot{mapping: m, mver: mver, docs: newDocMap(docs), fp: fp, facets: newFacetTables(), analyses: &analysisCache{}, state: ix.newState(), an: ix.an}
	var bi bleve.Index
	var err error
	if ix.dir == "" {
		bi, err = bleve.NewUsing("", m, scorch.Name, scorch.Name, scorchConfig(len(docs)))
	} else {
		s.name = fmt.Sprintf("%s%d", indexPrefix, time.Now().UnixNano())
		// Not "unsafe_batch": Scorch's Close does not wait for unpersisted
		// batches, and the last one carries the fingerprint.
		bi, err = bleve.NewUsing(filepath.Join(ix.dir, s.name), m, scorch.Name, scorch.Name, scorchConfig(len(docs)))
	}
	if err != nil {
		return nil, fmt.Errorf("create index: %w", err)
	}
	s.bi = bi
	fail := func(err error) (*snapshot, error) {
		closeBI(bi, s.state)
		if s.name != "" {
			os.RemoveAll(filepath.Join(ix.dir, s.name))
		}
		return nil, err
	}
	s.finish(docs)
	// Scorch analyzes a batch's documents in parallel but builds its
	// segment on one goroutine, half of the work: batches built
	// concurrently keep every core busy.
	ids := slices.Collect(maps.Keys(docs))
	chunks := make(chan []string)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex // guards firstErr, done and progress calls
		firstErr error
		done     int
	)
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for chunk := range chunks {
				b := bi.NewBatch()
				err := ctx.Err()
				for _, id := range chunk {
					if err != nil {
						break
					}
					if err = b.Index(id, s.document(docs[id])); err != nil {
						err = fmt.Errorf("index %s: %w", id, err)
					}
				}
				if err == nil {
					if err = bi.Batch(b); err != nil {
						err = fmt.Errorf("index batch: %w", err)
					}
				}
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				done += len(chunk)
				if err == nil && ix.progress != nil {
					ix.progress(done, len(docs))
				}
				mu.Unlock()
			}
		})
	}
	for len(ids) > 0 {
		n := min(batchSize, len(ids))
		chunks <- ids[:n]
		ids = ids[n:]
	}
	close(chunks)
	wg.Wait()
	if firstErr != nil {
		return fail(firstErr)
	}
	// The last batch carries the fingerprint, so an index is only ever
	// reused when every batch before it was applied.
	batch := bi.NewBatch()
	batch.SetInternal(keyMapping, []byte(mver))
	batch.SetInternal(keyFingerprint, []byte(hex.EncodeToString(fp[:])))
	if err := bi.Batch(batch); err != nil {
		return fail(fmt.Errorf("index batch: %w", err))
	}
	if err := s.loadVocab(docs); err != nil {
		return fail(err)
	}
	if s.name != "" {
		if err := writeTables(filepath.Join(ix.dir, s.name, tablesFile), s); err != nil {
			ix.log.Warn("search tables not saved; the next start derives them again", "err", err)
		}
	}
	return s, nil
}

// loadTables sets the languages, specs, suggestion table and vocabulary
// of s, a reopened index of docs: the tables from its tables file when
// that fits, and otherwise derived again and saved for the next start.
func (ix *Index) loadTables(s *snapshot, docs map[string]*article.Version) error {
	path := filepath.Join(ix.dir, s.name, tablesFile)
	s.derive()
	sugg, voc, err := readTables(path, s.mver, s.fp, docs, vocabFields(s.specs))
	if err == nil {
		s.sugg, s.vocab = suggestionsOf(sugg), voc
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		ix.log.Info("search tables unusable, deriving them again", "dir", ix.dir, "reason", err)
	}
	if err := s.finishWhile(docs, func() error { return s.loadVocab(docs) }); err != nil {
		return err
	}
	if err := writeTables(path, s); err != nil {
		ix.log.Warn("search tables not saved; the next start derives them again", "err", err)
	}
	return nil
}

// finish derives the languages, specs and suggestion table of s, which
// holds docs.
func (s *snapshot) finish(docs map[string]*article.Version) {
	s.derive()
	s.sugg = suggestionsOf(newSuggester(docs))
}

// derive sets the languages, specs and tag count of s, and the counts
// they come from, from every document of s (a build or an Open).
func (s *snapshot) derive() {
	s.langDocs, s.tagDocs = make(map[string]int), make(map[string]int)
	for _, v := range s.docs.all() {
		s.count(v, 1)
	}
	s.setLangs()
}

// rederive updates the languages, specs and tag count of s, a copy of a
// derived snapshot, after a write replaced old by v (either may be nil):
// it costs the number of languages and tags, not of documents.
func (s *snapshot) rederive(old, v *article.Version) {
	s.langDocs, s.tagDocs = maps.Clone(s.langDocs), maps.Clone(s.tagDocs)
	changed := s.count(old, -1)
	if s.count(v, 1) || changed {
		s.setLangs()
	}
	s.tags = len(s.tagDocs)
}

// count adds n to the counts of v's language and tags (nothing when v
// is nil), and reports whether a language appeared or disappeared.
func (s *snapshot) count(v *article.Version, n int) (langsChanged bool) {
	if v == nil {
		return false
	}
	add := func(m map[string]int, k string) bool {
		c := m[k] + n
		if c == 0 {
			delete(m, k)
		} else {
			m[k] = c
		}
		return c == 0 || c == n
	}
	langsChanged = add(s.langDocs, v.Lang)
	for _, t := range v.Tags {
		add(s.tagDocs, t)
	}
	return langsChanged
}

// setLangs sets the languages, specs and tag count of s from its counts.
func (s *snapshot) setLangs() {
	langs := make(map[string]bool, len(s.langDocs))
	for l := range s.langDocs {
		langs[l] = true
	}
	s.specs = specsOf(langs, s.an)
	// Never reuse the array: searches of the old snapshot may still read it.
	s.langs = slices.Sorted(maps.Keys(langs))
	s.tags = len(s.tagDocs)
}

// finishWhile is finish with the suggestion table built on another
// goroutine while work runs (at start-up, reading the vocabulary).
func (s *snapshot) finishWhile(docs map[string]*article.Version, work func() error) error {
	var sugg *suggester
	done := make(chan struct{})
	go func() {
		defer close(done)
		sugg = newSuggester(docs)
	}()
	s.derive()
	err := work()
	<-done
	s.sugg = suggestionsOf(sugg)
	return err
}

// loadVocab reads the vocabulary that prefixes and typos are matched
// against from the index of docs.
func (s *snapshot) loadVocab(docs map[string]*article.Version) error {
	adv, err := s.bi.Advanced()
	if err != nil {
		return fmt.Errorf("read vocabulary: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return fmt.Errorf("read vocabulary: %w", err)
	}
	defer r.Close()
	s.vocab, err = readVocab(r, s.specs, s.mapping, docs)
	return err
}

// document is the Bleve document of one version.
type document map[string]any

// BleveType returns the document type, so that Bleve never falls back to
// its default mapping.
func (document) BleveType() string { return docType }

func (s *snapshot) document(v *article.Version) document { return documentOf(s.specs[v.Lang], v) }

// specsFor returns the specs of an index of docs: those of the languages
// in its mapping.
func specsFor(docs map[string]*article.Version, an analyzerOf) map[string]langSpec {
	langs := make(map[string]bool)
	for _, v := range docs {
		langs[v.Lang] = true
	}
	return specsOf(langs, an)
}

// specsOf returns the specs of the mapping of an index of versions in
// langs.
func specsOf(langs map[string]bool, an analyzerOf) map[string]langSpec {
	specs := make(map[string]langSpec)
	for _, l := range mappingLangs(langs) {
		specs[l] = specFor(l, an(l))
	}
	return specs
}

// documentOf returns the Bleve document of v, indexed as sp says.
func documentOf(sp langSpec, v *article.Version) document {
	d := document{
		fieldLang:    v.Lang,
		fieldTags:    v.Tags,
		fieldArticle: v.ID,
		sp.title:     v.Title,
		sp.body:      bodyOf(v),
	}
	if sp.titleFld != "" {
		d[sp.titleFld] = v.Title
		d[sp.bodyFld] = bodyOf(v)
	}
	if sp.titlePl != "" {
		d[sp.titlePl] = v.Title
		d[sp.surface()] = bodyOf(v)
	}
	if sp.pinyin != "" {
		d[sp.pinyin] = v.Title
	}
	for _, w := range sp.words {
		if x := *w.f.Str(v); x != "" {
			d[w.name] = x
		}
	}
	return d
}

// bodyOf returns the indexed body of v: the summary and the plain text as
// two array elements, so that match locations point into one of them.
func bodyOf(v *article.Version) []string { return []string{v.Summary, v.Text} }

// setCurrent records name as the live index directory. The file is
// replaced atomically.
func (ix *Index) setCurrent(name string) error {
	if ix.dir == "" {
		return nil
	}
	tmp := filepath.Join(ix.dir, currentFile+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	_, err = io.WriteString(f, name+"\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(ix.dir, currentFile))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", filepath.Join(ix.dir, currentFile), err)
	}
	return nil
}

// removeStale deletes index directories in Dir other than keep, left by
// earlier builds or a crash.
func (ix *Index) removeStale(keep string) {
	if ix.dir == "" {
		return
	}
	ents, err := os.ReadDir(ix.dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if e.IsDir() && strings.HasPrefix(e.Name(), indexPrefix) && e.Name() != keep {
			if err := os.RemoveAll(filepath.Join(ix.dir, e.Name())); err != nil {
				ix.log.Warn("remove old search index", "dir", e.Name(), "err", err)
			}
		}
	}
}

// Rebuild builds a fresh index of versions beside the live one and swaps
// it in atomically; searches running meanwhile are answered by the old
// index, later ones by the new. The old index is then closed and removed.
// A broken index (see Health) is closed and removed first, to free its
// disk for the new one; a successful Rebuild makes the index healthy
// again.
func (ix *Index) Rebuild(ctx context.Context, versions []*article.Version) (err error) {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	defer contain("rebuild index", nil, &err)
	return ix.rebuildLocked(ctx, collect(versions))
}

func (ix *Index) rebuildLocked(ctx context.Context, docs map[string]*article.Version) error {
	if ix.isClosed() {
		return ErrClosed
	}
	start := time.Now()
	old := ix.current()
	if old.state.broken() != nil && old.name != "" {
		// Searches already fail without reading it.
		if err := closeBI(old.bi, old.state); err != nil {
			ix.log.Warn("close broken search index", "err", err)
		}
		if err := os.RemoveAll(filepath.Join(ix.dir, old.name)); err != nil {
			ix.log.Warn("remove broken search index", "dir", old.name, "err", err)
		}
	}
	m, mver, err := mappingFor(docs, ix.an)
	if err != nil {
		return err
	}
	s, err := ix.build(ctx, m, mver, docs, fingerprint(specsFor(docs, ix.an), docs))
	if err != nil {
		return fmt.Errorf("rebuild index: %w", err)
	}
	if err := ix.setCurrent(s.name); err != nil {
		closeBI(s.bi, s.state)
		os.RemoveAll(filepath.Join(ix.dir, s.name))
		return err
	}
	ix.mu.Lock()
	old = ix.cur.Load()
	ix.alias.Swap([]bleve.Index{s.bi}, []bleve.Index{old.bi})
	ix.cur.Store(s)
	ix.compacted = compact(s.bi, 1)
	ix.mu.Unlock()
	if err := closeBI(old.bi, old.state); err != nil {
		ix.log.Warn("close old search index", "err", err)
	}
	ix.removeStale(s.name)
	if old.state.broken() != nil {
		ix.log.Info("search index repaired", "versions", len(docs), "took", time.Since(start))
	} else {
		ix.log.Info("search index rebuilt", "versions", len(docs), "took", time.Since(start))
	}
	return nil
}

// Health returns nil while the index answers searches, and otherwise why
// not: ErrClosed after Close, or an error wrapping ErrUnavailable from
// the moment a write to the index failed (a full disk), Bleve panicked or
// failed a search, until a Rebuild succeeds. Its text names paths
// relative to Options.Dir, never absolute ones.
func (ix *Index) Health() error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed {
		return ErrClosed
	}
	return ix.cur.Load().health()
}

// health returns nil while s can be searched, or an error wrapping
// ErrUnavailable.
func (s *snapshot) health() error {
	if err := s.state.broken(); err != nil {
		if errors.Is(err, ErrUnavailable) {
			return err
		}
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

// write applies b to s's index. A failed write leaves Scorch's in-memory
// state inconsistent (it panics in every later search), so it marks the
// index broken until a Rebuild.
func (s *snapshot) write(op string, b *bleve.Batch) (err error) {
	if err := s.health(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer contain(op, s.state, &err)
	if err := s.bi.Batch(b); err != nil {
		err = fmt.Errorf("%s: %w: %w", op, ErrUnavailable, err)
		s.state.fail(err)
		return err
	}
	return nil
}

// Upsert adds v to the index or replaces the version of the same article
// and language; a draft is removed instead. A version in a language the
// index has no fields for yet causes a full rebuild. While the index is
// broken it fails with an error wrapping ErrUnavailable.
func (ix *Index) Upsert(ctx context.Context, v *article.Version) (err error) {
	if v == nil {
		return errors.New("upsert: nil version")
	}
	if v.Draft {
		return ix.Delete(ctx, v.ID, v.Lang)
	}
	if !indexable(v) {
		return fmt.Errorf("upsert: version needs an id and a language")
	}
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	if ix.isClosed() {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s := ix.current()
	defer contain("upsert", s.state, &err)
	id := docID(v.ID, v.Lang)
	if _, ok := s.specs[v.Lang]; !ok {
		docs := s.docs.plain()
		docs[id] = v
		return ix.rebuildLocked(ctx, docs)
	}
	fp := s.fp
	old := s.docs.get(id)
	if old != nil {
		xorInto(&fp, versionHash(s.specs, old))
	}
	xorInto(&fp, versionHash(s.specs, v))
	b := s.bi.NewBatch()
	if err := b.Index(id, s.document(v)); err != nil {
		return fmt.Errorf("upsert %s: %w", id, err)
	}
	b.SetInternal(keyFingerprint, []byte(hex.EncodeToString(fp[:])))
	if err := s.write("upsert "+id, b); err != nil {
		return err
	}
	ix.replaceDocs(s, fp, id, old, v)
	return nil
}

// Delete removes the version of article id in lang; removing one that is
// not indexed is not an error. While the index is broken it fails with an
// error wrapping ErrUnavailable.
func (ix *Index) Delete(ctx context.Context, id, lang string) (err error) {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	if ix.isClosed() {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s := ix.current()
	defer contain("delete", s.state, &err)
	key := docID(id, lang)
	old := s.docs.get(key)
	if old == nil {
		return nil
	}
	fp := s.fp
	xorInto(&fp, versionHash(s.specs, old))
	b := s.bi.NewBatch()
	b.Delete(key)
	b.SetInternal(keyFingerprint, []byte(hex.EncodeToString(fp[:])))
	if err := s.write("delete "+key, b); err != nil {
		return err
	}
	ix.replaceDocs(s, fp, key, old, nil)
	return nil
}

// replaceDocs publishes a copy of s in which document id, old, is
// replaced by v (old nil: added v; v nil: removed old), with fingerprint
// fp. Searches in flight keep the snapshot they started with; the copy
// shares with s all it did not change, the Bleve index included, so it
// is published without mu. The caller holds wmu.
func (ix *Index) replaceDocs(s *snapshot, fp contentHash, id string, old, v *article.Version) {
	ix.cur.Store(s.replaced(fp, id, old, v))
}

// replaced returns the copy of s that replaceDocs publishes.
func (s *snapshot) replaced(fp contentHash, id string, old, v *article.Version) *snapshot {
	n := *s
	n.docs = s.docs.with(id, v)
	if v != nil {
		n.vocab = s.vocab.with(s.mapping, s.document(v))
	}
	n.fp = fp
	n.rederive(old, v)
	n.sugg = s.sugg.with(old, v)
	return &n
}

func (ix *Index) current() *snapshot {
	return ix.cur.Load()
}

func (ix *Index) isClosed() bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.closed
}

// DocCount returns the number of indexed versions.
func (ix *Index) DocCount() uint64 {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed {
		return 0
	}
	return uint64(ix.cur.Load().docs.len())
}

// Close closes the index; a persisted index stays on disk for the next
// Open. Searches after Close fail with ErrClosed.
func (ix *Index) Close() error {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		return nil
	}
	ix.closed = true
	cur := ix.cur.Load()
	if err := closeBI(cur.bi, cur.state); err != nil {
		return fmt.Errorf("close index: %w", err)
	}
	return nil
}
