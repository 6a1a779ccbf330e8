package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"shindan/checks"
	"shindan/internal/scope"
	"shindan/internal/targets"
	"shindan/reports"
	"shindan/scanners"
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
	Hosts                   int            // hosts scanned at once; 0 = 16
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
}

// Progress reports how far a phase is.
type Progress struct {
	Phase       string // "discovery", "services", "checks"
	Done, Total int
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
	store  store
	guard  *scope.Guard
	set    *targets.Set
	scanID string
	silent int // addresses from ranges that never answered (silentAddrs)
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
	return e, nil
}

func (e *engine) progress(phase string, done, total int) {
	if e.cfg.Progress != nil {
		e.cfg.Progress(Progress{Phase: phase, Done: done, Total: total})
	}
}

func (e *engine) run(ctx context.Context) (*reports.Report, error) {
	started := e.now()
	e.scanID = e.cfg.ScanID
	if e.scanID == "" {
		e.scanID = newScanID(started)
	}
	set, err := targets.Build(ctx, e.cfg.Targets, e.cfg.Excludes, targets.Options{MaxHosts: e.cfg.MaxHosts, Resolver: e.cfg.Resolver})
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
	e.log.Info("scan starting", "hosts", len(set.Hosts), "names", len(set.Names), "checks", len(e.cfg.Checks), "probes", e.plan.probeIDs())

	if err := e.begin(ctx, started); err != nil {
		return nil, err
	}
	interrupted := ""
	defer e.closeProbes()
	if err := e.discover(ctx); err != nil && ctx.Err() == nil {
		return nil, err
	}
	if ctx.Err() == nil {
		if err := e.probe(ctx); err != nil && ctx.Err() == nil {
			return nil, err
		}
	}
	if ctx.Err() != nil {
		interrupted = "interrupted: " + context.Cause(ctx).Error()
		e.log.Warn("scan interrupted; writing a partial report", "reason", interrupted)
	}
	findings := e.evaluate(interrupted != "")
	r := e.report(started, findings, interrupted)
	if err := e.end(context.WithoutCancel(ctx), r); err != nil {
		return r, err
	}
	return r, nil
}

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
	env.Prior = e.store.prior
	return env
}

// discover runs port discovery over every host.
func (e *engine) discover(ctx context.Context) error {
	if !e.plan.needsPorts {
		if e.plan.needsSegment {
			e.segment(ctx, e.env())
		}
		return ctx.Err()
	}
	env := e.env()
	ports := slices.Clone(e.cfg.Ports.TCP)
	for _, h := range e.set.Hosts {
		if h.OnlyPorts {
			continue // swept on its own ports (sweepEndpoints)
		}
		for _, p := range h.Ports {
			if !slices.Contains(ports, p) {
				ports = append(ports, p)
			}
		}
	}
	named := map[netip.Addr]bool{}
	for _, h := range e.set.Hosts {
		named[h.Addr] = h.Named
	}
	connect := &portscan.Connect{Ports: ports, PerHost: e.cfg.Concurrency, Hosts: e.cfg.Hosts,
		Timeout: e.cfg.ConnectTimeout, Retries: e.cfg.Retries, NoPing: e.cfg.NoPing,
		Ping: func(a netip.Addr) bool { return !named[a] }}
	sw := e.cfg.Discovery
	if sw == nil {
		sw = connect
		useSYN := e.cfg.ScanType == "syn" ||
			((e.cfg.ScanType == "" || e.cfg.ScanType == "auto") && len(e.set.Hosts) > 16 && os.Geteuid() == 0)
		if useSYN {
			sw = &portscan.SYN{Ports: ports, Retries: e.cfg.Retries, NoPing: e.cfg.NoPing}
		}
	}
	udp := e.cfg.UDPDiscovery
	if udp == nil && len(e.cfg.Ports.UDP) > 0 {
		udp = &portscan.UDP{Ports: e.cfg.Ports.UDP, Retries: e.cfg.Retries}
	}
	hosts := func(yield func(scanners.Target) bool) {
		for _, h := range e.set.Hosts {
			if h.OnlyPorts {
				continue
			}
			t := scanners.Target{Addr: h.Addr}
			if len(h.Names) > 0 {
				t.Name = h.Names[0]
			}
			if !yield(t) {
				return
			}
		}
	}
	var mu sync.Mutex
	done := 0
	emit := func(o scanners.Observation) {
		e.store.add(o)
		if o.Target.Port == 0 {
			mu.Lock()
			done++
			d := done
			mu.Unlock()
			e.progress("discovery", d, len(e.set.Hosts))
		}
	}
	e.progress("discovery", 0, len(e.set.Hosts))
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		err := sw.Sweep(gctx, env, hosts, emit)
		if errors.Is(err, rawio.ErrNeedRawSocket) {
			// Checked before the first packet: nothing was sent yet.
			e.log.Warn("SYN scan needs root or CAP_NET_RAW; using the connect scan", "err", err)
			return connect.Sweep(gctx, env, hosts, emit)
		}
		return err
	})
	if udp != nil {
		g.Go(func() error { return udp.Sweep(gctx, env, hosts, e.store.add) })
	}
	g.Go(func() error { return e.sweepEndpoints(gctx, env, emit) })
	if e.plan.needsSegment {
		g.Go(func() error { e.segment(gctx, env); return nil })
	}
	err := g.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("engine: discovery: %w", err)
	}
	return nil
}

// job is one planned probe run.
type job struct {
	p scanners.Probe
	t scanners.Target
}

// probe runs identification, then endpoint, host and name probes in
// dependency order.
func (e *engine) probe(ctx context.Context) error {
	env := e.env()
	hostSlots := map[netip.Addr]chan struct{}{}
	var slotsMu sync.Mutex
	slot := func(a netip.Addr) chan struct{} {
		slotsMu.Lock()
		defer slotsMu.Unlock()
		c := hostSlots[a]
		if c == nil {
			n := e.cfg.HostProbes
			if n <= 0 {
				n = 4
			}
			c = make(chan struct{}, n)
			hostSlots[a] = c
		}
		return c
	}
	total, done := 0, 0
	var doneMu sync.Mutex
	for _, stage := range e.plan.stages {
		jobs := e.jobsFor(stage)
		total += len(jobs)
		e.progress("services", done, total)
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(max(16, 4*max(1, e.cfg.Hosts)))
		for _, j := range jobs {
			g.Go(func() error {
				if gctx.Err() != nil {
					e.store.add(interruptedObs(j, e.now()))
					return nil
				}
				s := slot(j.t.Addr)
				select {
				case s <- struct{}{}:
				case <-gctx.Done():
					e.store.add(interruptedObs(j, e.now()))
					return nil
				}
				defer func() { <-s }()
				obs, err := e.runProbe(gctx, env, j)
				for _, o := range obs {
					e.store.add(o)
				}
				doneMu.Lock()
				done++
				e.progress("services", done, total)
				doneMu.Unlock()
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

func interruptedObs(j job, at time.Time) scanners.Observation {
	return scanners.Observation{Probe: j.p.Info().ID, Target: j.t, At: at, Status: scanners.Interrupted,
		Reason: "the scan was interrupted before this probe ran"}
}

// runProbe runs one probe with a panic guard: a bug in one probe becomes an
// Internal observation instead of killing the scan.
func (e *engine) runProbe(ctx context.Context, env *scanners.Env, j job) (obs []scanners.Observation, err error) {
	id := j.p.Info().ID
	defer func() {
		if r := recover(); r != nil {
			e.log.Error("probe panicked", "probe", id, "target", j.t.String(), "panic", r, "stack", string(debug.Stack()))
			obs = []scanners.Observation{{Probe: id, Target: j.t, At: e.now(), Status: scanners.Internal,
				Reason: fmt.Sprintf("probe failed internally: %v", r)}}
			err = nil
		}
	}()
	obs, err = j.p.Run(ctx, env, j.t)
	if err != nil {
		return obs, fmt.Errorf("engine: probe %s cannot run: %w", id, err)
	}
	if ctx.Err() != nil && len(obs) == 0 {
		obs = append(obs, interruptedObs(j, e.now()))
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

// jobsFor lists the runs of one stage's probes against what discovery and
// earlier stages found.
func (e *engine) jobsFor(stage []scanners.Probe) []job {
	var jobs []job
	services := e.store.services()
	for _, p := range stage {
		info := p.Info()
		switch info.Level {
		case scanners.LevelEndpoint:
			if info.ID == identProbe {
				for _, t := range e.store.openEndpoints() {
					jobs = append(jobs, job{p, t})
				}
				continue
			}
			for _, s := range services {
				if s.svc.Wanted(info.Services) {
					jobs = append(jobs, job{p, s.t})
				}
			}
			// Open ports identification could not name still owe this
			// probe's checks a verdict (unidentified.go).
			jobs = append(jobs, e.owedJobs(p)...)
		case scanners.LevelHost:
			for _, t := range e.store.liveHosts() {
				jobs = append(jobs, job{p, t})
			}
		case scanners.LevelName:
			// Domain probes (mail and DNS records) run on the domains the
			// user named, not on the hosts those domains brought in.
			for _, n := range e.set.Names {
				if n.Domain && !n.Derived {
					jobs = append(jobs, job{p, scanners.Target{Name: n.Name}})
				}
			}
		}
	}
	return jobs
}

// identProbe is the identification probe whose Service payloads decide
// which endpoint probes run.
const identProbe = "svc.ident"

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
// "ip:port", or "" when there is none: the server probes use for the
// scanner's own lookups when --resolver is not given.
func systemResolver() string {
	b, err := os.ReadFile("/etc/resolv.conf")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "nameserver" {
			if a, err := netip.ParseAddr(f[1]); err == nil {
				return netip.AddrPortFrom(a.WithZone(""), 53).String()
			}
		}
	}
	return ""
}

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
		e.store.add(scanners.Observation{Probe: segmentProbe, Target: seg, At: e.now(), Status: scanners.Unavailable, Reason: reason})
	}
	if e.cfg.Iface == "" {
		fail("the segment checks listen on a network interface: give it with --iface")
		return
	}
	sw := e.cfg.Segment
	if sw == nil {
		var ok bool
		if sw, ok = e.reg.Sweeper(segmentProbe); !ok {
			fail("this build has no layer-2 segment sweeper")
			return
		}
	}
	err := sw.Sweep(ctx, env, func(yield func(scanners.Target) bool) { yield(seg) }, e.store.add)
	switch {
	case err == nil, ctx.Err() != nil:
	case errors.Is(err, rawio.ErrNeedRawSocket):
		fail("listening on " + e.cfg.Iface + " needs root or CAP_NET_RAW")
	default:
		fail("segment sweep on " + e.cfg.Iface + ": " + err.Error())
	}
}
