package scope

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"
)

// DefaultPerEndpoint is how many TCP connections the scan keeps open to one
// address:port at a time, across all probes. Small servers cap their
// workers (tinyproxy MaxClients, Apache MaxRequestWorkers, embedded web
// UIs with a handful of sockets); a dual-stack daemon sees twice this many,
// which stays under the smallest common defaults (20).
const DefaultPerEndpoint = 6

// maxSlotWait bounds how long a dial waits for a free slot. A connection
// someone forgot to close, or a tunnel held for minutes, must not stall
// the other probes for ever: past this the dial goes ahead over the cap.
const maxSlotWait = 15 * time.Second

// conns counts open TCP connections per endpoint and holds a dial back
// while its endpoint is at the cap.
type conns struct {
	mu     sync.Mutex
	open   map[netip.AddrPort]int
	byPort map[uint16]int
	wake   chan struct{} // closed and replaced on every release
}

func (c *conns) init() {
	if c.open == nil {
		c.open = map[netip.AddrPort]int{}
		c.byPort = map[uint16]int{}
		c.wake = make(chan struct{})
	}
}

// acquire takes one slot of ap, waiting while per are taken (per <= 0:
// no cap). It fails only when ctx ends.
func (c *conns) acquire(ctx context.Context, ap netip.AddrPort, per int) error {
	var deadline <-chan time.Time
	for {
		c.mu.Lock()
		c.init()
		if per <= 0 || c.open[ap] < per {
			c.open[ap]++
			c.byPort[ap.Port()]++
			c.mu.Unlock()
			return nil
		}
		wake := c.wake
		c.mu.Unlock()
		if deadline == nil {
			t := time.NewTimer(maxSlotWait)
			defer t.Stop()
			deadline = t.C
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		case <-deadline:
			c.mu.Lock()
			c.open[ap]++
			c.byPort[ap.Port()]++
			c.mu.Unlock()
			return nil
		}
	}
}

func (c *conns) release(ap netip.AddrPort) {
	c.mu.Lock()
	if c.open[ap]--; c.open[ap] <= 0 {
		delete(c.open, ap)
	}
	if c.byPort[ap.Port()]--; c.byPort[ap.Port()] <= 0 {
		delete(c.byPort, ap.Port())
	}
	close(c.wake)
	c.wake = make(chan struct{})
	c.mu.Unlock()
}

// onPort is the number of connections open to port on any address: the
// v4 and v6 addresses of one daemon share its workers, and which
// addresses belong together is learned only later.
func (c *conns) onPort(port uint16) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byPort[port]
}

// slotConn gives its endpoint slot back on the first Close.
type slotConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (s *slotConn) Close() error {
	err := s.Conn.Close()
	s.once.Do(s.release)
	return err
}

// CloseWrite keeps half-close working through the wrapper (TCP probes
// that signal end of request).
func (s *slotConn) CloseWrite() error {
	if cw, ok := s.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}

func isTCP(network string) bool {
	return network == "tcp" || network == "tcp4" || network == "tcp6"
}
