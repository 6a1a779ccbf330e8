package portscan

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"shindan/scanners"
)

// Connect is a TCP connect scanner: the kernel completes the handshake, so it
// needs no privilege. It implements scanners.Sweeper.
type Connect struct {
	Ports []uint16
	// PerHost caps connections in flight to one host; 0 means 512.
	PerHost int
	// Hosts is how many hosts are scanned at once; 0 means 8.
	Hosts int
	// Timeout is the ceiling of one connection attempt; 0 means 1.5s.
	// Below it, the timeout follows the host's measured round trips
	// (rttEstimator): 1s (or Timeout if lower) until the first answer,
	// then srtt + 4·rttvar, at least 100ms.
	Timeout time.Duration
	// Retries re-tries ports that timed out (lost SYN vs. filtered).
	Retries int
	// NoPing scans every host fully even when the first attempts show it
	// unreachable (nmap -Pn).
	NoPing bool
	// Ping says which hosts get a liveness check first: a few common
	// ports, any answer (even a reset) meaning "up". Hosts that answer
	// nothing are reported down and not scanned further, which is what
	// keeps a sweep of a mostly empty /24 fast. nil pings every host;
	// the engine pings only hosts that came from CIDRs and ranges, so a
	// host the user named is always scanned in full.
	Ping func(netip.Addr) bool
	// HostTimeout bounds one host's discovery (--host-timeout); 0 means
	// none. A host that hits it is summarised as Interrupted.
	HostTimeout time.Duration
	// SrcPort fixes the source port of the Linux fast path's sockets
	// (tests pin it, so their nftables rules touch their own traffic
	// only); 0 is the kernel's choice.
	SrcPort uint16
}

// pingPorts are tried to learn whether a host is there at all.
var pingPorts = []uint16{80, 443, 22, 25, 3389, 445, 53, 8080}

// pingTimeout outlasts a router's ARP/ND failure (~3 s), after which it
// answers "host unreachable".
const pingTimeout = 3500 * time.Millisecond

// ID names the sweeper.
func (c *Connect) ID() string { return scanners.SweepTCPConnect }

// Sweep scans every target host (Target.Addr set, Port ignored) and emits
// one observation per open port plus one host summary (Port 0) per host.
// It returns ctx.Err() when cancelled, after in-flight attempts end.
func (c *Connect) Sweep(ctx context.Context, env *scanners.Env, ts iter.Seq[scanners.Target], emit func(scanners.Observation)) error {
	covered := scanners.FormatPorts(c.Ports) // one string shared by every host's summary
	hosts := c.Hosts
	if hosts <= 0 {
		hosts = 8
	}
	if !c.NoPing {
		ts = c.alive(ctx, env, ts, emit)
	}
	sem := make(chan struct{}, hosts)
	var wg sync.WaitGroup
	for t := range ts {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return ctx.Err()
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			c.scanHost(ctx, env, t, covered, emit)
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// alive pings the hosts that need it, all at once (a ping is only
// len(pingPorts) connections), emits a "down" summary for the silent ones
// and returns the rest.
func (c *Connect) alive(ctx context.Context, env *scanners.Env, ts iter.Seq[scanners.Target], emit func(scanners.Observation)) iter.Seq[scanners.Target] {
	var (
		mu   sync.Mutex
		keep []scanners.Target
		wg   sync.WaitGroup
	)
	sem := make(chan struct{}, 2048) // sockets in flight for pings
	for t := range ts {
		if c.Ping != nil && !c.Ping(t.Addr) {
			keep = append(keep, t)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			up, why := c.ping(ctx, env, t, sem)
			mu.Lock()
			defer mu.Unlock()
			if up || ctx.Err() != nil {
				keep = append(keep, t)
				return
			}
			emit(scanners.Observation{Probe: scanners.ProbePortTCP, Target: t.Endpoint(scanners.TCP, 0), At: env.Clock(),
				Status: scanners.Filtered, Reason: why,
				Data: &scanners.PortState{Proto: scanners.TCP, State: "down", Method: "connect", Reason: why}})
		}()
	}
	wg.Wait()
	slices.SortFunc(keep, func(a, b scanners.Target) int { return a.Addr.Compare(b.Addr) })
	return slices.Values(keep)
}

// ping reports whether any ping port answers (open or reset).
func (c *Connect) ping(ctx context.Context, env *scanners.Env, t scanners.Target, sem chan struct{}) (bool, string) {
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	var (
		wg          sync.WaitGroup
		up          atomic.Bool
		unreachable atomic.Bool
	)
	for _, p := range pingPorts {
		select {
		case sem <- struct{}{}:
		case <-pctx.Done():
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			conn, err := env.DialContext(pctx, "tcp", t.Endpoint(scanners.TCP, p).HostPort())
			switch {
			case err == nil:
				conn.Close()
				up.Store(true)
			case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
				up.Store(true)
			case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
				unreachable.Store(true)
			default:
				return
			}
			cancel() // one answer decides
		}()
	}
	wg.Wait()
	switch {
	case up.Load():
		return true, ""
	case unreachable.Load():
		return false, "host unreachable (no ARP/ND answer or an ICMP unreachable from a router)"
	}
	return false, fmt.Sprintf("no answer on any of the liveness ports %v within %s (use --no-ping to scan it anyway)", pingPorts, pingTimeout)
}

type tally struct {
	open, closed, filtered, unreachable atomic.Int64
}

func (c *Connect) scanHost(ctx context.Context, env *scanners.Env, t scanners.Target, covered string, emit func(scanners.Observation)) {
	per := c.PerHost
	if per <= 0 {
		per = 512
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 1500 * time.Millisecond
	}
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if c.HostTimeout > 0 {
		var tcancel context.CancelFunc
		hctx, tcancel = context.WithTimeout(hctx, c.HostTimeout)
		defer tcancel()
	}
	start := env.Clock()
	var (
		next   atomic.Int64
		n      tally
		down   atomic.Bool
		retryM sync.Mutex
		retry  []uint16
		wg     sync.WaitGroup
	)
	rtt := newRTT(timeout)
	// The window (politeness under loss) is the host's across retry
	// rounds, as the round trips are.
	win := newConnWindow(per)
	attempt := func(port uint16) (state string, err error) {
		dctx, dcancel := context.WithTimeout(hctx, rtt.rto())
		defer dcancel()
		began := time.Now()
		conn, err := env.DialContext(dctx, "tcp", t.Endpoint(scanners.TCP, port).HostPort())
		if err == nil {
			rtt.sample(time.Since(began))
			conn.Close()
			win.answered(port, "open")
			return "open", nil
		}
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			rtt.sample(time.Since(began))
			win.answered(port, "closed")
			return "closed", nil
		case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
			return "unreachable", nil
		case hctx.Err() != nil:
			return "", hctx.Err()
		case scanners.StatusOf(err) == scanners.Timeout:
			return "filtered", nil
		case errors.Is(err, scanners.ErrOutOfScope):
			return "", err
		}
		return "filtered", nil
	}
	record := func(port uint16, state string, final bool) {
		switch state {
		case "open":
			n.open.Add(1)
			emit(scanners.Observation{
				Probe: scanners.ProbePortTCP, Target: t.Endpoint(scanners.TCP, port), At: env.Clock(), Status: scanners.OK,
				Data: &scanners.PortState{Proto: scanners.TCP, Port: port, State: "open", Reason: "syn-ack", Method: "connect"},
			})
		case "closed":
			n.closed.Add(1)
		case "unreachable":
			n.unreachable.Add(1)
			if !c.NoPing && n.open.Load() == 0 && n.closed.Load() == 0 {
				down.Store(true)
				cancel()
			}
		case "filtered":
			if !final {
				retryM.Lock()
				retry = append(retry, port)
				retryM.Unlock()
				return
			}
			n.filtered.Add(1)
		}
	}
	run := func(ports []uint16, final bool) {
		if done, err := fastScan(hctx, env, t.Addr, rtt, win, c.SrcPort, per, ports, func(port uint16, state string) bool {
			record(port, state, final)
			return hctx.Err() == nil
		}); done || err != nil {
			if err != nil && hctx.Err() == nil {
				env.Logger().Warn("connect scan failed", "host", t.Addr, "err", err)
			}
			return
		}
		next.Store(0)
		workers := min(per, len(ports))
		gate := newWindowGate(win)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					if !gate.enter(hctx) {
						return
					}
					i := next.Add(1) - 1
					if i >= int64(len(ports)) || hctx.Err() != nil {
						gate.leave()
						return
					}
					if pp, ok := win.attempted(); ok {
						state, err := attempt(pp)
						win.pinged(err == nil && (state == "open" || state == "closed"))
					}
					state, err := attempt(ports[i])
					gate.leave()
					if err != nil {
						return
					}
					record(ports[i], state, final)
				}
			}()
		}
		wg.Wait()
	}
	run(c.Ports, c.Retries == 0)
	for r := 1; r <= c.Retries && len(retry) > 0 && hctx.Err() == nil; r++ {
		ports := retry
		retry = nil
		run(ports, r == c.Retries)
	}
	n.filtered.Add(int64(len(retry)))

	summary := scanners.Observation{Probe: scanners.ProbePortTCP, Target: t.Endpoint(scanners.TCP, 0), At: start, Status: scanners.OK}
	state := "up"
	switch {
	case down.Load():
		state = "down"
		summary.Status, summary.Reason = scanners.Filtered, "host unreachable (no route or no ARP/ND answer)"
	case ctx.Err() != nil || hctx.Err() != nil:
		summary.Status, summary.Reason = scanners.Interrupted, "scan interrupted before every port was tried"
		if ctx.Err() == nil {
			summary.Reason = fmt.Sprintf("host time budget (%s) spent before every port was tried", c.HostTimeout)
		}
		fallthrough
	case n.open.Load() == 0 && n.closed.Load() == 0:
		// An interrupted host is "up" only when something answered:
		// hosts_alive counts hosts that answered, not hosts planned.
		if n.open.Load() == 0 && n.closed.Load() == 0 {
			state = "no-response"
		}
	}
	summary.Data = &scanners.PortState{Proto: scanners.TCP, State: state, Method: "connect", Covered: covered,
		Reason: fmt.Sprintf("open %d, closed %d, filtered %d, %d ports in %s%s", n.open.Load(), n.closed.Load(),
			n.filtered.Load(), len(c.Ports), env.Clock().Sub(start).Round(time.Millisecond), win.note())}
	emit(summary)
}
