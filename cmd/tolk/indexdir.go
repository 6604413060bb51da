package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"

	"github.com/amal-kommun/tolk/internal/config"
)

// indexDir returns the index directory serve uses for the configured
// --index: flag names the directory; config.IndexMemory is memory ("");
// "" is the default one under the user cache directory (see
// defaultIndexDir), or memory when that cannot be used. release gives up
// the default directory's lock; it is never nil.
func indexDir(flag, contentDir string, getenv func(string) string, log *slog.Logger) (dir string, release func()) {
	switch flag {
	case config.IndexMemory:
		return "", func() {}
	case "":
	default:
		return flag, func() {}
	}
	dir, err := defaultIndexDir(contentDir, getenv)
	if err == nil {
		release, err = lockDir(dir)
	}
	if err != nil {
		log.Warn("index and change feed in memory: the default index directory cannot be used; set --index", "err", err)
		return "", func() {}
	}
	log.Info("index directory", "dir", dir)
	return dir, release
}

// defaultIndexDir returns, created and writable, the directory
// <user cache dir>/tolk/<name>: name is "embedded" for the embedded corpus,
// else a short hash of the absolute content directory, so that each tree
// has an index of its own.
func defaultIndexDir(contentDir string, getenv func(string) string) (string, error) {
	cache, err := userCacheDir(getenv)
	if err != nil {
		return "", err
	}
	name := "embedded"
	if contentDir != "" {
		abs, err := filepath.Abs(contentDir)
		if err != nil {
			return "", fmt.Errorf("content directory: %w", err)
		}
		h := sha256.Sum256([]byte(abs))
		name = "content-" + hex.EncodeToString(h[:6])
	}
	dir := filepath.Join(cache, "tolk", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("default index directory: %w", err)
	}
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return "", fmt.Errorf("default index directory not writable: %w", err)
	}
	f.Close()
	os.Remove(f.Name())
	return dir, nil
}

// userCacheDir is os.UserCacheDir for Linux and macOS with the
// environment read through getenv: $XDG_CACHE_HOME, else $HOME/.cache
// ($HOME/Library/Caches on macOS).
func userCacheDir(getenv func(string) string) (string, error) {
	if d := getenv("XDG_CACHE_HOME"); d != "" && filepath.IsAbs(d) && runtime.GOOS != "darwin" {
		return d, nil
	}
	home := getenv("HOME")
	if home == "" || !filepath.IsAbs(home) {
		return "", errors.New("no user cache directory: neither $XDG_CACHE_HOME nor $HOME is set")
	}
	if runtime.GOOS == "darwin" {
		return filepath.Join(home, "Library", "Caches"), nil
	}
	return filepath.Join(home, ".cache"), nil
}
