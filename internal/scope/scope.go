// Package scope is the scope guard: every connection a probe opens and
// every raw packet it sends passes through one Guard, which refuses
// addresses outside the targets (exclusions win) and spends the scan-wide
// rate budget.
package scope

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"shindan/scanners"
)

// Guard is safe for concurrent use.
type Guard struct {
	// Allow decides whether an address is in scope. It must not be nil.
	Allow func(netip.Addr) bool
	// Limiter is the scan-wide budget of connections and packets per
	// second; nil is unlimited.
	Limiter *rate.Limiter
	// Dialer makes the connections; nil means a zero net.Dialer.
	Dialer *net.Dialer

	// Excluded reports addresses the user excluded; DialLookup refuses
	// them. nil excludes nothing beyond Allow.
	Excluded func(netip.Addr) bool
	// LinkMulticast admits link-scope multicast groups (ff02::1 all nodes,
	// ff02::2 all routers, ff02::1:2 DHCPv6 agents) for the segment sweep on
	// --iface: the segment itself is the target there, and these packets
	// never leave it.
	LinkMulticast bool
	// Infra lists endpoints the scanner itself needs although they are not
	// targets: the DNS resolver for its own lookups. Only these exact
	// address:port pairs pass; the rate budget still applies.
	Infra map[netip.AddrPort]bool
	// Lease, when set, spends tokens of a budget shared with other
	// processes (a distributed scan's --rate, leased from the coordinator:
	// Leaser.Wait) after the local Limiter's, so every connection and
	// packet counts against both.
	Lease func(ctx context.Context, n int) error

	// PerEndpoint caps the TCP connections open at once to one
	// address:port across all probes (New sets DefaultPerEndpoint; 0 is
	// no cap). A dial at the cap waits for a Close, at most maxSlotWait.
	PerEndpoint int

	conns   conns
	sent    atomic.Int64
	refused sync.Map // netip.Addr → struct{}: out-of-scope addresses asked for
}

// New returns a guard for allow with rate limit pps (0 = unlimited).
func New(allow func(netip.Addr) bool, pps int) *Guard {
	g := &Guard{Allow: allow, PerEndpoint: DefaultPerEndpoint}
	if pps > 0 {
		// The burst lets the limiter hand tokens to many workers without
		// serialising them, while a second's total still holds pps.
		g.Limiter = rate.NewLimiter(rate.Limit(pps), max(1, pps/50))
	}
	return g
}

// Permit reports whether a may be sent to, recording refused addresses.
func (g *Guard) Permit(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	if g.Allow(a) || (g.LinkMulticast && a.IsLinkLocalMulticast()) {
		return true
	}
	g.refused.Store(a, struct{}{})
	return false
}

// Wait spends n tokens of the scan-wide budget.
func (g *Guard) Wait(ctx context.Context, n int) error {
	g.sent.Add(int64(n))
	if g.Limiter != nil {
		if err := waitN(ctx, g.Limiter, n); err != nil {
			return err
		}
	}
	if g.Lease != nil {
		return g.Lease(ctx, n)
	}
	return ctx.Err()
}

// waitN is Limiter.WaitN, except that when the tokens would come after
// ctx's deadline it waits for the deadline and returns ctx.Err(): the
// limiter's early "would exceed context deadline" error would otherwise
// look like a failure while the context still reads as live, and a scan
// cut short by its deadline must read as interrupted.
func waitN(ctx context.Context, l *rate.Limiter, n int) error {
	err := l.WaitN(ctx, n)
	if err != nil && ctx.Err() == nil {
		if _, ok := ctx.Deadline(); ok && n <= l.Burst() {
			<-ctx.Done()
			return ctx.Err()
		}
	}
	return err
}

// Dial connects to addr ("ip:port"; names are refused: resolve them first,
// so a name cannot smuggle an out-of-scope address past the guard). It
// checks scope, then waits for the rate budget, then dials.
func (g *Guard) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, fmt.Errorf("scope: %q is not ip:port: %w", addr, scanners.ErrOutOfScope)
	}
	ap = netip.AddrPortFrom(ap.Addr().Unmap().WithZone(""), ap.Port())
	if !g.Infra[ap] && !g.Permit(ap.Addr()) {
		return nil, fmt.Errorf("scope: %s: %w", ap.Addr(), scanners.ErrOutOfScope)
	}
	if !isTCP(network) {
		if err := g.Wait(ctx, 1); err != nil {
			return nil, err
		}
		return g.dialer().DialContext(ctx, network, addr)
	}
	// The slot first, then the rate token: a dial that waits for a slot
	// must not have spent budget meanwhile.
	if err := g.conns.acquire(ctx, ap, g.PerEndpoint); err != nil {
		return nil, err
	}
	if err := g.Wait(ctx, 1); err != nil {
		g.conns.release(ap)
		return nil, err
	}
	c, err := g.dialer().DialContext(ctx, network, addr)
	if err != nil {
		g.conns.release(ap)
		return nil, err
	}
	return &slotConn{Conn: c, release: func() { g.conns.release(ap) }}, nil
}

func (g *Guard) dialer() *net.Dialer {
	if g.Dialer == nil {
		return &net.Dialer{}
	}
	return g.Dialer
}

// OpenOnPort is the number of TCP connections the scan holds open to port
// on any address (Env.OpenOnPort).
func (g *Guard) OpenOnPort(port uint16) int { return g.conns.onPort(port) }

// DialLookup connects to port 53 of a DNS server outside the targets, for
// lookups about in-scope names (a parent zone's referral). Only port 53
// passes, exclusions win, and the rate budget applies.
func (g *Guard) DialLookup(ctx context.Context, network, addr string) (net.Conn, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || ap.Port() != 53 {
		return nil, fmt.Errorf("scope: lookup dial to %q: only port 53 of a DNS server: %w", addr, scanners.ErrOutOfScope)
	}
	if g.Excluded != nil && g.Excluded(ap.Addr().Unmap()) {
		return nil, fmt.Errorf("scope: %s is excluded: %w", ap.Addr(), scanners.ErrOutOfScope)
	}
	if err := g.Wait(ctx, 1); err != nil {
		return nil, err
	}
	d := g.Dialer
	if d == nil {
		d = &net.Dialer{}
	}
	return d.DialContext(ctx, network, addr)
}

// Sent is the number of connections and packets budgeted so far.
func (g *Guard) Sent() int64 { return g.sent.Load() }

// AddSent counts n connections and packets sent elsewhere on this scan's
// behalf (by distributed workers), so the report's total includes them.
func (g *Guard) AddSent(n int64) { g.sent.Add(n) }

// Refused lists the out-of-scope addresses probes asked for.
func (g *Guard) Refused() []netip.Addr {
	var out []netip.Addr
	g.refused.Range(func(k, _ any) bool { out = append(out, k.(netip.Addr)); return true })
	return out
}

// Env returns a scanners.Env wired to this guard.
func (g *Guard) Env(ioTimeout time.Duration) *scanners.Env {
	return &scanners.Env{Dial: g.Dial, DialLookup: g.DialLookup, Allow: g.Permit, Limiter: g.Limiter, Spend: g.Wait, IOTimeout: ioTimeout, OpenOnPort: g.OpenOnPort}
}
