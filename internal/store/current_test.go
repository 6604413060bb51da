package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/amal-kommun/tolk/internal/store"
)

// TestCurrent follows Current from New to a write: nil and writes refused
// before Load, then one Generation per change, each with the Library,
// index, problems and journal readers need, numbered in order.
func TestCurrent(t *testing.T) {
	eachBackend(t, baseTree(), func(t *testing.T, f *fixture) { testCurrent(t, f) })
}

// testCurrent is TestCurrent on a Store of its own over f's content.
func testCurrent(t *testing.T, f *fixture) {
	b, jr := f.backend(t)
	s, err := store.New(store.Options{Backend: b, Journal: jr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	if g := s.Current(); g != nil {
		t.Fatalf("Current before Load = %+v, want nil", g)
	}
	if _, err := s.PutBytes(ctx, "ny", "sv", []byte(doc("Ny", "ny", ""))); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Put before Load = %v, want ErrUnavailable", err)
	}
	if err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	first := s.Current()
	if first == nil || first.Seq != 1 || first.Library != s.Library() || first.Index != s.Index() || first.Journal != jr {
		t.Fatalf("Current after Load = %+v", first)
	}
	if _, err := s.PutBytes(ctx, "ny", "sv", []byte(doc("Ny", "ny", ""))); err != nil {
		t.Fatal(err)
	}
	second := s.Current()
	select {
	case <-first.Replaced():
	default:
		t.Error("the first generation's Replaced is not closed after a second was published")
	}
	select {
	case <-second.Replaced():
		t.Error("the current generation's Replaced is closed")
	default:
	}
	if second.Seq != 2 || second.Library.Version("ny", "sv") == nil || first.Library.Version("ny", "sv") != nil {
		t.Errorf("Current after Put = seq %d, new version %v; the first generation changed: %v",
			second.Seq, second.Library.Version("ny", "sv") != nil, first.Library.Version("ny", "sv") != nil)
	}
}

// TestCloseBeforeLoad closes a Store that never loaded.
func TestCloseBeforeLoad(t *testing.T) {
	s, err := store.New(store.Options{Backend: fileBackend(t, t.TempDir(), "")})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
}
