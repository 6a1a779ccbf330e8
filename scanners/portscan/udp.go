package portscan

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
	"syscall"
	"time"

	"shindan/scanners"
)

// UDP discovers UDP services by sending protocol payloads (an empty
// datagram rarely gets an answer) through env.DialContext. A reply means
// open; an ICMP port unreachable means closed; silence is open|filtered,
// emitted only when OpenFiltered is set. It implements scanners.Sweeper
// and needs no privilege.
type UDP struct {
	Ports []uint16
	// Wait is how long to wait for an answer per port; 0 means
	// min(env.Timeout(), 1s).
	Wait time.Duration
	// Retries resends to silent ports; 0 means none.
	Retries int
	// OpenFiltered emits "open|filtered" for silent ports.
	OpenFiltered bool
	// InFlight bounds concurrent exchanges; 0 means 64.
	InFlight int
}

// ID names the sweeper.
func (u *UDP) ID() string { return scanners.ProbePortUDP }

func init() { scanners.RegisterSweeper(&UDP{}) }

// maxUDPReply bounds what one exchange keeps: amplification above this is
// already beyond any threshold.
const (
	maxUDPBytes   = 256 << 10
	maxUDPPackets = 512
)

// udpResult is everything one request got back.
type udpResult struct {
	bytes, packets int
	first          []byte // the first valid datagram, bounded, for evidence
}

// exchange sends req to addr and collects valid datagrams until the window
// ends (or the caps are hit). A refused port returns ECONNREFUSED.
func exchange(ctx context.Context, env *scanners.Env, addr string, p UDPPayload, window time.Duration) (udpResult, error) {
	var res udpResult
	conn, err := env.DialContext(ctx, "udp", addr)
	if err != nil {
		return res, err
	}
	defer conn.Close()
	deadline := time.Now().Add(window)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetDeadline(deadline)
	if _, err := conn.Write(p.Req); err != nil {
		return res, err
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Now()) })
	defer stop()
	buf := make([]byte, 65535)
	for res.bytes < maxUDPBytes && res.packets < maxUDPPackets {
		n, err := conn.Read(buf)
		if err != nil {
			switch {
			case res.packets > 0:
				return res, nil // the window ended after answers
			case ctx.Err() != nil:
				return res, ctx.Err()
			}
			return res, err // silence (timeout) or ECONNREFUSED
		}
		if p.Valid != nil && !p.Valid(p.Req, buf[:n]) {
			continue
		}
		if res.first == nil {
			res.first = append([]byte(nil), buf[:min(n, 512)]...)
		}
		res.bytes += n
		res.packets++
	}
	return res, nil
}

// Sweep probes every target on every port and emits one observation per
// answering (or, with OpenFiltered, silent) port plus one summary per host.
func (u *UDP) Sweep(ctx context.Context, env *scanners.Env, ts iter.Seq[scanners.Target], emit func(scanners.Observation)) error {
	wait := u.Wait
	if wait <= 0 {
		wait = min(env.Timeout(), time.Second)
	}
	inflight := u.InFlight
	if inflight <= 0 {
		inflight = 64
	}
	sem := make(chan struct{}, inflight)
	var wg sync.WaitGroup
	for t := range ts {
		if !t.Addr.IsValid() {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			u.host(ctx, env, t, wait, sem, emit)
		}()
	}
	wg.Wait()
	return ctx.Err()
}

func (u *UDP) host(ctx context.Context, env *scanners.Env, t scanners.Target, wait time.Duration, sem chan struct{}, emit func(scanners.Observation)) {
	start := env.Clock()
	var mu sync.Mutex
	var open, closed, silent int
	var wg sync.WaitGroup
	for _, port := range u.Ports {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			state, why, res := u.port(ctx, env, t, port, wait)
			mu.Lock()
			switch state {
			case "open":
				open++
			case "closed":
				closed++
			default:
				silent++
			}
			mu.Unlock()
			if state == "open" || state == "open|filtered" && u.OpenFiltered {
				o := scanners.Observation{Probe: scanners.ProbePortUDP, Target: t.Endpoint(scanners.UDP, port), At: env.Clock(), Status: scanners.OK,
					Data: &scanners.PortState{Proto: scanners.UDP, Port: port, State: state, Reason: why, Method: "udp"}}
				if res.first != nil {
					o.Evidence = []scanners.Evidence{{Kind: "packet", Summary: fmt.Sprintf("%d bytes in %d datagrams", res.bytes, res.packets), Data: fmt.Sprintf("%q", res.first)}}
				}
				emit(o)
			}
		}()
	}
	wg.Wait()
	o := scanners.Observation{Probe: scanners.ProbePortUDP, Target: t.Endpoint(scanners.UDP, 0), At: start, Status: scanners.OK}
	if ctx.Err() != nil {
		o.Status, o.Reason = scanners.Interrupted, "scan interrupted before every port was tried"
	}
	o.Data = &scanners.PortState{Proto: scanners.UDP, State: "up", Method: "udp",
		Reason: fmt.Sprintf("open %d, closed %d, open|filtered %d, %d ports", open, closed, silent, len(u.Ports))}
	emit(o)
}

// port tries each payload for the port (an empty datagram when none is
// known), with retries for silence.
func (u *UDP) port(ctx context.Context, env *scanners.Env, t scanners.Target, port uint16, wait time.Duration) (string, string, udpResult) {
	pls := PayloadsFor(port)
	if len(pls) == 0 {
		pls = []UDPPayload{{Name: "empty", Port: port, Req: nil}}
	}
	addr := t.Endpoint(scanners.UDP, port).HostPort()
	for try := 0; try <= u.Retries; try++ {
		for _, p := range pls {
			res, err := exchange(ctx, env, addr, p, wait)
			if err == nil && res.packets > 0 {
				return "open", "udp-response", res
			}
			if errors.Is(err, syscall.ECONNREFUSED) {
				return "closed", "icmp-port-unreach", res
			}
			if ctx.Err() != nil {
				return "open|filtered", "interrupted", res
			}
		}
	}
	return "open|filtered", "timeout", udpResult{}
}
