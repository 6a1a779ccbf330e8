package portscan

import (
	"context"
	"fmt"
	"sync"
)

// connWindow is the connect scan's politeness towards one host: how many
// connection attempts may be in flight, cut when the path loses packets
// and grown back while it is clean, as nmap's congestion control and
// Pace (the SYN scan's) do. The --rate ceiling (Env.Wait) stays on top.
//
// A timeout alone is no evidence of loss: a firewall that drops the SYNs
// to closed ports makes every one of them time out on a perfect network.
// Loss is measured with pings instead: every pingEvery attempts, one
// more connect goes to a port of this host that has answered already
// (a closed one when there is one: a reset touches no service). Such a
// port answers again unless the SYN or its answer was lost, so a ping
// that times out halves the window (down to windowFloor) and a ping
// that is answered grows it by a tenth after a cut (up to the cap). With
// every ping on the same port, a host without loss is never slowed, and
// a filtered one is not mistaken for a lossy one.
type connWindow struct {
	mu        sync.Mutex
	cap       int
	cur       float64
	low       float64 // smallest window reached
	cuts      int
	pings     int // pings answered or lost
	lostPings int
	pingPort  uint16
	pingOpen  bool // the ping port is open (no closed port answered yet)
	pinging   bool // a ping is in flight
	since     int  // attempts since the last ping
}

const (
	// windowFloor is the least a lossy host gets (or the cap, if lower):
	// below it a host of filtered ports would take minutes (each holds
	// its slot for a timeout).
	windowFloor = 16
	// pingEvery is how many attempts go between pings (3% more
	// connections); an open ping port gets 8 times fewer (each is a
	// handshake with a service).
	pingEvery = 32
	// windowGrow is the growth per answered ping after a cut.
	windowGrow = 1.1
)

func newConnWindow(cap int) *connWindow {
	cap = max(1, cap)
	return &connWindow{cap: cap, cur: float64(cap), low: float64(cap)}
}

// size is how many attempts may be in flight now.
func (w *connWindow) size() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return int(w.cur)
}

// answered learns a ping port from an attempt that was answered (open or
// closed).
func (w *connWindow) answered(port uint16, state string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case state == "closed" && (w.pingPort == 0 || w.pingOpen):
		w.pingPort, w.pingOpen, w.since = port, false, 0
	case state == "open" && w.pingPort == 0:
		w.pingPort, w.pingOpen, w.since = port, true, 0
	}
}

// attempted counts one attempt and says whether a ping is due now, and
// to which port. The caller reports its outcome with pinged.
func (w *connWindow) attempted() (uint16, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.since++
	every := pingEvery
	if w.pingOpen {
		every *= 8
	}
	if w.pingPort == 0 || w.pinging || w.since < every {
		return 0, false
	}
	w.since, w.pinging = 0, true
	return w.pingPort, true
}

// pinged reports a ping's outcome: answered, or lost (timed out).
func (w *connWindow) pinged(answered bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pinging = false
	w.pings++
	if answered {
		if w.cuts > 0 {
			w.cur = min(float64(w.cap), w.cur*windowGrow)
		}
		return
	}
	w.lostPings++
	w.cuts++
	w.cur = max(min(windowFloor, float64(w.cap)), w.cur/2)
	w.low = min(w.low, w.cur)
}

// note says what the window did, for the host summary; "" when no loss
// was seen.
func (w *connWindow) note() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cuts == 0 {
		return ""
	}
	return fmt.Sprintf("; loss: %d of %d pings to port %d lost, window cut %d times to %d (cap %d), ended at %d",
		w.lostPings, w.pings, w.pingPort, w.cuts, int(w.low), w.cap, int(w.cur))
}

// windowGate holds the dialer path's workers to the window: a worker
// enters before an attempt and leaves after it.
type windowGate struct {
	win  *connWindow
	mu   sync.Mutex
	cond *sync.Cond
	busy int
}

func newWindowGate(w *connWindow) *windowGate {
	g := &windowGate{win: w}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// enter waits for a slot in the window; false when ctx ended.
func (g *windowGate) enter(ctx context.Context) bool {
	stop := context.AfterFunc(ctx, func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.cond.Broadcast()
	})
	defer stop()
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.busy >= g.win.size() && ctx.Err() == nil {
		g.cond.Wait()
	}
	if ctx.Err() != nil {
		return false
	}
	g.busy++
	return true
}

func (g *windowGate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.busy--
	// The window may have grown meanwhile: wake every waiter to look.
	g.cond.Broadcast()
}
