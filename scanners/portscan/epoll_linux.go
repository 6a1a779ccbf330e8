package portscan

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"

	"shindan/scanners"
)

// epollScan is the Linux fast path of the connect scan: non-blocking
// connect(2) on raw socket descriptors, completions collected with one
// epoll loop per host. It does what nmap -sT does and avoids a goroutine,
// a netpoller registration and a context per port, which made the
// net.Dialer path several times slower on a full 65535-port scan.
//
// Scope and rate are enforced exactly as for Env.Dial: every connect is
// preceded by env.Allow and env.Wait, the same guard.
type epollScan struct {
	env      *scanners.Env
	addr     netip.Addr
	timeout  time.Duration
	inflight int
	rtt      *rttEstimator // per host, shared with retry rounds
	win      *connWindow   // per host, shared with retry rounds
	srcPort  uint16        // 0 = the kernel's choice
}

type pending struct {
	port  uint16
	start time.Time
	ping  bool // a loss probe of the window (connWindow), not a port to report
}

// run tries ports and calls result(port, state) for each, state being
// open, closed, filtered or unreachable. It returns ctx.Err() or a setup
// error (then the caller falls back to the dialer path).
//
// A socket whose connect was refused is reused for the next port: calling
// connect(2) again on it reports the pending error and resets it (the
// classic non-blocking connect status idiom), and the next connect(2)
// starts a new handshake. A closed port then costs two system calls
// instead of socket, connect, epoll_ctl, getsockopt and close.
func (s *epollScan) run(ctx context.Context, ports []uint16, result func(uint16, string) bool) error {
	if s.env.Allow != nil && !s.env.Allow(s.addr) {
		return scanners.ErrOutOfScope
	}
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	defer unix.Close(ep)
	fam := unix.AF_INET
	if s.addr.Is6() {
		fam = unix.AF_INET6
	}
	ra := newRawAddr(s.addr)
	open := map[int]pending{}
	defer func() {
		for fd := range open {
			rawClose(fd)
		}
	}()
	next := 0
	// start connects fd (new, or reset by a refused connect) to the next
	// port. It reports false when result asked to stop.
	var start func(fd int, fresh bool) (bool, error)
	var ping func(port uint16) error
	// done records a port's state and recycles or closes its socket.
	done := func(fd int, state string, reusable bool) (bool, error) {
		p := open[fd]
		delete(open, fd)
		answered := state == "open" || state == "closed"
		if answered {
			s.rtt.sample(time.Since(p.start))
		}
		if p.ping {
			s.win.pinged(answered)
			if state == "open" {
				_ = unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
			}
			rawClose(fd)
			return true, nil
		}
		if answered {
			s.win.answered(p.port, state)
		}
		if !result(p.port, state) {
			rawClose(fd)
			return false, nil
		}
		if reusable && next < len(ports) && len(open) < s.window() {
			return start(fd, false)
		}
		if state == "open" {
			// Linger 0: close sends RST, so an open port leaves no
			// TIME_WAIT here and no half-open session on the server.
			_ = unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
		}
		rawClose(fd)
		return true, nil
	}
	start = func(fd int, fresh bool) (bool, error) {
		if err := s.env.Wait(ctx, 1); err != nil {
			rawClose(fd)
			return false, err
		}
		port := ports[next]
		next++
		open[fd] = pending{port: port, start: time.Now()}
		if pp, ok := s.win.attempted(); ok {
			if err := ping(pp); err != nil {
				rawClose(fd)
				delete(open, fd)
				return false, err
			}
		}
		err := ra.connect(fd, port)
		switch {
		case errors.Is(err, unix.EINPROGRESS):
			if fresh {
				if err := rawEpollAdd(ep, fd); err != nil {
					return false, err
				}
			}
			return true, nil
		case err == nil:
			return done(fd, "open", false)
		}
		st := classify(err)
		return done(fd, st, st == "closed")
	}
	// ping connects a loss probe to port, a port of this host that has
	// answered: its outcome goes to the window, not to result.
	ping = func(port uint16) error {
		fd, err := s.socket(fam)
		if err != nil {
			s.win.pinged(true) // no socket: no evidence either way
			return nil
		}
		if err := s.env.Wait(ctx, 1); err != nil {
			rawClose(fd)
			return err
		}
		open[fd] = pending{port: port, start: time.Now(), ping: true}
		err = ra.connect(fd, port)
		switch {
		case errors.Is(err, unix.EINPROGRESS):
			if err := rawEpollAdd(ep, fd); err != nil {
				delete(open, fd)
				rawClose(fd)
				return err
			}
			return nil
		case err == nil:
			_, err = done(fd, "open", false)
			return err
		}
		_, err = done(fd, classify(err), false)
		return err
	}
	events := make([]unix.EpollEvent, 256)
	var lastSweep time.Time
	for next < len(ports) || len(open) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		for next < len(ports) && len(open) < s.window() {
			fd, err := s.socket(fam)
			if err != nil {
				if errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE) {
					break // out of descriptors: drain completions first
				}
				return err
			}
			if ok, err := start(fd, true); !ok || err != nil {
				return err
			}
		}
		wait := 50
		if next >= len(ports) || len(open) >= s.window() {
			wait = 20
		}
		n, err := unix.EpollWait(ep, events, wait)
		if err != nil && !errors.Is(err, unix.EINTR) {
			return err
		}
		for _, ev := range events[:max(n, 0)] {
			fd := int(ev.Fd)
			p, ok := open[fd]
			if !ok {
				continue
			}
			// connect(2) again to the same port reports the outcome.
			err := ra.connect(fd, p.port)
			var state string
			switch {
			case errors.Is(err, unix.EISCONN), err == nil:
				state = "open"
			case errors.Is(err, unix.EALREADY), errors.Is(err, unix.EINPROGRESS):
				continue // not finished yet
			default:
				state = classify(err)
			}
			if ok, err := done(fd, state, state == "closed"); !ok || err != nil {
				return err
			}
		}
		// Expiry sweeps are O(in flight); every 10 ms is fine-grained
		// enough for the 100 ms timeout floor.
		if now := time.Now(); now.Sub(lastSweep) >= 10*time.Millisecond {
			lastSweep = now
			// The timeout follows the round trips measured so far, also
			// for attempts started before the first answer came.
			rto := s.rtt.rto()
			for fd, p := range open {
				if now.Sub(p.start) > rto {
					if ok, err := done(fd, "filtered", false); !ok || err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

func classify(err error) string {
	switch {
	case errors.Is(err, unix.ECONNREFUSED), errors.Is(err, unix.ECONNRESET):
		return "closed"
	case errors.Is(err, unix.EHOSTUNREACH), errors.Is(err, unix.ENETUNREACH), errors.Is(err, unix.EHOSTDOWN):
		return "unreachable"
	}
	return "filtered"
}

// window is how many attempts may be in flight: the host's congestion
// window under the cap.
func (s *epollScan) window() int { return min(s.inflight, s.win.size()) }

// socket is a non-blocking TCP socket, bound to srcPort when set.
func (s *epollScan) socket(fam int) (int, error) {
	fd, err := rawSocket(fam)
	if err != nil || s.srcPort == 0 {
		return fd, err
	}
	if err := bindSrcPort(fd, fam, s.srcPort); err != nil {
		rawClose(fd)
		return -1, err
	}
	return fd, nil
}

// fastScan runs the epoll path. done is false when the path cannot be
// used at all (then the dialer path runs); err reports a failure midway.
// One loop per host: a second loop on the same host measured slower, as
// the kernel's own packet work needs the other core.
func fastScan(ctx context.Context, env *scanners.Env, addr netip.Addr, rtt *rttEstimator, win *connWindow, srcPort uint16, inflight int,
	ports []uint16, result func(uint16, string) bool) (done bool, err error) {
	s := &epollScan{env: env, addr: addr, timeout: rtt.max, inflight: inflight, rtt: rtt, win: win, srcPort: srcPort}
	err = s.run(ctx, ports, result)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true, nil
	}
	return true, err
}
