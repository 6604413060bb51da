package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/amal-kommun/tolk/internal/store"
)

// TestConcurrentWritersAndReaders runs 8 writers, readers of the Library
// and the index and, on the file backend, an editor changing files on disk
// and the watcher, all at once, for about two seconds on each backend (run
// it with -race).
func TestConcurrentWritersAndReaders(t *testing.T) {
	eachBackend(t, baseTree(), func(t *testing.T, f *fixture) {
		if f.fb != nil { // the files change on disk too
			f.watch(t)
		}
		ctx := context.Background()
		const writers = 8
		duration := 2 * time.Second
		if testing.Short() {
			duration = 500 * time.Millisecond
		}
		stop := time.Now().Add(duration)
		var wg sync.WaitGroup
		var writes, reads atomic.Int64
		last := make([]string, writers) // the last title each writer stored

		for w := range writers {
			wg.Go(func() {
				id := fmt.Sprintf("skrivare-%d", w)
				hasEn := false
				for i := 0; time.Now().Before(stop); i++ {
					title := fmt.Sprintf("Skrivare %d version %d", w, i)
					if _, err := f.s.PutBytes(ctx, id, "sv", []byte(doc(title, id, ""))); err != nil {
						t.Errorf("Put %s/sv: %v", id, err)
						return
					}
					last[w] = title
					switch {
					case i%3 == 1:
						_, err := f.s.PutBytes(ctx, id, "en", []byte(doc(fmt.Sprintf("Writer %d version %d", w, i), id+"-en", translation("sv"))))
						if err != nil {
							t.Errorf("Put %s/en: %v", id, err)
							return
						}
						hasEn = true
					case i%3 == 2 && hasEn:
						if err := f.s.Delete(ctx, id, "en"); err != nil {
							t.Errorf("Delete %s/en: %v", id, err)
							return
						}
						hasEn = false
					case i%3 == 0 && !hasEn:
						if err := f.s.Delete(ctx, id, "sv"); err != nil {
							t.Errorf("Delete %s/sv: %v", id, err)
							return
						}
						if err := f.s.Delete(ctx, id, "sv"); !errors.Is(err, store.ErrNotFound) {
							t.Errorf("second Delete %s/sv = %v, want ErrNotFound", id, err)
							return
						}
						last[w] = ""
					}
					writes.Add(1)
					// Read your write.
					if got := titleOf(f.s, id, "sv"); got != last[w] {
						t.Errorf("after writing %q the Library has %q", last[w], got)
						return
					}
				}
			})
		}
		for range 3 {
			wg.Go(func() {
				for time.Now().Before(stop) {
					lib := f.s.Library()
					for _, v := range lib.All() {
						_ = v.Outdated // written by Build for new generations only
						_ = lib.Article(v.ID).Public(v.Lang)
					}
					if _, err := f.s.Index().Search(ctx, indexRequest("skrivare")); err != nil {
						t.Errorf("search: %v", err)
						return
					}
					reads.Add(1)
				}
			})
		}
		if f.fb != nil {
			wg.Go(func() { // an editor at work on disk
				for i := 0; time.Now().Before(stop); i++ {
					f.write(t, "articles/skola/sv.md", doc(fmt.Sprintf("Skolan %d", i), "skolan", ""))
					time.Sleep(20 * time.Millisecond)
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		for w, title := range last {
			id := fmt.Sprintf("skrivare-%d", w)
			if got := titleOf(f.s, id, "sv"); got != title {
				t.Errorf("%s/sv: served %q, last written %q", id, got, title)
			}
		}
		if f.fb != nil {
			eventually(t, within, "the editor's last edit served", func() bool {
				return titleOf(f.s, "skola", "sv") != "Skolan"
			})
		}
		t.Logf("%d writes, %d read rounds in %v", writes.Load(), reads.Load(), duration)
	})
}
