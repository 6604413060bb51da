package load

import (
	"context"
	"testing"

	"github.com/amal-kommun/tolk/content"
)

func BenchmarkLoadEmbedded(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		if _, _, err := Load(ctx, content.FS); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadGenerated loads 10,000 articles in three languages, about
// 300 words each: a large municipality's whole site.
func BenchmarkLoadGenerated(b *testing.B) {
	tree := generateTree(10_000)
	var bytes int64
	for _, f := range tree {
		bytes += int64(len(f.Data))
	}
	fsys := newIndexedFS(tree)
	ctx := context.Background()
	b.SetBytes(bytes)
	for b.Loop() {
		lib, problems, err := Load(ctx, fsys)
		if err != nil || len(problems) > 0 || lib.Len() != 10_000 {
			b.Fatalf("Load: %v, %d problems (%v), %d articles", err, len(problems), problems[:min(3, len(problems))], lib.Len())
		}
	}
}

func BenchmarkParseVersion(b *testing.B) {
	fsys := generateTree(1)
	data := fsys["articles/a0/sv.md"].Data
	r := NewRenderer()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, problems := ParseVersion("articles/a0/sv.md", data, r); len(problems) > 0 {
			b.Fatal(problems)
		}
	}
}

func BenchmarkFormat(b *testing.B) {
	fsys := generateTree(1)
	v, problems := ParseVersion("articles/a0/en.md", fsys["articles/a0/en.md"].Data, NewRenderer())
	if len(problems) > 0 {
		b.Fatal(problems)
	}
	for b.Loop() {
		Format(v)
	}
}
