package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"shindan/checks"
	"shindan/internal/scope"
	"shindan/internal/targets"
	"shindan/reports"
	"shindan/scanners"
	"shindan/scanners/dnsclient"
	"shindan/scanners/portscan"
	"shindan/scanners/rawio"
)

// Config is everything a scan needs. The CLI translates flags into it.
type Config struct {
	Targets  []targets.Spec
	Excludes []targets.Spec
	// RawTargets and RawExcludes are the targets as typed, for the report.
	RawTargets, RawExcludes []string
	Profile                 string
	Checks                  []checks.Check // selected checks
	Ports                   portscan.Spec
	Policy                  *checks.Policy // nil = checks.DefaultPolicy()
	Rate                    int            // connections+packets per second, scan-wide; 0 = unlimited
	Concurrency             int            // connections in flight per host during discovery; 0 = 512
	HostProbes              int            // probes in flight per host after discovery; 0 = 4
	Hosts                   int            // hosts in their pipelines at once; 0 = DefaultHosts (64)
	Timeout                 time.Duration  // per read/write; 0 = 5s
	ConnectTimeout          time.Duration  // per connection attempt in discovery; 0 = 1.5s
	NoPing                  bool           // scan hosts from CIDRs and ranges even when they answer no liveness check
	Retries                 int
	MaxHosts                int
	Resolver                targets.Resolver // nil = system
	Settings                scanners.Settings
	// Discovery replaces the TCP sweeper chosen by ScanType (tests).
	Discovery scanners.Sweeper
	// ScanType picks TCP discovery: "connect", "syn" (raw sockets; falls
	// back to connect without the privilege) or "auto" / "" (SYN for
	// sweeps of more than 16 hosts when privileged, connect otherwise:
	// the connect scan is the faster of the two on a few hosts).
	ScanType string
	// UDPDiscovery sweeps Ports.UDP; nil = portscan.UDP when UDP ports
	// are asked for.
	UDPDiscovery scanners.Sweeper
	// Iface is the interface of layer-2 segment checks (--iface).
	Iface string
	// Segment is the layer-2 sweeper the ndp.segment checks need
	// (ndpscan.Segment); nil = the registered "ndp.segment" sweeper.
	Segment     scanners.Sweeper
	Registry    *scanners.Registry // nil = scanners.Default
	Log         *slog.Logger       // nil = discard
	Progress    func(Progress)     // nil = none; called from many goroutines
	Now         func() time.Time   // nil = time.Now
	ToolVersion string
	// Guard, when set, receives the scan's scope guard before the first
	// packet (tests use it to inspect what was refused).
	Guard func(*scope.Guard)
	// Sinks receive results while the scan runs (store, JSONL stream).
	Sinks []Sink
	// ScanID names the scan; "" = a new ID from the start time.
	ScanID string
	// HostTimeout bounds one host from its discovery to its last probe
	// (--host-timeout); 0 = none. A host that hits it is reported
	// incomplete with what was done.
	HostTimeout time.Duration
	// MaxDuration bounds the whole scan (--max-duration); 0 = none. The
	// scan then ends as interrupted, with a partial report.
	MaxDuration time.Duration
	// Resume continues an interrupted scan: its finished hosts are not
	// probed again and keep their findings.
	Resume *Resume
	// Dist is set for the two sides of a distributed scan (remote.go).
	Dist Dist
}

// Run scans and returns the report. The report is returned even when ctx
// is cancelled mid-scan: it is then marked incomplete and every planned
// probe that did not finish appears as an error finding. The error is for
// scans that could not run at all (bad configuration, missing privilege).
func Run(ctx context.Context, cfg Config) (*reports.Report, error) {
	e, err := newEngine(cfg)
	if err != nil {
		return nil, err
	}
	return e.run(ctx)
}

type engine struct {
	cfg    Config
	reg    *scanners.Registry
	log    *slog.Logger
	now    func() time.Time
	policy *checks.Policy
	plan   plan
	guard  *scope.Guard
	set    *targets.Set
	scanID string

	scanCtx  context.Context
	cancel   context.CancelCauseFunc
	failOnce sync.Once
	failErr  error

	mu       sync.Mutex
	hosts    map[netip.Addr]*hostRun // in flight
	finished addrSet                 // outcome recorded (ranges: addrset.go)
	named    map[netip.Addr]bool     // hosts the user named
	names    map[netip.Addr][]string // names of the hosts that have one
	wantUDP  bool
	global   store // domains, segment, what the cross-target checks keep
	slots    chan struct{}
	pipes    sync.WaitGroup
	sinkMu   sync.Mutex
	res      results
	// local checks are evaluated per host as its pipeline ends; cross
	// checks (several targets, or domains) once at the end.
	local, cross []checks.Check
	retain       map[string]bool
	units        unitCounter
	hostsDone    atomic.Int64
	timings      timings
	silent       atomic.Int64 // addresses from ranges that never answered (silentAddrs)
	dist         distState
}

func newEngine(cfg Config) (*engine, error) {
	e := &engine{cfg: cfg, reg: cfg.Registry, log: cfg.Log, now: cfg.Now, policy: cfg.Policy}
	if e.reg == nil {
		e.reg = scanners.Default
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.policy == nil {
		e.policy = checks.DefaultPolicy()
	}
	if len(cfg.Targets) == 0 {
		return nil, errors.New("engine: no targets")
	}
	if len(cfg.Checks) == 0 {
		return nil, errors.New("engine: no checks selected")
	}
	// Nothing with a control character goes on the wire (issue 13).
	if err := e.policy.Probe.Over(cfg.Settings).CheckWireValues(); err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	p, err := makePlan(e.reg, cfg.Checks)
	if err != nil {
		return nil, err
	}
	e.plan = p
	e.names = map[netip.Addr][]string{}
	e.splitChecks()
	return e, nil
}

func (e *engine) run(ctx context.Context) (*reports.Report, error) {
	started := e.now()
	e.scanID = e.cfg.ScanID
	if e.cfg.Resume != nil && e.scanID == "" {
		e.scanID = e.cfg.Resume.ScanID
	}
	if e.scanID == "" {
		e.scanID = newScanID(started)
	}
	set, err := e.buildSet(ctx)
	if err != nil {
		return nil, err
	}
	e.set = set
	e.guard = scope.New(set.Allow, e.cfg.Rate)
	e.guard.Excluded = set.Excluded
	e.guard.LinkMulticast = e.plan.needsSegment && e.cfg.Iface != ""
	if e.cfg.Settings.Resolver == "" {
		e.cfg.Settings.Resolver = systemResolver()
	}
	if ap, err := netip.ParseAddrPort(e.cfg.Settings.Resolver); err == nil {
		e.guard.Infra = map[netip.AddrPort]bool{ap: true}
	}
	if e.cfg.Guard != nil {
		e.cfg.Guard(e.guard)
	}
	for _, n := range set.Notes {
		e.log.Info("target note", "note", n)
	}
	e.log.Info("scan starting", "hosts", set.Len(), "names", len(set.Names), "checks", len(e.cfg.Checks), "probes", e.plan.probeIDs())

	sctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if e.cfg.MaxDuration > 0 {
		var tcancel context.CancelFunc
		sctx, tcancel = context.WithDeadlineCause(sctx, started.Add(e.cfg.MaxDuration), errMaxDuration)
		defer tcancel()
	}
	e.scanCtx, e.cancel = sctx, cancel
	e.hosts = map[netip.Addr]*hostRun{}
	e.finished = addrSet{}
	e.named = map[netip.Addr]bool{}
	e.res.bySeverity = map[string]int{}
	e.slots = make(chan struct{}, e.hostsInFlight())
	for h := range set.Hosts() {
		if h.Named {
			e.named[h.Addr] = true
		}
		if len(h.Names) > 0 {
			e.names[h.Addr] = h.Names
		}
	}
	if err := e.begin(ctx, started); err != nil {
		return nil, err
	}
	e.resume()
	defer e.closeProbes()
	var side sync.WaitGroup
	side.Add(1)
	go func() { defer side.Done(); e.runNames(sctx) }()
	if e.plan.needsSegment {
		side.Add(1)
		go func() { defer side.Done(); e.segment(sctx, e.env()) }()
	}
	derr := e.discover(sctx)
	e.flushWaiting()
	e.pipes.Wait()
	side.Wait()
	if e.failErr != nil {
		return nil, e.failErr
	}
	if derr != nil && sctx.Err() == nil {
		return nil, derr
	}
	interrupted := ""
	if sctx.Err() != nil {
		interrupted = "interrupted: " + context.Cause(sctx).Error()
		e.log.Warn("scan interrupted; writing a partial report", "reason", interrupted)
	}
	// The cross-target checks see the domains, the segment and what the
	// hosts left for them.
	e.publish(unit{findings: e.evalChecks(e.cross, e.global.snapshot())})
	if e.failErr != nil {
		return nil, e.failErr
	}
	r := e.report(started, interrupted)
	if err := e.end(context.WithoutCancel(ctx), r); err != nil {
		return r, err
	}
	return r, nil
}

// errMaxDuration is the cause of the scan's end when --max-duration hit.
var errMaxDuration = errors.New("scan time budget (--max-duration) spent")

// env builds the Env every probe gets.
func (e *engine) env() *scanners.Env {
	env := e.guard.Env(e.cfg.Timeout)
	env.Log = e.log
	env.Now = e.now
	env.Retries = e.cfg.Retries
	// The command line wins over the policy's probe: section.
	env.Settings = e.policy.Probe.Over(e.cfg.Settings)
	if len(env.Settings.DNS.KnownNames) == 0 {
		env.Settings.DNS.KnownNames = knownNames(e.set)
	}
	env.Prior = e.prior
	return env
}

// discover runs port discovery over every host not done yet; each host
// leaves for its own pipeline as soon as its discovery ends.
func (e *engine) discover(ctx context.Context) error {
	if e.cfg.Dist.Remote != nil {
		return e.remote(ctx)
	}
	if !e.plan.needsPorts {
		return ctx.Err()
	}
	env := e.env()
	ports := slices.Clone(e.cfg.Ports.TCP)
	for h := range e.set.Hosts() {
		if h.OnlyPorts {
			continue // swept on its own ports (sweepEndpoints)
		}
		for _, p := range h.Ports {
			if !slices.Contains(ports, p) {
				ports = append(ports, p)
			}
		}
	}
	connect := &portscan.Connect{Ports: ports, PerHost: e.cfg.Concurrency, Hosts: e.connectHosts(),
		Timeout: e.cfg.ConnectTimeout, Retries: e.cfg.Retries, NoPing: e.cfg.NoPing,
		Ping: func(a netip.Addr) bool { return !e.named[a] }, HostTimeout: e.cfg.HostTimeout}
	sw := e.cfg.Discovery
	chunk := 0
	if sw == nil {
		sw = connect
		// The raw SYN scan wins on sweeps and on port-heavy hosts (one
		// packet per port, no socket); the connect scan on a few hosts
		// with a short port list (no raw-socket setup).
		useSYN := e.cfg.ScanType == "syn" ||
			((e.cfg.ScanType == "" || e.cfg.ScanType == "auto") && (e.set.Len() > 16 || len(ports) > 1024) && os.Geteuid() == 0)
		if useSYN {
			// One pace for every chunk: loss seen in one slows the next.
			sw = &portscan.SYN{Ports: ports, Retries: e.cfg.Retries, NoPing: e.cfg.NoPing, Pace: portscan.NewPace(e.cfg.Rate)}
			// The SYN sweeper reports at the end of a sweep and holds
			// state per target: sweep in chunks, so hosts move on to
			// their probes early and memory follows the chunk.
			chunk = min(synChunk, max(16, e.set.Len()/8))
		}
	}
	udp := e.cfg.UDPDiscovery
	if udp == nil && len(e.cfg.Ports.UDP) > 0 {
		udp = &portscan.UDP{Ports: e.cfg.Ports.UDP, Retries: e.cfg.Retries}
	}
	e.wantUDP = udp != nil
	// The hosts are pulled chunk by chunk from the target set, which makes
	// the addresses of CIDRs on demand: only the chunks in flight are held.
	nextHost, stopHosts := iter.Pull(e.set.Hosts())
	defer stopHosts()
	hostsFrom := func(k int) iter.Seq[scanners.Target] {
		var ts []scanners.Target
		for range k {
			h, ok := nextHost()
			if !ok {
				break
			}
			if h.OnlyPorts {
				continue
			}
			t := scanners.Target{Addr: h.Addr}
			if len(h.Names) > 0 {
				t.Name = h.Names[0]
			}
			ts = append(ts, t)
		}
		return func(yield func(scanners.Target) bool) {
			for _, t := range ts {
				if e.isFinished(t.Addr) {
					continue
				}
				if !yield(t) {
					return
				}
			}
		}
	}
	n := e.set.Len()
	if chunk == 0 {
		chunk = max(1, n)
	}
	e.progressUnits(0, n) // one unit per host's discovery
	urls := make(chan error, 1)
	go func() { urls <- e.sweepEndpoints(ctx, env, e.discovered) }()
	// Chunks overlap: the next chunk sends while the previous one waits
	// out its last replies and retransmits, so the settle tails are not
	// paid one after another. The scan-wide rate limit is shared, so this
	// adds no packets per second.
	var swMu sync.Mutex
	sweep := func(ctx context.Context, hosts iter.Seq[scanners.Target], sent func()) error {
		swMu.Lock()
		s := sw
		swMu.Unlock()
		if syn, ok := s.(*portscan.SYN); ok {
			c := *syn
			c.Sent = sent
			s = &c
		}
		err := s.Sweep(ctx, env, hosts, e.discovered)
		if errors.Is(err, rawio.ErrNeedRawSocket) {
			// Checked before the first packet: nothing was sent yet.
			e.log.Warn("SYN scan needs root or CAP_NET_RAW; using the connect scan", "err", err)
			swMu.Lock()
			sw = connect
			swMu.Unlock()
			return connect.Sweep(ctx, env, hosts, e.discovered)
		}
		return err
	}
	chunks, cctx := errgroup.WithContext(ctx)
	chunks.SetLimit(chunksInFlight)
	for from := 0; from < n && ctx.Err() == nil; from += chunk {
		hosts := hostsFrom(min(n, from+chunk) - from)
		// The next chunk starts once this one has sent its first round
		// (or ended): sending is bound by the rate limit anyway, and
		// the first hosts get the whole rate, so they finish first.
		var once sync.Once
		sent := make(chan struct{})
		next := func() { once.Do(func() { close(sent) }) }
		chunks.Go(func() error {
			defer next()
			g, gctx := errgroup.WithContext(cctx)
			g.Go(func() error { return sweep(gctx, hosts, next) })
			if udp != nil {
				g.Go(func() error { return udp.Sweep(gctx, env, hosts, e.discovered) })
			}
			err := g.Wait()
			if err != nil && !errors.Is(err, context.Canceled) {
				return err
			}
			return nil
		})
		select {
		case <-sent:
		case <-cctx.Done():
		}
	}
	err := chunks.Wait()
	if ctx.Err() != nil {
		<-urls
		return ctx.Err()
	}
	if err != nil {
		<-urls
		return fmt.Errorf("engine: discovery: %w", err)
	}
	if err := <-urls; err != nil && ctx.Err() == nil {
		return fmt.Errorf("engine: discovery: %w", err)
	}
	return ctx.Err()
}

// synChunk is the most hosts one SYN sweep takes at a time;
// chunksInFlight is how many chunk sweeps overlap.
const (
	synChunk       = 4096
	chunksInFlight = 3
)

// DefaultHosts is how many hosts are in their pipelines at once. A
// host's probes mostly wait (UDP windows, server replies), so the bound is
// the network and the targets, not the scanner; each host still gets at
// most HostProbes probes at a time.
const DefaultHosts = 64

func (e *engine) hostsInFlight() int {
	if e.cfg.Hosts > 0 {
		return e.cfg.Hosts
	}
	return DefaultHosts
}

// connectSockets bounds the sockets of a connect-scan discovery (hosts
// at once × connections per host), below common descriptor limits.
const connectSockets = 8192

// connectHosts is how many hosts the connect scan sweeps at once: the
// pipeline's host count, within connectSockets.
func (e *engine) connectHosts() int {
	per := e.cfg.Concurrency
	if per <= 0 {
		per = 512
	}
	return max(1, min(e.hostsInFlight(), connectSockets/per))
}

func (e *engine) isFinished(a netip.Addr) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.finished.has(a)
}

// flushWaiting hands on the hosts whose discovery ended without every
// summary (a UDP sweep that failed, an interruption), so none is lost.
func (e *engine) flushWaiting() {
	e.mu.Lock()
	var wait []*hostRun
	for _, hr := range e.hosts {
		if !hr.sent {
			hr.sent = true
			wait = append(wait, hr)
		}
	}
	e.mu.Unlock()
	slices.SortFunc(wait, func(a, b *hostRun) int { return a.addr.Compare(b.addr) })
	for _, hr := range wait {
		e.dispatch(hr)
	}
}

// job is one planned probe run.
type job struct {
	p scanners.Probe
	t scanners.Target
}

func interruptedObs(j job, at time.Time, reason string) scanners.Observation {
	return scanners.Observation{Probe: j.p.Info().ID, Target: j.t, At: at, Status: scanners.Interrupted, Reason: reason}
}

// runProbe runs one probe with a panic guard: a bug in one probe becomes an
// Internal observation instead of killing the scan.
func (e *engine) runProbe(ctx context.Context, env *scanners.Env, j job) (obs []scanners.Observation, err error) {
	id := j.p.Info().ID
	began := time.Now()
	defer func() {
		if r := recover(); r != nil {
			e.log.Error("probe panicked", "probe", id, "target", j.t.String(), "panic", r, "stack", string(debug.Stack()))
			obs = []scanners.Observation{{Probe: id, Target: j.t, At: e.now(), Status: scanners.Internal,
				Reason: fmt.Sprintf("probe failed internally: %v", r)}}
			err = nil
		}
		e.timings.add("probe", id, time.Since(began))
		e.log.Debug("probe done", "probe", id, "target", j.t.String(), "took", time.Since(began), "observations", len(obs))
	}()
	obs, err = j.p.Run(ctx, env, j.t)
	if err != nil {
		return obs, fmt.Errorf("engine: probe %s cannot run: %w", id, err)
	}
	if ctx.Err() != nil && len(obs) == 0 {
		obs = append(obs, interruptedObs(j, e.now(), cutReason(ctx)))
	}
	for i := range obs {
		if obs[i].Probe == "" {
			obs[i].Probe = id
		}
		if obs[i].At.IsZero() {
			obs[i].At = e.now()
		}
	}
	return obs, nil
}

func newScanID(now time.Time) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

// vantage names where the scan ran from: the host name and its source
// addresses, since a verdict (relay, resolver) depends on the vantage
// (pitfalls §1.4).
func vantage() string {
	h, _ := os.Hostname()
	addrs, _ := net.InterfaceAddrs()
	var srcs []string
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil && !p.Addr().IsLoopback() && !p.Addr().IsLinkLocalUnicast() {
			srcs = append(srcs, p.Addr().String())
		}
	}
	if len(srcs) == 0 {
		return h
	}
	return h + " (" + strings.Join(srcs, ", ") + ")"
}

// systemResolver is the first nameserver of /etc/resolv.conf as
// "ip:port", or "" when there is none (the probes then say why).
func systemResolver() string { s, _ := dnsclient.SystemServer(); return s }

// closeProbes releases what probes hold for the scan (the nuclei engine and
// its temporary directory) once probing is over.
func (e *engine) closeProbes() {
	for _, stage := range e.plan.stages {
		for _, p := range stage {
			if c, ok := p.(io.Closer); ok {
				if err := c.Close(); err != nil {
					e.log.Warn("closing probe", "probe", p.Info().ID, "err", err)
				}
			}
		}
	}
}

// templateSet describes a probe's template set for tool.nuclei_templates.
type templateSet interface {
	TemplateSet(extra []string) (string, error)
}

func (e *engine) templateSets() string {
	var out []string
	for _, stage := range e.plan.stages {
		for _, p := range stage {
			if ts, ok := p.(templateSet); ok {
				d, err := ts.TemplateSet(e.cfg.Settings.Nuclei.TemplateDirs)
				if err != nil {
					d = "unknown: " + err.Error()
				}
				out = append(out, d)
			}
		}
	}
	return strings.Join(out, "; ")
}

// segment runs the layer-2 sweep on --iface for the ipv6 segment checks. A
// sweep that cannot run leaves an Unavailable observation, so those checks
// report "error: needs --iface / raw sockets" instead of nothing.
func (e *engine) segment(ctx context.Context, env *scanners.Env) {
	seg := scanners.Target{Segment: e.cfg.Iface, Proto: scanners.L2}
	fail := func(reason string) {
		if seg.Segment == "" {
			seg.Segment = "segment"
		}
		e.global.add(scanners.Observation{Probe: scanners.ProbeNDPSegment, Target: seg, At: e.now(), Status: scanners.Unavailable, Reason: reason})
	}
	if e.cfg.Iface == "" {
		fail("the segment checks listen on a network interface: give it with --iface")
		return
	}
	sw := e.cfg.Segment
	if sw == nil {
		var ok bool
		if sw, ok = e.reg.Sweeper(scanners.ProbeNDPSegment); !ok {
			fail("this build has no layer-2 segment sweeper")
			return
		}
	}
	err := sw.Sweep(ctx, env, func(yield func(scanners.Target) bool) { yield(seg) }, e.global.add)
	switch {
	case err == nil, ctx.Err() != nil:
	case errors.Is(err, rawio.ErrNeedRawSocket):
		fail("listening on " + e.cfg.Iface + " needs root or CAP_NET_RAW")
	default:
		fail("segment sweep on " + e.cfg.Iface + ": " + err.Error())
	}
}
