package portscan

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"iter"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
	"golang.org/x/time/rate"

	"shindan/scanners"
	"shindan/scanners/rawio"
)

// SYN is a stateless raw-socket SYN scanner (IPv4 and IPv6). It sends one
// SYN per target port with a keyed cookie in the sequence number, matches
// SYN-ACK, RST and ICMP unreachable replies by that cookie (so unrelated
// packets never become results), retransmits unanswered probes, and lets
// the kernel reset every half-open connection. It implements
// scanners.Sweeper and needs CAP_NET_RAW: Sweep returns
// rawio.ErrNeedRawSocket otherwise, and the engine falls back to Connect.
type SYN struct {
	Ports []uint16
	// Iface, when set, binds the raw sockets to one interface.
	Iface string
	// Retries is how often unanswered probes are sent again; 0 means 1,
	// a negative value none.
	Retries int
	// Wait is how long to listen for late replies after each round; 0
	// means 500ms.
	Wait time.Duration
	// EmitClosed also emits closed and filtered ports (ipv6.parity detail);
	// by default only open ports and one summary per host are emitted.
	EmitClosed bool
	// Sent, when set, is called once the first round of SYNs is out (or
	// the sweep ended before): the engine starts the next chunk's sweep
	// then, so its sending overlaps this one's wait for late replies.
	Sent func()
	// SrcPort fixes the source port of the SYNs; 0 picks one at random
	// in 40000-59999 per sweep (tests pin it to single out their replies).
	SrcPort uint16
	// Pace adapts the send rate to loss below the scan's ceiling; nil
	// gives each sweep its own, under the Env's limiter's rate.
	Pace *Pace
	// NoPing scans every target fully. By default, when there are several
	// targets, a discovery round (SYN to a few common ports) runs first
	// and targets that answer nothing at all are skipped, as nmap does.
	NoPing bool
}

// synPingPorts are the discovery round's ports, besides the first ports of
// the scan list: any SYN-ACK or RST proves the host is there.
var synPingPorts = []uint16{80, 443, 22, 445, 3389}

// errNoReply marks a target skipped after discovery.
var errNoReply = errors.New("portscan: no reply to the discovery SYNs (host down or every port filtered); rerun with NoPing to scan it anyway")

// ID names the sweeper.
func (s *SYN) ID() string { return scanners.SweepTCPSYN }

func init() { scanners.RegisterSweeper(&SYN{}) }

// Probe states, in one byte per target port.
const (
	stUnknown uint8 = iota
	stOpen
	stClosed
	stFiltered
)

type synTarget struct {
	t      scanners.Target
	alive  atomic.Bool  // any matching reply seen
	first  atomic.Int64 // when the first probe went out (unix ns), for the RTT estimate
	src    netip.Addr
	pseudo uint32 // checksum of the SYNs' pseudo-header (0: not computed yet)
	err    error  // no route or out of scope: nothing is sent
	states []uint8
	open   int
}

type synScan struct {
	s        *SYN
	env      *scanners.Env
	emit     func(scanners.Observation)
	seed     maphash.Seed
	sport    uint16
	portIdx  []int32 // port → index in s.Ports, -1 when not scanned
	covered  string  // FormatPorts(s.Ports), shared by every summary
	targets  []*synTarget
	byAddr   map[netip.Addr]int
	mu       sync.Mutex
	pending  atomic.Int64 // probes not answered yet
	answered atomic.Int64 // probes answered (first reply per port)
	sent     atomic.Int64
	pace     *Pace
	// rtt is the largest round trip seen (first reply of a target minus
	// its first probe, an upper bound); lastSend ends the latest round.
	rtt, lastSend atomic.Int64
}

func (sc *synScan) cookie(dst netip.Addr, port uint16) uint32 {
	var h maphash.Hash
	h.SetSeed(sc.seed)
	b := dst.As16()
	h.Write(b[:])
	h.WriteByte(byte(port >> 8))
	h.WriteByte(byte(port))
	return uint32(h.Sum64())
}

// Sweep scans every target (Target.Addr set) on s.Ports and emits an open
// observation per open port (probe scanners.ProbePortTCP) and one summary per host
// (Port 0), like Connect. It returns rawio.ErrNeedRawSocket when raw
// sockets are not permitted, before sending anything.
func (s *SYN) Sweep(ctx context.Context, env *scanners.Env, ts iter.Seq[scanners.Target], emit func(scanners.Observation)) error {
	var sentOnce sync.Once
	sent := func() {
		if s.Sent != nil {
			sentOnce.Do(s.Sent)
		}
	}
	defer sent()
	sc := &synScan{s: s, env: env, emit: emit, seed: maphash.MakeSeed(), covered: scanners.FormatPorts(s.Ports),
		sport: cmp.Or(s.SrcPort, uint16(40000+rand.IntN(20000))), portIdx: make([]int32, 65536), byAddr: map[netip.Addr]int{}}
	for i := range sc.portIdx {
		sc.portIdx[i] = -1
	}
	for i, p := range s.Ports {
		if sc.portIdx[p] < 0 {
			sc.portIdx[p] = int32(i)
		}
	}
	var need4, need6 bool
	for t := range ts {
		if !t.Addr.IsValid() {
			continue
		}
		t.Addr = t.Addr.Unmap()
		if _, dup := sc.byAddr[t.Addr]; dup {
			continue
		}
		st := &synTarget{t: t, states: make([]uint8, len(s.Ports))}
		if env.Allow != nil && !env.Allow(t.Addr) {
			st.err = fmt.Errorf("portscan: %s: %w", t.Addr, scanners.ErrOutOfScope)
		} else if st.src, st.err = rawio.SourceFor(t.Addr); st.err == nil {
			need4 = need4 || t.Addr.Is4()
			need6 = need6 || t.Addr.Is6()
		}
		sc.byAddr[t.Addr] = len(sc.targets)
		sc.targets = append(sc.targets, st)
	}
	if len(s.Ports) == 0 || len(sc.targets) == 0 {
		return ctx.Err()
	}
	start := env.Clock()

	// Open every socket before sending anything, so a missing privilege
	// is reported before the first packet.
	type sock struct {
		c    *rawio.BatchConn
		kind int // 0 tcp4, 1 tcp6, 2 icmp4, 3 icmp6
	}
	var socks []sock
	closeAll := func() {
		for _, k := range socks {
			k.c.Close()
		}
	}
	open := func(six bool, proto, kind int) error {
		c, err := rawio.ListenBatch(six, proto, s.Iface, synBatch)
		if err != nil {
			return err
		}
		socks = append(socks, sock{c, kind})
		return nil
	}
	var tcp4, tcp6 *rawio.BatchConn
	if need4 {
		if err := open(false, unix.IPPROTO_TCP, 0); err != nil {
			closeAll()
			return err
		}
		tcp4 = socks[len(socks)-1].c
		if err := open(false, unix.IPPROTO_ICMP, 2); err != nil {
			closeAll()
			return err
		}
	}
	if need6 {
		if err := open(true, unix.IPPROTO_TCP, 1); err != nil {
			closeAll()
			return err
		}
		tcp6 = socks[len(socks)-1].c
		if err := open(true, unix.IPPROTO_ICMPV6, 3); err != nil {
			closeAll()
			return err
		}
	}
	defer closeAll()

	rctx, stopRecv := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, k := range socks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc.receive(rctx, k.c, k.kind)
		}()
	}
	defer func() { stopRecv(); wg.Wait() }()

	wait := s.Wait
	if wait <= 0 {
		wait = 500 * time.Millisecond
	}
	retries := s.Retries
	if retries == 0 {
		retries = 1
	}
	sc.pace = s.Pace
	if sc.pace == nil {
		ceiling := 0
		if env.Limiter != nil && env.Limiter.Limit() != rate.Inf {
			ceiling = int(env.Limiter.Limit())
		}
		sc.pace = NewPace(ceiling)
	}
	var sendErr error
	// Loss seen in a retransmission round (Pace.round) halves the rate
	// and earns one more round, at most maxLossRounds.
	extra, prevSent := 0, int64(0)
	for round := 0; round <= max(retries, 0)+extra; round++ {
		if round == 0 {
			n := int64(0)
			for _, st := range sc.targets {
				if st.err == nil {
					n += int64(len(s.Ports))
				}
			}
			sc.pending.Store(n)
		}
		if sc.pending.Load() == 0 {
			break
		}
		if round == 0 && !s.NoPing && len(sc.targets) > 1 {
			if sendErr = sc.discover(ctx, tcp4, tcp6, wait); sendErr != nil {
				break
			}
		}
		answeredBefore, sentBefore := sc.answered.Load(), sc.sent.Load()
		if sendErr = sc.sendRound(ctx, tcp4, tcp6, round == 0); sendErr != nil {
			break
		}
		sent()
		sc.settle(ctx, wait)
		if ctx.Err() != nil {
			break
		}
		if round > 0 && sc.pace.round(prevSent, sc.answered.Load()-answeredBefore) && extra < maxLossRounds && retries > 0 {
			extra++
			env.Logger().Debug("SYN scan: retransmissions recovered lost probes; rate halved", "rate", sc.pace.Rate(), "round", round)
		}
		prevSent = sc.sent.Load() - sentBefore
	}
	stopRecv()
	wg.Wait()

	elapsed := env.Clock().Sub(start)
	env.Logger().Debug("SYN sweep done", "targets", len(sc.targets), "ports", len(s.Ports), "sent", sc.sent.Load(),
		"answered", sc.answered.Load(), "rate", sc.pace.Rate(), "cuts", sc.pace.Cuts(), "took", elapsed.Round(time.Millisecond))
	for _, st := range sc.targets {
		sc.summarize(ctx, st, start, elapsed, sendErr)
	}
	if sendErr != nil && ctx.Err() == nil {
		return sendErr
	}
	return ctx.Err()
}

// maxLossRounds bounds the retransmission rounds loss adds.
const maxLossRounds = 2

// discover sends SYNs to the ping ports (and the first scan ports) of
// every target, waits for replies, and takes the silent targets out.
func (sc *synScan) discover(ctx context.Context, tcp4, tcp6 *rawio.BatchConn, wait time.Duration) error {
	ports := slices.Clone(synPingPorts)
	for _, p := range sc.s.Ports[:min(3, len(sc.s.Ports))] {
		if !slices.Contains(ports, p) {
			ports = append(ports, p)
		}
	}
	if err := sc.send(ctx, tcp4, tcp6, ports, func(*synTarget, int) bool { return true }); err != nil {
		return err
	}
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		all := true
		for _, st := range sc.targets {
			if st.err == nil && !st.alive.Load() {
				all = false
				break
			}
		}
		if all {
			break
		}
		if r := sc.rtt.Load(); r > 0 && time.Now().UnixNano()-sc.lastSend.Load() > 3*r+int64(20*time.Millisecond) {
			break // the live hosts answered long ago
		}
		time.Sleep(2 * time.Millisecond)
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	for _, st := range sc.targets {
		if st.err == nil && !st.alive.Load() {
			st.err = errNoReply
			sc.pending.Add(-int64(countUnknown(st.states)))
		}
	}
	return ctx.Err()
}

// settle waits for late replies: until every probe is answered, or
// three round trips (plus 20ms) after the last send once a round trip is
// known, and never longer than d.
func (sc *synScan) settle(ctx context.Context, d time.Duration) {
	deadline := time.Now().Add(d)
	for sc.pending.Load() > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		if r := sc.rtt.Load(); r > 0 && time.Now().UnixNano()-sc.lastSend.Load() > 3*r+int64(20*time.Millisecond) {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// sendRound sends a SYN for every unanswered target port.
func (sc *synScan) sendRound(ctx context.Context, tcp4, tcp6 *rawio.BatchConn, first bool) error {
	return sc.send(ctx, tcp4, tcp6, sc.s.Ports, func(st *synTarget, port int) bool {
		pi := sc.portIdx[port]
		if pi < 0 || sc.s.Ports[pi] != uint16(port) {
			return false
		}
		if first {
			return true
		}
		sc.mu.Lock()
		defer sc.mu.Unlock()
		return st.states[pi] == stUnknown
	})
}

// send sends a SYN to each port of ports on every live target for which
// want says so, ports in the outer loop so consecutive packets go to
// different hosts.
func (sc *synScan) send(ctx context.Context, tcp4, tcp6 *rawio.BatchConn, ports []uint16, want func(st *synTarget, port int) bool) error {
	tmpl := newSynTemplate(sc.sport)
	// Tokens are taken from the scan-wide limiter in batches (at most its
	// burst), and each batch goes out in one sendmmsg per family: one
	// timer wake-up and one system call per batch instead of per packet.
	batch := synBatch
	if sc.env.Limiter != nil {
		batch = max(1, min(batch, sc.env.Limiter.Burst()))
	}
	q4, q6 := newSynQueue(batch, tcp4), newSynQueue(batch, tcp6)
	flush := func() {
		q4.flush(sc)
		q6.flush(sc)
	}
	tokens := 0
	var seen [65536]bool
	for _, port := range ports {
		if seen[port] {
			continue // duplicate in the list
		}
		seen[port] = true
		for _, st := range sc.targets {
			if st.err != nil || !want(st, int(port)) {
				continue
			}
			if tokens == 0 {
				flush()
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if err := sc.pace.wait(ctx, batch); err != nil {
					return err
				}
				if err := sc.env.Wait(ctx, batch); err != nil {
					return err
				}
				tokens = batch
			}
			tokens--
			q := q4
			if !st.t.Addr.Is4() {
				q = q6
			}
			if st.pseudo == 0 {
				st.pseudo = pseudoSum(st.src, st.t.Addr)
			}
			tmpl.build(q.next(st), st.pseudo, port, sc.cookie(st.t.Addr, port))
		}
	}
	flush()
	sc.lastSend.Store(time.Now().UnixNano())
	return ctx.Err()
}

// synBatch is how many SYNs go out per sendmmsg and how many replies one
// recvmmsg drains.
const synBatch = 64

// synQueue holds one family's SYNs until the batch's tokens are spent.
type synQueue struct {
	out  *rawio.Sender // nil: no socket of this family
	bufs [][synLen]byte
	pkts [][]byte
	dsts []netip.Addr
	tgts []*synTarget
}

func newSynQueue(n int, c *rawio.BatchConn) *synQueue {
	var out *rawio.Sender
	if c != nil {
		out = c.NewSender()
	}
	return &synQueue{out: out, bufs: make([][synLen]byte, n), pkts: make([][]byte, 0, n), dsts: make([]netip.Addr, 0, n), tgts: make([]*synTarget, 0, n)}
}

func (q *synQueue) next(st *synTarget) []byte {
	b := q.bufs[len(q.pkts)][:]
	q.pkts = append(q.pkts, b)
	q.dsts = append(q.dsts, st.t.Addr)
	q.tgts = append(q.tgts, st)
	return b
}

func (q *synQueue) flush(sc *synScan) {
	if len(q.pkts) == 0 || q.out == nil {
		return
	}
	now := time.Now().UnixNano()
	alive := 0
	q.out.SendBatch(sc.env, q.dsts, q.pkts, func(i int, err error) {
		st := q.tgts[i]
		if err == nil {
			sc.sent.Add(1)
			st.first.CompareAndSwap(0, now)
			if st.alive.Load() {
				alive++
			}
			return
		}
		// Out of scope, or EHOSTUNREACH after a failed neighbour lookup:
		// stop probing this target.
		sc.mu.Lock()
		if st.err == nil {
			st.err = err
			sc.pending.Add(-int64(countUnknown(st.states)))
		}
		sc.mu.Unlock()
	})
	sc.pace.SentAlive(alive)
	q.pkts, q.dsts, q.tgts = q.pkts[:0], q.dsts[:0], q.tgts[:0]
}

func countUnknown(s []uint8) int {
	n := 0
	for _, v := range s {
		if v == stUnknown {
			n++
		}
	}
	return n
}

// receive drains one raw socket every synPoll until ctx ends. Polling
// rather than blocking is what keeps the kernel from waking a reader for
// every reply (see rawio.BatchConn); the socket buffer holds what arrives
// in between.
func (sc *synScan) receive(ctx context.Context, c *rawio.BatchConn, kind int) {
	d := newSynDecoder()
	got := func(p rawio.Packet) {
		var r synReply
		var ok bool
		switch kind {
		case 0, 1:
			r, ok = d.tcpReply(p.Data, p.Src)
		case 2:
			r, ok = d.icmp4Reply(p.Data)
		case 3:
			r, ok = d.icmp6Reply(p.Data)
		}
		if ok {
			sc.record(r)
		}
	}
	poll := synPoll
	if c.RecvBuffer() < synPollBuffer {
		poll = synPollSmall
	}
	for ctx.Err() == nil {
		n, err := c.RecvBatch(got)
		if err != nil {
			sc.env.Logger().Debug("SYN scan: receive failed", "err", err)
			return
		}
		if n < c.Batch() {
			time.Sleep(poll)
		}
	}
}

// synPoll is the receivers' polling interval: short enough that the
// socket buffer (forced to 8 MiB when the process may, see
// rawio.ListenBatch) does not overflow between two polls at a few hundred
// thousand replies a second (each takes about 1 KiB of buffer), long
// enough that an idle receiver costs nothing measurable. A buffer smaller
// than synPollBuffer (net.core.rmem_max, typically 208 KiB, without
// CAP_NET_ADMIN) holds only a millisecond or two of replies: polled every
// synPollSmall.
const (
	synPoll       = time.Millisecond
	synPollSmall  = 200 * time.Microsecond
	synPollBuffer = 4 << 20
)

// record applies a reply whose cookie matches; anything else is noise.
func (sc *synScan) record(r synReply) {
	if r.sport != sc.sport {
		return
	}
	ti, ok := sc.byAddr[r.peer.Unmap()]
	if !ok {
		return
	}
	if r.seq != sc.cookie(r.peer.Unmap(), r.dport) {
		return
	}
	st := sc.targets[ti]
	if r.state != "filtered" && !st.alive.Swap(true) { // the host itself answered
		if f := st.first.Load(); f > 0 {
			rtt := time.Now().UnixNano() - f
			for cur := sc.rtt.Load(); rtt > cur && !sc.rtt.CompareAndSwap(cur, rtt); cur = sc.rtt.Load() {
			}
		}
	}
	pi := sc.portIdx[r.dport]
	if pi < 0 {
		return // a discovery port outside the scan list
	}
	var v uint8
	switch r.state {
	case "open":
		v = stOpen
	case "closed":
		v = stClosed
	default:
		v = stFiltered
	}
	sc.mu.Lock()
	if st.err != nil {
		sc.mu.Unlock()
		return // skipped after discovery, or unreachable
	}
	prev := st.states[pi]
	if prev == stUnknown {
		sc.pending.Add(-1)
		sc.answered.Add(1)
		sc.pace.Replied(1)
	}
	// A SYN-ACK outranks an earlier RST or ICMP (retransmission after a
	// transient filter); the first SYN-ACK is the one reported.
	report := v == stOpen && prev != stOpen || sc.s.EmitClosed && prev == stUnknown && v != stOpen
	if prev == stUnknown || v == stOpen {
		st.states[pi] = v
	}
	if v == stOpen && prev != stOpen {
		st.open++
	}
	sc.mu.Unlock()
	if report {
		sc.emit(scanners.Observation{
			Probe: scanners.ProbePortTCP, Target: st.t.Endpoint(scanners.TCP, r.dport), At: sc.env.Clock(), Status: scanners.OK,
			Data: &scanners.PortState{Proto: scanners.TCP, Port: r.dport, State: r.state, Reason: r.why, Method: "syn"},
		})
	}
}

// summarize emits a target's summary. cut is the error that stopped the
// sending early, if any: a summary then never claims the ports it lists
// as covered were all tried.
func (sc *synScan) summarize(ctx context.Context, st *synTarget, start time.Time, elapsed time.Duration, cut error) {
	var open, closed, filtered, silent int
	for i, v := range st.states {
		if sc.portIdx[sc.s.Ports[i]] != int32(i) {
			continue
		}
		switch v {
		case stOpen:
			open++
		case stClosed:
			closed++
		case stFiltered:
			filtered++
		default:
			silent++
		}
	}
	if sc.s.EmitClosed && st.err == nil && ctx.Err() == nil {
		for i, v := range st.states {
			if v == stUnknown && sc.portIdx[sc.s.Ports[i]] == int32(i) {
				p := sc.s.Ports[i]
				sc.emit(scanners.Observation{Probe: scanners.ProbePortTCP, Target: st.t.Endpoint(scanners.TCP, p), At: sc.env.Clock(),
					Status: scanners.OK, Data: &scanners.PortState{Proto: scanners.TCP, Port: p, State: "filtered", Reason: "timeout", Method: "syn"}})
			}
		}
	}
	o := scanners.Observation{Probe: scanners.ProbePortTCP, Target: st.t.Endpoint(scanners.TCP, 0), At: start, Status: scanners.OK}
	state := "up"
	switch {
	case st.err != nil:
		o = scanners.Failed(scanners.ProbePortTCP, st.t.Endpoint(scanners.TCP, 0), start, st.err)
		if errors.Is(st.err, errNoReply) {
			o.Status = scanners.Timeout
		}
		state = "down"
	case ctx.Err() != nil:
		o.Status, o.Reason = scanners.Interrupted, "scan interrupted before every port was tried"
		if open == 0 && closed == 0 {
			state = "no-response" // only hosts that answered count as up
		}
	case cut != nil:
		o.Status, o.Reason = scanners.StatusOf(cut), fmt.Sprintf("sending stopped before every port was tried: %v", cut)
		if open == 0 && closed == 0 {
			state = "no-response"
		}
	case open == 0 && closed == 0:
		state = "no-response"
	}
	o.Data = &scanners.PortState{Proto: scanners.TCP, State: state, Method: "syn", Covered: sc.covered,
		Reason: fmt.Sprintf("open %d, closed %d, filtered %d (icmp %d), %d ports in %s", open, closed, filtered+silent, filtered,
			len(sc.s.Ports), elapsed.Round(time.Millisecond))}
	sc.emit(o)
}
