package index

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/amal-kommun/tolk/internal/article"
)

// TestFingerprintCoversEveryField edits, while the index is closed, a
// field the old hand-picked fingerprint left out (author): the next Open
// must see the change, re-index, and find the version by its author.
func TestFingerprintCoversEveryField(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "index")
	vs := fixture()
	ix, err := Open(ctx, Options{Dir: dir}, vs)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.WaitCompacted(ctx); err != nil {
		t.Fatal(err)
	}
	if got := find(t, ix, "Lindqvist", "sv").Total; got != 0 {
		t.Fatalf("before the edit: Lindqvist finds %d", got)
	}
	ix.Close()

	// Edited while stopped: only the author changes.
	edited := make([]*article.Version, len(vs))
	for i, v := range vs {
		c := *v
		if v.ID == "skola" && v.Lang == "sv" {
			c.Author = "Maria Lindqvist"
		}
		edited[i] = &c
	}
	ix, err = Open(ctx, Options{Dir: dir}, edited)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if ix.Reused() {
		t.Error("the index was reused after the author changed")
	}
	res := find(t, ix, "Lindqvist", "sv")
	if res.Total != 1 || res.Hits[0].ID != "skola" {
		t.Errorf("after the edit: Lindqvist finds %+v, want skola", res.Hits)
	}
	// Written while running, too.
	v := *edited[0]
	v.Author = "Per Holm"
	if err := ix.Upsert(ctx, &v); err != nil {
		t.Fatal(err)
	}
	if got := find(t, ix, "holm", v.Lang); got.Total != 1 || got.Hits[0].ID != v.ID {
		t.Errorf("after an upsert: holm finds %+v, want %s", got.Hits, v.ID)
	}
	// Words of the text and of the author together.
	if got := find(t, ix, "förskolan Lindqvist", "sv").Total; got != 1 {
		t.Errorf("förskolan Lindqvist: %d hits, want 1", got)
	}
}
