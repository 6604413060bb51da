package store

import (
	"context"
	"os"
	"testing"
	"time"
)

func TestZZScanReal(t *testing.T) {
	hdr := make([]byte, cacheHeaderLen)
	f, err := os.Open("/tmp/ix30/versions.cache")
	if err != nil {
		t.Skip(err)
	}
	f.ReadAt(hdr, 0)
	f.Close()
	var key parserKey
	copy(key[:], hdr[len(cacheMagic)+4:])
	s, err := newStore(Options{Dir: os.Getenv("HOME") + "/.cache/tolk-bench/10000"})
	if err != nil {
		t.Fatal(err)
	}
	s.cacheFile, s.cacheKey = "/tmp/ix30/versions.cache", key
	start := time.Now()
	ch := make(chan *versionCache, 1)
	s.cacheWait = ch
	go func() { ch <- s.openCache() }()
	s.mu.Lock()
	if _, err := s.scan(context.Background(), dirty{all: true}); err != nil {
		t.Fatal(err)
	}
	scanned := time.Since(start)
	items, folders := s.cacheItems()
	s.startCache.holds(items, folders)
	s.startCache = nil
	held := time.Since(start)
	g := s.fromDisk()
	t.Log("scan", scanned, "holds", held-scanned, "build", time.Since(start)-held, "unread", s.cacheStats.unread, len(g.lib.All()))
	s.mu.Unlock()
}
