package httpapi

import (
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Failed authentications: a client may fail authFailBurst times, then one
// more time per authFailWindow; while it has no failure left, its requests
// needing the token are refused with 429 without the token being compared.
const (
	authFailBurst   = 10
	authFailWindow  = 10 * time.Second
	maxAuthFailures = 10_000 // clients remembered at most
)

// failLimiter throttles failed authentications per client (an IPv4
// address or an IPv6 /64). Its memory is bounded by maxAuthFailures.
type failLimiter struct {
	mu      sync.Mutex
	clients map[netip.Addr]*rate.Limiter
}

func newFailLimiter() *failLimiter {
	return &failLimiter{clients: make(map[netip.Addr]*rate.Limiter)}
}

// blocked reports whether the client has no failure left.
func (f *failLimiter) blocked(client netip.Addr) bool {
	k := clientKey(client)
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.clients[k]
	return b != nil && b.Tokens() < 1
}

// fail records a failed authentication of the client.
func (f *failLimiter) fail(client netip.Addr) {
	k := clientKey(client)
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.clients[k]
	if b == nil {
		if len(f.clients) >= maxAuthFailures {
			f.sweep()
		}
		b = rate.NewLimiter(rate.Every(authFailWindow), authFailBurst)
		f.clients[k] = b
	}
	b.Allow()
}

// sweep forgets the clients that have every failure back and, if that is
// not enough, half of the others: a flood of addresses can make the
// limiter forget, never grow.
func (f *failLimiter) sweep() {
	for a, b := range f.clients {
		if b.Tokens() >= authFailBurst {
			delete(f.clients, a)
		}
	}
	for a := range f.clients {
		if len(f.clients) < maxAuthFailures/2 {
			break
		}
		delete(f.clients, a)
	}
}

// clientKey is what per-client limits count by: an IPv4 address, or the
// /64 of an IPv6 address (the block one subscriber is given, so rotating
// through it does not escape a limit).
func clientKey(a netip.Addr) netip.Addr {
	if a.Is6() && !a.Is4In6() {
		if p, err := a.Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return a
}
