package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/store"
)

// errPrecondition is what the checks of these tests return.
var errPrecondition = errors.New("precondition failed")

// ifTitle returns a check that accepts only the stored version titled
// want, like an If-Match with that version's ETag.
func ifTitle(want string) func(cur *article.Version) error {
	return func(cur *article.Version) error {
		if cur == nil || cur.Title != want {
			return errPrecondition
		}
		return nil
	}
}

// TestPutIfAtomic: ten writers that each accept only the version they saw
// before: exactly one of them succeeds (issue 14, finding 6).
func TestPutIfAtomic(t *testing.T) {
	eachBackend(t, baseTree(), func(t *testing.T, f *fixture) {
		ctx := context.Background()
		const writers = 10
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for i := range writers {
			wg.Go(func() {
				file := doc("Skolan "+string(rune('A'+i)), "skolan", "tags: [international]\n")
				_, errs[i] = f.s.PutFile(ctx, "skola", "sv", []byte(file), ifTitle("Skolan"))
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, errPrecondition):
			default:
				t.Errorf("PutIf = %v, want nil or the check's error", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d writers succeeded, want exactly 1", ok)
		}
	})
}

func TestPutIfDeleteIf(t *testing.T) {
	eachBackend(t, baseTree(), func(t *testing.T, f *fixture) {
		ctx := context.Background()
		var seen []*article.Version
		record := func(cur *article.Version) error { seen = append(seen, cur); return nil }

		// A check that fails changes nothing, even when the bytes are new.
		n := f.j.len()
		if _, err := f.s.PutFile(ctx, "skola", "sv", []byte(doc("Ny", "skolan", "")), ifTitle("Fel")); err != errPrecondition {
			t.Fatalf("PutIf = %v, want the check's error unchanged", err)
		}
		if _, err := f.s.DeleteIf(ctx, "skola", "sv", ifTitle("Fel")); err != errPrecondition {
			t.Fatalf("DeleteIf = %v, want the check's error unchanged", err)
		}
		if got := titleOf(f.s, "skola", "sv"); got != "Skolan" || f.j.len() != n {
			t.Fatalf("after failed checks: title %q, %d new entries", got, f.j.len()-n)
		}

		// The check sees the stored version, nil when there is none, and a
		// draft too.
		if _, err := f.s.PutFile(ctx, "ny", "sv", []byte(doc("Utkast", "utkast", "draft: true\n")), record); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.PutFile(ctx, "ny", "sv", []byte(doc("Utkast 2", "utkast", "draft: true\n")), record); err != nil {
			t.Fatal(err)
		}
		if pos, err := f.s.DeleteIf(ctx, "ny", "sv", record); err != nil {
			t.Fatal(err)
		} else if cur := f.s.Current(); pos == 0 || pos != cur.Position {
			t.Errorf("DeleteIf = position %d, want the published one (%d)", pos, cur.Position)
		}
		if _, err := f.s.DeleteIf(ctx, "ny", "sv", record); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("DeleteIf of a missing version = %v, want ErrNotFound", err)
		}
		var got []string
		for _, v := range seen {
			if v == nil {
				got = append(got, "nil")
			} else {
				got = append(got, v.Title)
			}
		}
		want := []string{"nil", "Utkast", "Utkast 2", "nil"}
		if len(got) != len(want) {
			t.Fatalf("checks saw %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("checks saw %v, want %v", got, want)
			}
		}
	})
}
