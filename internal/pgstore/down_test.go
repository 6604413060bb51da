package pgstore_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/amal-kommun/tolk/content"
	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/load"
	"github.com/amal-kommun/tolk/internal/pgstore"
	"github.com/amal-kommun/tolk/internal/pgstore/pgtest"
	"github.com/amal-kommun/tolk/internal/store"
)

// TestDatabaseDown: a replica whose database becomes unreachable goes on
// serving reads from memory, answers writes with store.ErrUnavailable, and
// once the database is back, writes again and catches up with what another
// replica wrote meanwhile, without a restart.
func TestDatabaseDown(t *testing.T) {
	t.Parallel()
	st, direct := open(t)
	ctx := t.Context()
	if _, _, err := st.Import(ctx, "default", content.FS); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(direct)
	if err != nil {
		t.Fatal(err)
	}
	proxy := pgtest.NewProxy(t, u.Host)
	u.Host = proxy.Addr()
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()

	pst, err := pgstore.Open(ctx, u.String(), pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pst.Close()
	be, err := pgstore.NewBackend(pst, "default", pgstore.ListenOptions{Poll: 300 * time.Millisecond, MinBackoff: 50 * time.Millisecond, MaxBackoff: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, store.Options{Backend: be})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go s.Watch(wctx)
	other := core(t, direct)

	lib, _, _ := load.Load(ctx, content.FS)
	file := string(load.Format(lib.Version("dunhuang-samarbete", "sv")))
	version := func(title string) *article.Version {
		v, ps := load.ParseVersion("articles/dunhuang-samarbete/sv.md", []byte(strings.Replace(file, "title: ", "title: "+title+" ", 1)), load.NewRenderer())
		if len(ps) > 0 {
			t.Fatal(ps)
		}
		return v
	}

	proxy.Cut()
	before := s.Current().Library.Len()
	wctx2, cancel2 := context.WithTimeout(ctx, 10*time.Second)
	_, err = s.Put(wctx2, version("Nere"))
	cancel2()
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Put with the database down = %v, want store.ErrUnavailable", err)
	}
	if got := s.Current().Library.Len(); got != before || s.Current().Library.Version("dunhuang-samarbete", "sv") == nil {
		t.Fatalf("reads with the database down: %d articles, had %d", got, before)
	}
	// Another replica, still connected, writes meanwhile.
	if _, err := other.Put(ctx, version("Under avbrottet")); err != nil {
		t.Fatal(err)
	}

	proxy.Restore()
	waitFor(t, s, "dunhuang-samarbete", "sv", func(v *article.Version) bool {
		return strings.HasPrefix(v.Title, "Under avbrottet ")
	}, "the other replica's write after the database came back")
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		_, err := s.Put(ctx, version("Uppe"))
		if err == nil {
			break
		}
		if !errors.Is(err, store.ErrUnavailable) || time.Since(start) > 10*time.Second {
			t.Fatalf("Put after the database came back = %v", err)
		}
	}
	waitFor(t, other, "dunhuang-samarbete", "sv", func(v *article.Version) bool {
		return strings.HasPrefix(v.Title, "Uppe ")
	}, "the recovered replica's write on the other")
}
