package pgstore_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/amal-kommun/tolk/content"
	"github.com/amal-kommun/tolk/index"
	"github.com/amal-kommun/tolk/internal/journal"
	"github.com/amal-kommun/tolk/internal/load"
	"github.com/amal-kommun/tolk/internal/pgstore"
	"github.com/amal-kommun/tolk/internal/store"
)

// benchVersion returns the canonical file of generated article i.
func benchVersion(i, rev int) []byte {
	return fmt.Appendf(nil, "---\ntitle: Artikel %d\nslug: artikel-%d\nsummary: En genererad artikel, version %d.\ntags: [international]\npublished: 2024-01-02\n---\n\nBrödtext om kommunens arbete, stycke %d.\n\n- en punkt\n- en till\n", i, i, rev, i)
}

// seed30k fills site with the embedded site.yaml and n generated Swedish
// versions in one commit.
func seed(b *testing.B, st *pgstore.Store, n int) {
	b.Helper()
	siteYAML, err := content.FS.ReadFile("site.yaml")
	if err != nil {
		b.Fatal(err)
	}
	_, err = st.Update(b.Context(), "default", 0, func(ctx context.Context, tx *pgstore.Tx) error {
		if _, err := tx.PutSiteYAML(ctx, siteYAML); err != nil {
			return err
		}
		for i := range n {
			id := fmt.Sprintf("artikel-%d", i)
			if _, err := tx.Put(ctx, id, "sv", benchVersion(i, 0)); err != nil {
				return err
			}
			tx.Log(journal.Entry{ID: id, Lang: "sv", Op: journal.Upsert, Slug: id, Silent: true})
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

func percentiles(b *testing.B, ds []time.Duration, name string) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, name+"-p50-ms")
	b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds())/1000, name+"-p99-ms")
}

// BenchmarkUpdate30k: one write (lock the site row, catch up, put a
// version and its log entry, notify, commit) at 30,000 versions.
func BenchmarkUpdate30k(b *testing.B) {
	st, _ := openB(b)
	seed(b, st, 30000)
	snap, err := st.Snapshot(b.Context(), "default")
	if err != nil {
		b.Fatal(err)
	}
	pos := snap.Rev
	var ds []time.Duration
	i := 0
	for b.Loop() {
		i++
		start := time.Now()
		res, err := st.Update(b.Context(), "default", pos, func(ctx context.Context, tx *pgstore.Tx) error {
			if _, err := tx.Caught(ctx); err != nil {
				return err
			}
			id := fmt.Sprintf("artikel-%d", i%30000)
			if _, err := tx.Put(ctx, id, "sv", benchVersion(i%30000, i)); err != nil {
				return err
			}
			tx.Log(journal.Entry{ID: id, Lang: "sv", Op: journal.Upsert, Slug: id})
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(start))
		pos = res.Rev
	}
	percentiles(b, ds, "write")
}

// BenchmarkColdLoad30k: what a replica starting cold reads and parses
// from the database at 30,000 versions (Backend.Load: one snapshot, every
// file parsed and rendered as it streams in, the change feed's 30,000
// entries read meanwhile); the index is the core's and not included.
// snapshot-ms and log-ms are the two reads alone.
func BenchmarkColdLoad30k(b *testing.B) {
	st, _ := openB(b)
	seed(b, st, 30000)
	var read, logRead time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := st.Snapshot(b.Context(), "default"); err != nil {
			b.Fatal(err)
		}
		read += time.Since(start)
		start = time.Now()
		if log, _, _, err := st.Log(b.Context(), "default", 0, 30000); err != nil || len(log) != 30000 {
			b.Fatalf("Log: %d entries, %v", len(log), err)
		}
		logRead += time.Since(start)
		be, err := pgstore.NewBackend(st, "default", pgstore.ListenOptions{})
		if err != nil {
			b.Fatal(err)
		}
		snap, err := be.Load(b.Context())
		if err != nil || len(snap.Versions) != 30000 || len(snap.Problems) != 0 || be.Journal().Len() != 30000 {
			b.Fatalf("Load: %d versions, %v, %d feed entries, %v", len(snap.Versions), snap.Problems, be.Journal().Len(), err)
		}
	}
	b.ReportMetric(float64(read.Milliseconds())/float64(b.N), "snapshot-ms/op")
	b.ReportMetric(float64(logRead.Milliseconds())/float64(b.N), "log-ms/op")
}

// BenchmarkPropagation: the lag from a write's commit on one replica to
// another replica having read it (woken by NOTIFY, then Since from its
// position), under a steady stream of writes, at 30,000 versions.
func BenchmarkPropagation(b *testing.B) {
	writer, url := openB(b)
	seed(b, writer, 30000)
	reader, err := pgstore.Open(b.Context(), url, pgstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer reader.Close()
	snap, err := reader.Snapshot(b.Context(), "default")
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	committed := map[uint64]time.Time{}
	var lags []time.Duration
	pos := snap.Rev
	ctx, cancel := context.WithCancel(b.Context())
	defer cancel()
	ready := make(chan struct{})
	var once sync.Once
	go reader.Listen(ctx, "default", pgstore.ListenOptions{}, func(ctx context.Context) {
		once.Do(func() { close(ready) })
		ch, err := reader.Since(ctx, "default", pos)
		if err != nil {
			return
		}
		now := time.Now()
		mu.Lock()
		for _, c := range ch.Log {
			if at, ok := committed[c.Rev]; ok {
				lags = append(lags, now.Sub(at))
			}
		}
		mu.Unlock()
		pos = ch.Rev
	})
	<-ready
	i := 0
	for b.Loop() {
		i++
		var rev uint64
		_, err := writer.Update(b.Context(), "default", 0, func(ctx context.Context, tx *pgstore.Tx) error {
			id := fmt.Sprintf("artikel-%d", i%30000)
			rev = tx.Rev() + 1
			if _, err := tx.Put(ctx, id, "sv", benchVersion(i%30000, i)); err != nil {
				return err
			}
			tx.Log(journal.Entry{ID: id, Lang: "sv", Op: journal.Upsert, Slug: id})
			return nil
		})
		// The commit is visible from here on; the time is taken just
		// after, so the lag is not flattered.
		mu.Lock()
		committed[rev] = time.Now()
		mu.Unlock()
		if err != nil {
			b.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond) // a steady stream, ~150 writes/s
	}
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	percentiles(b, lags, "lag")
}

// openB returns a Store on a fresh schema for a benchmark.
func openB(b *testing.B) (*pgstore.Store, string) {
	b.Helper()
	url := pgtestURL(b)
	st, err := pgstore.Open(b.Context(), url, pgstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(st.Close)
	return st, url
}

// BenchmarkImportWrite30k: the database side of importing 30,000 new
// versions in one transaction (what tolk import writes once the tree is
// validated): one Put each, and PutAll.
func BenchmarkImportWrite30k(b *testing.B) {
	st, _ := openB(b)
	files := make([]pgstore.File, 30000)
	for i := range files {
		files[i] = pgstore.File{ID: fmt.Sprintf("artikel-%d", i), Lang: "sv", Data: benchVersion(i, 0)}
	}
	n := 0
	for _, all := range []bool{false, true} {
		b.Run(map[bool]string{false: "Put", true: "PutAll"}[all], func(b *testing.B) {
			for b.Loop() {
				n++
				site := fmt.Sprintf("site-%d", n)
				_, err := st.Update(b.Context(), site, 0, func(ctx context.Context, tx *pgstore.Tx) error {
					if all {
						_, err := tx.PutAll(ctx, files)
						return err
					}
					for _, f := range files {
						if _, err := tx.Put(ctx, f.ID, f.Lang, f.Data); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReplicaColdStart30k: a replica's content core starting cold
// from the database at 30,000 versions: the snapshot read, every file
// parsed, the library built and the search index built in memory
// (store.Open over a Backend), until it would answer reads.
func BenchmarkReplicaColdStart30k(b *testing.B) {
	st, _ := openB(b)
	seed(b, st, 30000)
	for b.Loop() {
		be, err := pgstore.NewBackend(st, "default", pgstore.ListenOptions{})
		if err != nil {
			b.Fatal(err)
		}
		s, err := store.Open(b.Context(), store.Options{Backend: be})
		if err != nil {
			b.Fatal(err)
		}
		if n := len(s.Current().Library.All()); n != 30000 {
			b.Fatalf("%d versions served", n)
		}
		s.Close()
	}
}

// BenchmarkReadsWhileWriting30k: searches per second on one replica with
// no writes, then while another replica writes a steady stream (each write
// then parsed and indexed by the reader too), at 30,000 versions; the
// ratio is the figure (same run). It also reports the lag from a write
// returning on the writer to the reader serving it.
func BenchmarkReadsWhileWriting30k(b *testing.B) {
	st, url := openB(b)
	seed(b, st, 30000)
	open := func() *store.Store {
		pst, err := pgstore.Open(b.Context(), url, pgstore.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(pst.Close)
		be, err := pgstore.NewBackend(pst, "default", pgstore.ListenOptions{})
		if err != nil {
			b.Fatal(err)
		}
		s, err := store.Open(b.Context(), store.Options{Backend: be})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		ctx, cancel := context.WithCancel(b.Context())
		b.Cleanup(cancel)
		go s.Watch(ctx)
		return s
	}
	writer, reader := open(), open()
	const window = 3 * time.Second
	reads := func() float64 {
		n := 0
		start := time.Now()
		for time.Since(start) < window {
			if _, err := reader.Current().Index.Search(b.Context(), index.Request{Query: "29999", Langs: []string{"sv"}}); err != nil {
				b.Fatal(err)
			}
			n++
		}
		return float64(n) / time.Since(start).Seconds()
	}
	r := load.NewRenderer()
	for b.Loop() {
		idle := reads()
		ctx, cancel := context.WithCancel(b.Context())
		var lags []time.Duration
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; ctx.Err() == nil; i++ {
				id := fmt.Sprintf("artikel-%d", i)
				v, ps := load.ParseVersion("articles/"+id+"/sv.md", benchVersion(i, i+1), r)
				if len(ps) > 0 {
					b.Error(ps)
					return
				}
				res, err := writer.Put(ctx, v)
				if err != nil {
					return
				}
				wrote := time.Now()
				for reader.Current().Position < res.Position && ctx.Err() == nil {
					time.Sleep(time.Millisecond)
				}
				lags = append(lags, time.Since(wrote))
				time.Sleep(20 * time.Millisecond)
			}
		}()
		during := reads()
		cancel()
		<-done
		b.ReportMetric(idle, "reads/s-idle")
		b.ReportMetric(during, "reads/s-writing")
		b.ReportMetric(during/idle, "ratio")
		b.ReportMetric(float64(len(lags))/window.Seconds(), "writes/s")
		percentiles(b, lags, "lag")
	}
}
