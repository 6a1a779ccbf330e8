package scantest

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
)

// Limited is a loopback server with a small worker cap, as embedded
// devices and small proxies have: beyond Max open connections it accepts
// and resets at once (SO_LINGER 0). Busy holds connections open on its own
// behalf, standing in for other clients, until Release.
type Limited struct {
	Addr netip.AddrPort
	Max  int

	open    atomic.Int32
	peak    atomic.Int32
	resets  atomic.Int32
	mu      sync.Mutex
	holders []net.Conn
}

// ServeLimited runs handler for every connection within max; the handler's
// connection is closed when it returns.
func ServeLimited(t testing.TB, max int, handler func(net.Conn)) *Limited {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &Limited{Addr: netip.MustParseAddrPort(ln.Addr().String()), Max: max}
	t.Cleanup(func() { ln.Close(); l.Release() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if n := l.open.Add(1); int(n) > max {
				l.open.Add(-1)
				l.resets.Add(1)
				if tc, ok := c.(*net.TCPConn); ok {
					tc.SetLinger(0) //nolint:errcheck // best effort: a plain close still refuses service
				}
				c.Close()
				continue
			} else {
				for p := l.peak.Load(); n > p && !l.peak.CompareAndSwap(p, n); p = l.peak.Load() {
				}
			}
			go func() {
				// The worker is free before the client can see the close.
				defer c.Close()
				defer l.open.Add(-1)
				handler(c)
			}()
		}
	}()
	return l
}

// Busy opens n connections that take workers and say nothing; the server
// sees them as clients like any other.
func (l *Limited) Busy(t testing.TB, n int) {
	t.Helper()
	for range n {
		c, err := net.Dial("tcp", l.Addr.String())
		if err != nil {
			t.Fatal(err)
		}
		l.mu.Lock()
		l.holders = append(l.holders, c)
		l.mu.Unlock()
	}
}

// Release closes the connections Busy opened.
func (l *Limited) Release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.holders {
		c.Close()
	}
	l.holders = nil
}

// Peak is the most connections served at once; Resets counts the refused.
func (l *Limited) Peak() int   { return int(l.peak.Load()) }
func (l *Limited) Resets() int { return int(l.resets.Load()) }
