package main

import (
	"net"
	"net/http"
	"sync"

	"golang.org/x/net/netutil"
)

// connLimit bounds the connections of one listener: at most max are
// accepted at once (more wait in the kernel's backlog, then are refused),
// and while max are open every idle keep-alive connection is closed, so
// that clients that only hold connections open cannot keep out the ones
// that send requests.
type connLimit struct {
	max  int
	mu   sync.Mutex
	open int
	idle map[net.Conn]struct{}
}

// newConnLimit returns a limit of max connections.
func newConnLimit(max int) *connLimit {
	return &connLimit{max: max, idle: make(map[net.Conn]struct{})}
}

// listener returns ln accepting at most l.max connections at once.
func (l *connLimit) listener(ln net.Listener) net.Listener {
	return netutil.LimitListener(ln, l.max)
}

// connState is the http.Server's ConnState hook.
func (l *connLimit) connState(c net.Conn, s http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch s {
	case http.StateNew:
		l.open++
		if l.open >= l.max {
			for ic := range l.idle {
				ic.Close() // its server goroutine reports StateClosed
				delete(l.idle, ic)
			}
		}
	case http.StateIdle:
		if l.open >= l.max {
			c.Close()
			return
		}
		l.idle[c] = struct{}{}
	case http.StateActive:
		delete(l.idle, c)
	case http.StateClosed, http.StateHijacked:
		l.open--
		delete(l.idle, c)
	}
}
