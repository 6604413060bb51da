package config

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParsePrecedence(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(t *testing.T, c Config)
	}{
		{"defaults", nil, nil, func(t *testing.T, c Config) {
			if c.Addr != ":8080" || c.Content != "" || c.Index != "" || c.LogFormat != "json" {
				t.Errorf("defaults: %+v", c)
			}
			if diff := cmp.Diff([]string{"*"}, c.CORSOrigins); diff != "" {
				t.Errorf("CORSOrigins (-want +got):\n%s", diff)
			}
			if c.FrameAncestors != "'self'" || c.CacheBytes != 16<<20 || c.MaxDeleteShare != 0.5 {
				t.Errorf("FrameAncestors %q, CacheBytes %d, MaxDeleteShare %v", c.FrameAncestors, c.CacheBytes, c.MaxDeleteShare)
			}
			if c.MaxConns < 1 || c.MaxConns > MaxConnsCeiling {
				t.Errorf("MaxConns = %d", c.MaxConns)
			}
			if c.CacheControl != "public, max-age=60, stale-while-revalidate=300" {
				t.Errorf("CacheControl = %q", c.CacheControl)
			}
			if c.GCPercent != 50 || c.GCMinGrowth != 64<<20 {
				t.Errorf("GCPercent %d, GCMinGrowth %d", c.GCPercent, c.GCMinGrowth)
			}
		}},
		{"collector from environment and flags", []string{"--gc-min-growth", "0"}, map[string]string{"TOLK_GC_PERCENT": "80", "TOLK_GC_MIN_GROWTH": "1048576"}, func(t *testing.T, c Config) {
			if c.GCPercent != 80 || c.GCMinGrowth != 0 {
				t.Errorf("GCPercent %d, GCMinGrowth %d", c.GCPercent, c.GCMinGrowth)
			}
		}},
		{"environment", nil, map[string]string{"TOLK_ADDR": "127.0.0.1:9000", "TOLK_CONTENT": "/srv/content", "TOLK_ADMIN_TOKEN": "s3cret-0123456789abcdef-0123456789", "TOLK_SHUTDOWN_TIMEOUT": "3s"}, func(t *testing.T, c Config) {
			if c.Addr != "127.0.0.1:9000" || c.Content != "/srv/content" || c.AdminToken != "s3cret-0123456789abcdef-0123456789" || c.ShutdownTimeout != 3*time.Second {
				t.Errorf("environment not used: %+v", c)
			}
		}},
		{"flag beats environment", []string{"--addr", ":7000", "--cors-origin", "https://a.example", "--cors-origin", "https://b.example"},
			map[string]string{"TOLK_ADDR": ":9000", "TOLK_CORS_ORIGINS": "https://env.example"}, func(t *testing.T, c Config) {
				if c.Addr != ":7000" {
					t.Errorf("Addr = %q, want the flag's", c.Addr)
				}
				if diff := cmp.Diff([]string{"https://a.example", "https://b.example"}, c.CORSOrigins); diff != "" {
					t.Errorf("CORSOrigins (-want +got):\n%s", diff)
				}
			}},
		{"hardening options from environment", nil, map[string]string{"TOLK_FRAME_ANCESTORS": "'self' https://www.example.se", "TOLK_CACHE_BYTES": "1048576", "TOLK_MAX_DELETE_SHARE": "1", "TOLK_MAX_CONNS": "50"}, func(t *testing.T, c Config) {
			if c.FrameAncestors != "'self' https://www.example.se" || c.CacheBytes != 1<<20 || c.MaxDeleteShare != 1 || c.MaxConns != 50 {
				t.Errorf("environment not used: %+v", c)
			}
		}},
		{"hardening options from flags", []string{"--frame-ancestors", "https://a.example", "--cache-bytes", "2048", "--max-delete-share", "0.25", "--max-conns", "7"}, map[string]string{"TOLK_CACHE_BYTES": "1048576"}, func(t *testing.T, c Config) {
			if c.FrameAncestors != "https://a.example" || c.CacheBytes != 2048 || c.MaxDeleteShare != 0.25 || c.MaxConns != 7 {
				t.Errorf("flags not used: %+v", c)
			}
		}},
		{"database from environment", nil, map[string]string{"TOLK_DATABASE_URL": "postgres://tolk@db/tolk", "TOLK_SITE": "lund"}, func(t *testing.T, c Config) {
			if c.Database != "postgres://tolk@db/tolk" || c.Site != "lund" {
				t.Errorf("Database %q, Site %q", c.Database, c.Site)
			}
		}},
		{"database flags beat environment", []string{"--database", "postgres://a/b", "--site", "malmo"}, map[string]string{"TOLK_DATABASE_URL": "postgres://env/x", "TOLK_SITE": "lund"}, func(t *testing.T, c Config) {
			if c.Database != "postgres://a/b" || c.Site != "malmo" {
				t.Errorf("Database %q, Site %q", c.Database, c.Site)
			}
		}},
		{"database and webhooks", []string{"--webhook", "http://x/"}, map[string]string{"TOLK_DATABASE_URL": "postgres://a/b", "TOLK_WEBHOOK_SECRET": "k"}, func(t *testing.T, c Config) {
			if c.Database != "postgres://a/b" || len(c.WebhookURLs) != 1 || c.WebhookSecret != "k" {
				t.Errorf("Database %q, WebhookURLs %q, secret set %v", c.Database, c.WebhookURLs, c.WebhookSecret != "")
			}
		}},
		{"site defaults", nil, nil, func(t *testing.T, c Config) {
			if c.Database != "" || c.Site != DefaultSite {
				t.Errorf("Database %q, Site %q", c.Database, c.Site)
			}
		}},
		{"comma list from environment", nil, map[string]string{"TOLK_WEBHOOKS": "http://a/, http://b/", "TOLK_WEBHOOK_SECRET": "k"}, func(t *testing.T, c Config) {
			if diff := cmp.Diff([]string{"http://a/", "http://b/"}, c.WebhookURLs); diff != "" {
				t.Errorf("WebhookURLs (-want +got):\n%s", diff)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(Serve, tt.args, env(tt.env), io.Discard)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tt.check(t, c)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		cmd  Command
		args []string
		env  map[string]string
		want string
	}{
		{"bad address", Serve, []string{"--addr", "nonsense"}, nil, "--addr"},
		{"bad duration in environment", Serve, nil, map[string]string{"TOLK_SHUTDOWN_TIMEOUT": "soon"}, "TOLK_SHUTDOWN_TIMEOUT"},
		{"bad log level", Serve, []string{"--log-level", "loud"}, nil, "--log-level"},
		{"webhook without secret", Serve, []string{"--webhook", "http://x/"}, nil, "TOLK_WEBHOOK_SECRET"},
		{"bad trusted proxy", Serve, []string{"--trusted-proxy", "proxy.example"}, nil, "--trusted-proxy"},
		{"collector never resting", Serve, []string{"--gc-percent", "5"}, nil, "--gc-percent"},
		{"negative collector growth", Serve, []string{"--gc-min-growth", "-1"}, nil, "--gc-min-growth"},
		{"short admin token", Serve, nil, map[string]string{"TOLK_ADMIN_TOKEN": "x"}, "openssl rand -hex 32"},
		{"31-byte admin token", Serve, nil, map[string]string{"TOLK_ADMIN_TOKEN": strings.Repeat("a", 31)}, "at least 32"},
		{"frame-ancestors injecting a directive", Serve, []string{"--frame-ancestors", "'self'; script-src *"}, nil, "--frame-ancestors"},
		{"frame-ancestors with a newline", Serve, nil, map[string]string{"TOLK_FRAME_ANCESTORS": "https://a.example\r\nX: y"}, "--frame-ancestors"},
		{"empty frame-ancestors", Serve, []string{"--frame-ancestors", ""}, nil, "--frame-ancestors"},
		{"no answer cache", Serve, []string{"--cache-bytes", "0"}, nil, "--cache-bytes"},
		{"bad cache bytes in environment", Serve, nil, map[string]string{"TOLK_CACHE_BYTES": "32MiB"}, "TOLK_CACHE_BYTES"},
		{"delete share zero", Serve, []string{"--max-delete-share", "0"}, nil, "--max-delete-share"},
		{"delete share over one", Serve, nil, map[string]string{"TOLK_MAX_DELETE_SHARE": "1.5"}, "--max-delete-share"},
		{"delete share not a number", Serve, nil, map[string]string{"TOLK_MAX_DELETE_SHARE": "half"}, "TOLK_MAX_DELETE_SHARE"},
		{"several errors at once", Serve, []string{"--cache-bytes", "-1", "--max-conns", "0"}, nil, "--max-conns"},
		{"no connections", Serve, []string{"--max-conns", "0"}, nil, "--max-conns"},
		{"bad connections in environment", Serve, nil, map[string]string{"TOLK_MAX_CONNS": "many"}, "TOLK_MAX_CONNS"},
		{"database and webhooks without a secret", Serve, []string{"--webhook", "http://x/"}, map[string]string{"TOLK_DATABASE_URL": "postgres://a/b"}, "TOLK_WEBHOOK_SECRET"},
		{"database and content", Serve, []string{"--database", "postgres://a/b", "--content", "/srv/c"}, nil, "give one"},
		{"index needs a directory", Index, nil, nil, "--index is required"},
		{"unknown flag", Check, []string{"--nope"}, nil, "not defined"},
		{"stray argument", Check, []string{"extra"}, nil, "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.cmd, tt.args, env(tt.env), io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestHelpListsEnvironment(t *testing.T) {
	var out strings.Builder
	_, err := Parse(Serve, []string{"-h"}, env(nil), &out)
	if !errors.Is(err, ErrHelp) {
		t.Fatalf("Parse(-h) error = %v, want ErrHelp", err)
	}
	for _, want := range []string{"TOLK_ADDR", "TOLK_CONTENT", "TOLK_INDEX", "TOLK_CACHE_CONTROL", "TOLK_CORS_ORIGINS", "TOLK_ADMIN_TOKEN", "TOLK_MAX_CONNS", "TOLK_FRAME_ANCESTORS", "TOLK_CACHE_BYTES", "TOLK_MAX_DELETE_SHARE", "TOLK_DATABASE_URL", "TOLK_SITE", "openssl rand -hex 32"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help does not mention %s", want)
		}
	}
}

func TestDefaultMaxConns(t *testing.T) {
	tests := []struct {
		limit uint64
		want  int
	}{
		{0, MaxConnsCeiling},
		{128, 96},
		{1024, 768},
		{20000, MaxConnsCeiling},
		{1 << 62, MaxConnsCeiling},
		{1, 1},
	}
	for _, tt := range tests {
		if got := DefaultMaxConns(tt.limit); got != tt.want {
			t.Errorf("DefaultMaxConns(%d) = %d, want %d", tt.limit, got, tt.want)
		}
	}
}
