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

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/amal-kommun/tolk/internal/config"
)

// indexDir returns the index directory serve uses for the configured
// --index: flag names the directory; config.IndexMemory is memory ("");
// "" is the default one, <user cache dir>/tolk/name (see indexName and
// defaultIndexDir), or memory when that cannot be used. release gives up
// the default directory's lock; it is never nil.
func indexDir(flag, name string, getenv func(string) string, log *slog.Logger) (dir string, release func()) {
	switch flag {
	case config.IndexMemory:
		return "", func() {}
	case "":
	default:
		return flag, func() {}
	}
	dir, err := defaultIndexDir(name, getenv)
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

// indexName names the default index directory of what cfg serves, so
// that each source has an index of its own: "embedded" for the embedded
// corpus, "content-" and a short hash of the absolute --content directory,
// or "database-" and a short hash of the database's identity and --site
// (see databaseIdentity).
func indexName(cfg config.Config) (string, error) {
	switch {
	case cfg.Database != "":
		id, err := databaseIdentity(cfg.Database)
		if err != nil {
			return "", err
		}
		h := sha256.Sum256([]byte(id + "\x00" + cfg.Site))
		return "database-" + hex.EncodeToString(h[:6]), nil
	case cfg.Content != "":
		abs, err := filepath.Abs(cfg.Content)
		if err != nil {
			return "", fmt.Errorf("content directory: %w", err)
		}
		h := sha256.Sum256([]byte(abs))
		return "content-" + hex.EncodeToString(h[:6]), nil
	}
	return "embedded", nil
}

// databaseIdentity returns what names the database a PostgreSQL URL (or
// key=value string) points at: its hosts and ports, its name and its
// search_path, but not the user or the password, which may change while
// the database stays the same.
func databaseIdentity(url string) (string, error) {
	c, err := pgconn.ParseConfig(url)
	if err != nil {
		return "", fmt.Errorf("--database: %w", err)
	}
	id := fmt.Sprintf("%s:%d", c.Host, c.Port)
	for _, fb := range c.Fallbacks {
		id += fmt.Sprintf(",%s:%d", fb.Host, fb.Port)
	}
	return id + "/" + c.Database + "?search_path=" + c.RuntimeParams["search_path"], nil
}

// defaultIndexDir returns, created and writable, the directory
// <user cache dir>/tolk/<name> (name from indexName).
func defaultIndexDir(name string, getenv func(string) string) (string, error) {
	cache, err := userCacheDir(getenv)
	if err != nil {
		return "", err
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
