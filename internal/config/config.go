package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// Config is the configuration of every tolk subcommand. Each subcommand
// reads only the fields its flags set.
type Config struct {
	Addr            string        // listen address of the HTTP server
	MetricsAddr     string        // separate listener for /metrics and /debug/pprof/; "" serves /metrics on Addr
	Content         string        // content directory; "" serves the embedded corpus
	Index           string        // index directory; "" (serve: a default under the user cache directory) or IndexMemory keeps it in memory
	LogLevel        string        // debug, info, warn or error
	LogFormat       string        // json or text
	CacheControl    string        // Cache-Control of successful public reads
	CORSOrigins     []string      // origins allowed to read; "*" allows any
	ShutdownTimeout time.Duration // how long in-flight requests get on SIGTERM
	AdminToken      string        // bearer token of the write API; "" disables writes (environment only)
	WebhookURLs     []string      // receivers of change events
	WebhookSecret   string        // HMAC key of webhook signatures (environment only)
	RateLimit       float64       // search and suggest requests per second per client; 0 turns limiting off
	RateBurst       int           // burst of the rate limit
	TrustedProxies  []string      // proxies whose X-Forwarded-For is believed
	MaxSearches     int           // concurrent searches; more wait briefly, then get 503
	SearchTimeout   time.Duration // longest a single search may run
	RescanInterval  time.Duration // full re-scan of --content; 0 turns it off
	GCPercent       int           // heap growth between collections in percent, as GOGC
	GCMinGrowth     int64         // heap growth between collections in bytes at least; 0 for none
	MaxConns        int           // open connections of --addr at most
	FrameAncestors  string        // CSP frame-ancestors sources of the demo page
	CacheBytes      int64         // byte bound of the answer cache
	MaxDeleteShare  float64       // share of the corpus one re-scan may delete; more is held
	URL             string        // server to probe (healthcheck)
	Database        string        // PostgreSQL URL of the content; "" serves Content or the embedded corpus
	Site            string        // site in Database
}

// DefaultSite is the default of --site: the site tolk import and tolk
// export use when none is given.
const DefaultSite = "default"

// IndexMemory as --index keeps the index and the change journal in memory.
const IndexMemory = "memory"

// DefaultCacheBytes is the default of --cache-bytes.
const DefaultCacheBytes = 16 << 20

// DefaultGCMinGrowth is the default of --gc-min-growth.
const DefaultGCMinGrowth = 64 << 20

// MinAdminTokenBytes is the shortest TOLK_ADMIN_TOKEN serve accepts.
const MinAdminTokenBytes = 32

// MaxConnsCeiling is the default of --max-conns when the file limit allows
// more.
const MaxConnsCeiling = 10000

// DefaultMaxConns returns the default of --max-conns for a process that may
// open fileLimit files (0: unknown): three quarters of the limit, leaving
// the rest for the index, the journal and the content, and at most
// MaxConnsCeiling.
func DefaultMaxConns(fileLimit uint64) int {
	if fileLimit == 0 || fileLimit/4*3 >= MaxConnsCeiling {
		return MaxConnsCeiling
	}
	return max(1, int(fileLimit/4*3))
}

// Command names the subcommands, for the flags each one takes.
type Command string

// The subcommands of tolk.
const (
	Serve       Command = "serve"
	Check       Command = "check"
	Index       Command = "index"
	Healthcheck Command = "healthcheck"
)

// ErrHelp is returned when -h or --help was given; the usage has been
// printed.
var ErrHelp = flag.ErrHelp

// Parse reads the flags of cmd from args, falling back to getenv for every
// flag with a TOLK_* name. Usage and flag errors are written to out.
func Parse(cmd Command, args []string, getenv func(string) string, out io.Writer) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("tolk "+string(cmd), flag.ContinueOnError)
	fs.SetOutput(out)
	var envErrs []error
	str := func(p *string, name, env, def, usage string) {
		if v := getenv(env); v != "" {
			def = v
		}
		fs.StringVar(p, name, def, fmt.Sprintf("%s (env %s)", usage, env))
	}
	list := func(p *[]string, name, env, def, usage string) {
		if v := getenv(env); v != "" {
			def = v
		}
		*p = splitList(def)
		replaced := false // the first use of the flag replaces the default
		fs.Func(name, fmt.Sprintf("%s; comma-separated or repeated (env %s, default %q)", usage, env, def), func(s string) error {
			if !replaced {
				*p, replaced = nil, true
			}
			*p = append(*p, splitList(s)...)
			return nil
		})
	}
	dur := func(p *time.Duration, name, env string, def time.Duration, usage string) {
		if v := getenv(env); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				envErrs = append(envErrs, fmt.Errorf("%s: %w", env, err))
			} else {
				def = d
			}
		}
		fs.DurationVar(p, name, def, fmt.Sprintf("%s (env %s)", usage, env))
	}
	num := func(p *float64, name, env string, def float64, usage string) {
		if v := getenv(env); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				envErrs = append(envErrs, fmt.Errorf("%s: %w", env, err))
			} else {
				def = f
			}
		}
		fs.Float64Var(p, name, def, fmt.Sprintf("%s (env %s)", usage, env))
	}
	bytes := func(p *int64, name, env string, def int64, usage string) {
		if v := getenv(env); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				envErrs = append(envErrs, fmt.Errorf("%s: %w", env, err))
			} else {
				def = n
			}
		}
		fs.Int64Var(p, name, def, fmt.Sprintf("%s (env %s)", usage, env))
	}
	integer := func(p *int, name, env string, def int, usage string) {
		if v := getenv(env); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				envErrs = append(envErrs, fmt.Errorf("%s: %w", env, err))
			} else {
				def = n
			}
		}
		fs.IntVar(p, name, def, fmt.Sprintf("%s (env %s)", usage, env))
	}

	switch cmd {
	case Serve:
		str(&c.Addr, "addr", "TOLK_ADDR", ":8080", "listen address")
		str(&c.MetricsAddr, "metrics-addr", "TOLK_METRICS_ADDR", "", "separate listen address for /metrics and the Go profiles under /debug/pprof/ (never served on --addr); empty serves /metrics on --addr")
		str(&c.Content, "content", "TOLK_CONTENT", "", "content directory; empty serves the embedded corpus (or --database)")
		str(&c.Database, "database", "TOLK_DATABASE_URL", "", "PostgreSQL URL of the content, such as postgres://tolk@db.example/tolk (fill it with tolk import; prefer the environment variable for a password): any number of servers on one database accept writes and follow each other; empty serves --content or the embedded corpus")
		str(&c.Site, "site", "TOLK_SITE", DefaultSite, "site in --database")
		str(&c.Index, "index", "TOLK_INDEX", "", "index directory, which also keeps the change feed and the webhook positions across restarts; empty uses tolk/<embedded, a hash of --content, or of --database and --site> under the user cache directory ($XDG_CACHE_HOME or ~/.cache) when it can be written, else memory; \""+IndexMemory+"\" keeps everything in memory (cursors then last as long as the process)")
		str(&c.LogLevel, "log-level", "TOLK_LOG_LEVEL", "info", "log level: debug, info, warn or error")
		str(&c.LogFormat, "log-format", "TOLK_LOG_FORMAT", "json", "log format: json or text")
		str(&c.CacheControl, "cache-control", "TOLK_CACHE_CONTROL", "public, max-age=60, stale-while-revalidate=300", "Cache-Control of successful public reads")
		list(&c.CORSOrigins, "cors-origin", "TOLK_CORS_ORIGINS", "*", "origins allowed to read through CORS")
		dur(&c.ShutdownTimeout, "shutdown-timeout", "TOLK_SHUTDOWN_TIMEOUT", 15*time.Second, "time in-flight requests get to finish on SIGTERM")
		list(&c.WebhookURLs, "webhook", "TOLK_WEBHOOKS", "", "URL that receives every change event")
		num(&c.RateLimit, "rate-limit", "TOLK_RATE_LIMIT", 20, "search and suggest requests per second per client; 0 turns limiting off")
		integer(&c.RateBurst, "rate-burst", "TOLK_RATE_BURST", 40, "burst size of the per-client rate limit")
		list(&c.TrustedProxies, "trusted-proxy", "TOLK_TRUSTED_PROXIES", "", "proxy address or CIDR whose X-Forwarded-For is trusted")
		integer(&c.MaxSearches, "max-searches", "TOLK_MAX_SEARCHES", 0, "searches running at once (0: twice the CPUs); more wait up to 250 ms, then get 503")
		dur(&c.SearchTimeout, "search-timeout", "TOLK_SEARCH_TIMEOUT", 2*time.Second, "longest time one search may run")
		dur(&c.RescanInterval, "rescan", "TOLK_RESCAN", time.Minute, "interval of full re-scans of --content; 0 turns them off")
		integer(&c.GCPercent, "gc-percent", "TOLK_GC_PERCENT", 50, "heap growth between garbage collections, in percent of the live heap (Go's GOGC); lower saves memory, costs CPU")
		bytes(&c.GCMinGrowth, "gc-min-growth", "TOLK_GC_MIN_GROWTH", DefaultGCMinGrowth, "heap growth between garbage collections in bytes at least, whatever --gc-percent makes of a small heap (64 MiB by default); 0 leaves --gc-percent alone")
		integer(&c.MaxConns, "max-conns", "TOLK_MAX_CONNS", DefaultMaxConns(openFileLimit()), fmt.Sprintf("open connections on --addr at most (default: 3/4 of the open-file limit, at most %d); more wait to be accepted, and idle keep-alive connections are closed while the limit is reached", MaxConnsCeiling))
		str(&c.FrameAncestors, "frame-ancestors", "TOLK_FRAME_ANCESTORS", "'self'", "CSP frame-ancestors of the demo page: space-separated sources of the sites that may embed it in a frame, such as https://www.example.se")
		bytes(&c.CacheBytes, "cache-bytes", "TOLK_CACHE_BYTES", DefaultCacheBytes, "bytes of the answer cache of lists, searches, suggestions, feeds and the demo page (16 MiB by default); the least recently used answers go first")
		num(&c.MaxDeleteShare, "max-delete-share", "TOLK_MAX_DELETE_SHARE", 0.5, "share of the corpus one re-scan of --content may delete; a scan that would delete more is held and /readyz says why; 1 turns the hold off")
		c.AdminToken = getenv("TOLK_ADMIN_TOKEN")
		c.WebhookSecret = getenv("TOLK_WEBHOOK_SECRET")
	case Check:
		str(&c.Content, "content", "TOLK_CONTENT", "", "content directory; empty checks the embedded corpus")
	case Index:
		str(&c.Content, "content", "TOLK_CONTENT", "", "content directory; empty indexes the embedded corpus")
		str(&c.Index, "index", "TOLK_INDEX", "", "index directory to build (required)")
	case Healthcheck:
		str(&c.URL, "url", "TOLK_HEALTHCHECK_URL", "http://127.0.0.1:8080/readyz", "URL that must answer 200; a URL without a path (http://host:port) checks its /readyz")
	default:
		return c, fmt.Errorf("unknown command %q", cmd)
	}
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage of tolk %s:\n", cmd)
		fs.PrintDefaults()
		if cmd == Serve {
			fmt.Fprint(out, `
Set only in the environment (secrets stay out of the process list):
  TOLK_ADMIN_TOKEN     bearer token of the write API and of ?preview=true, at least 32 bytes
                       (openssl rand -hex 32); unset disables writes
  TOLK_WEBHOOK_SECRET  key of the HMAC-SHA256 signature of webhook events
`)
		}
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return c, errors.Join(append(envErrs, c.validate(cmd))...)
}

func (c Config) validate(cmd Command) error {
	var errs []error
	switch cmd {
	case Serve:
		if _, _, err := net.SplitHostPort(c.Addr); err != nil {
			errs = append(errs, fmt.Errorf("--addr %q: %w", c.Addr, err))
		}
		if c.MetricsAddr != "" {
			if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
				errs = append(errs, fmt.Errorf("--metrics-addr %q: %w", c.MetricsAddr, err))
			}
		}
		switch c.LogLevel {
		case "debug", "info", "warn", "error":
		default:
			errs = append(errs, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel))
		}
		switch c.LogFormat {
		case "json", "text":
		default:
			errs = append(errs, fmt.Errorf("--log-format %q: want json or text", c.LogFormat))
		}
		if c.GCMinGrowth < 0 {
			errs = append(errs, fmt.Errorf("--gc-min-growth %d: want 0 or more bytes", c.GCMinGrowth))
		}
		if c.GCPercent < 10 {
			errs = append(errs, fmt.Errorf("--gc-percent %d: want at least 10 (below that the collector hardly stops)", c.GCPercent))
		}
		if c.AdminToken != "" && len(c.AdminToken) < MinAdminTokenBytes {
			errs = append(errs, fmt.Errorf("TOLK_ADMIN_TOKEN is %d bytes; a token guessable that easily is refused, it must have at least %d (make one with: openssl rand -hex 32)", len(c.AdminToken), MinAdminTokenBytes))
		}
		if c.FrameAncestors == "" || strings.ContainsFunc(c.FrameAncestors, func(r rune) bool { return r == ';' || r == ',' || r < ' ' || r == 0x7f }) {
			errs = append(errs, fmt.Errorf("--frame-ancestors %q: want space-separated CSP sources, such as 'self' https://www.example.se", c.FrameAncestors))
		}
		if c.CacheBytes < 1 {
			errs = append(errs, fmt.Errorf("--cache-bytes %d: want at least 1", c.CacheBytes))
		}
		if !(c.MaxDeleteShare > 0 && c.MaxDeleteShare <= 1) {
			errs = append(errs, fmt.Errorf("--max-delete-share %v: want more than 0 and at most 1", c.MaxDeleteShare))
		}
		if c.MaxConns < 1 {
			errs = append(errs, fmt.Errorf("--max-conns %d: want at least 1", c.MaxConns))
		}
		if c.RateLimit < 0 || c.RateBurst < 0 || c.MaxSearches < 0 {
			errs = append(errs, errors.New("--rate-limit, --rate-burst and --max-searches must not be negative"))
		}
		if c.Database != "" && c.Content != "" {
			errs = append(errs, errors.New("--database and --content: give one; the database holds the content (tolk import --content DIR puts a tree into it)"))
		}
		if c.WebhookSecret == "" && len(c.WebhookURLs) > 0 {
			errs = append(errs, errors.New("--webhook needs TOLK_WEBHOOK_SECRET to sign events"))
		}
		for _, p := range c.TrustedProxies {
			if net.ParseIP(p) == nil {
				if _, _, err := net.ParseCIDR(p); err != nil {
					errs = append(errs, fmt.Errorf("--trusted-proxy %q: not an address or CIDR", p))
				}
			}
		}
	case Index:
		if c.Index == "" {
			errs = append(errs, errors.New("--index is required"))
		}
	}
	return errors.Join(errs...)
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
