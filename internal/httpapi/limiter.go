package httpapi

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter is a token bucket per client (an IPv4 address or an IPv6 /64)
// for every search entry point.
type limiter struct {
	limit   rate.Limit
	burst   int
	trusted []netip.Prefix

	mu      sync.Mutex
	clients map[netip.Addr]*rate.Limiter
	swept   time.Time
}

// maxClients bounds the limiter's memory; past it, idle buckets are
// dropped.
const maxClients = 100_000

func newLimiter(perSecond float64, burst int, trusted []string) (*limiter, error) {
	l := &limiter{limit: rate.Limit(perSecond), burst: max(burst, 1), clients: make(map[netip.Addr]*rate.Limiter)}
	for _, t := range trusted {
		if p, err := netip.ParsePrefix(t); err == nil {
			l.trusted = append(l.trusted, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(t)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: not an address or CIDR", t)
		}
		l.trusted = append(l.trusted, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return l, nil
}

// client returns the address a request is rate-limited by: the peer, or,
// when the peer is a trusted proxy, the nearest untrusted address of
// X-Forwarded-For.
func (l *limiter) client(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	peer = peer.Unmap()
	if !l.isTrusted(peer) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer
		}
		a = a.Unmap()
		if !l.isTrusted(a) {
			return a
		}
		peer = a
	}
	return peer
}

func (l *limiter) isTrusted(a netip.Addr) bool {
	for _, p := range l.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// allow takes a token for r's client, or returns how long to wait for one.
func (l *limiter) allow(r *http.Request) (ok bool, retryAfter time.Duration) {
	if l.limit <= 0 {
		return true, 0
	}
	addr := clientKey(l.client(r))
	now := time.Now()
	l.mu.Lock()
	b := l.clients[addr]
	if b == nil {
		if len(l.clients) >= maxClients && now.Sub(l.swept) > time.Second {
			l.sweep(now)
		}
		b = rate.NewLimiter(l.limit, l.burst)
		l.clients[addr] = b
	}
	res := b.ReserveN(now, 1)
	delay := res.DelayFrom(now)
	if delay > 0 {
		res.CancelAt(now)
	}
	l.mu.Unlock()
	return delay == 0, delay
}

// sweep drops the buckets that are full again: their clients are idle.
func (l *limiter) sweep(now time.Time) {
	l.swept = now
	for a, b := range l.clients {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.clients, a)
		}
	}
}

// retryAfterSeconds renders a delay for Retry-After, at least one second.
func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(int(math.Max(1, math.Ceil(d.Seconds()))))
}
