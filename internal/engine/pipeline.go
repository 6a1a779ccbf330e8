package engine

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"shindan/checks"
	"shindan/reports"
	"shindan/scanners"
)

// hostRun is one host on its way through the scan: its discovery
// observations, then its probes' observations, until its checks are
// evaluated, its findings streamed and the host forgotten. Memory thus
// follows the hosts in flight, not the size of the target list.
type hostRun struct {
	addr     netip.Addr
	st       store
	tcp, udp bool      // discovery summaries received
	started  time.Time // discovery start, for --host-timeout
	sent     bool      // handed on (pipeline or finished)
	// early are the findings of checks decided while the host's other
	// probes still ran (hostSched.decide), already streamed; decided
	// names those checks.
	mu       sync.Mutex
	early    []checks.Finding
	earlyIDs []string
	decided  map[string]bool
}

// errHostTimeout is the cause of a host's context when --host-timeout cut it.
var errHostTimeout = errors.New("host time budget (--host-timeout) spent")

// discovered receives every discovery observation. A host moves on as
// soon as its own discovery ends, never waiting for other hosts.
func (e *engine) discovered(o scanners.Observation) {
	if !o.Target.Addr.IsValid() {
		e.global.add(o)
		return
	}
	a := o.Target.Addr
	e.mu.Lock()
	if e.finished.has(a) {
		e.mu.Unlock()
		return
	}
	hr := e.hosts[a]
	if hr == nil {
		hr = &hostRun{addr: a}
		e.hosts[a] = hr
	}
	hr.st.add(o)
	if _, ok := o.Data.(*scanners.PortState); ok && o.Target.Port == 0 {
		switch o.Probe {
		case scanners.ProbePortTCP:
			hr.tcp, hr.started = true, o.At
		case scanners.ProbePortUDP:
			hr.udp = true
		}
	}
	ready := !hr.sent && hr.tcp && (hr.udp || !e.wantUDP)
	hr.sent = hr.sent || ready
	e.mu.Unlock()
	if ready {
		e.dispatch(hr)
	}
}

// dispatch starts a host's pipeline once a slot is free (the wait is the
// back-pressure that bounds hosts in flight). Hosts that answered nothing
// need no probes and finish at once.
func (e *engine) dispatch(hr *hostRun) {
	e.progressUnits(1, 0) // the host's discovery
	if _, live := hr.st.live(); !live {
		e.finishHost(hr, e.scanCtx)
		return
	}
	e.slots <- struct{}{}
	e.pipes.Add(1)
	go func() {
		defer func() { <-e.slots; e.pipes.Done() }()
		e.runHost(hr)
	}()
}

// runHost runs a host's probes in dependency order, then finishes it.
// A probe starts as soon as the probes it needs are done for this host,
// so a slow probe (the reflector's UDP window) delays only what reads its
// results, not every probe of the next stage.
func (e *engine) runHost(hr *hostRun) {
	ctx := e.scanCtx
	if e.cfg.HostTimeout > 0 {
		start := hr.started
		if start.IsZero() {
			start = e.now()
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadlineCause(ctx, start.Add(e.cfg.HostTimeout), errHostTimeout)
		defer cancel()
	}
	per := e.cfg.HostProbes
	if per <= 0 {
		per = 4
	}
	s := &hostSched{e: e, hr: hr, ctx: ctx, env: e.env(), sem: make(chan struct{}, per), left: map[string]int{},
		undecided: slices.Clone(e.local)}
	for _, stage := range e.plan.stages {
		s.waiting = append(s.waiting, stage...)
	}
	s.mu.Lock()
	s.launchReady()
	ready := s.readyChecks()
	s.mu.Unlock()
	s.decide(ready)
	s.wg.Wait()
	e.finishHost(hr, ctx)
}

// hostSched starts one host's probe jobs as their dependencies finish,
// at most HostProbes at a time.
type hostSched struct {
	e   *engine
	hr  *hostRun
	ctx context.Context
	env *scanners.Env
	sem chan struct{}
	wg  sync.WaitGroup
	// After a host told us to go away (RateLimited: SMTP 421 and other
	// 4xx deferrals, "too many connections"), its probes run one at a
	// time (serial) and the deferred one again later (rateRetries).
	backedOff atomic.Bool
	serial    sync.Mutex

	mu        sync.Mutex
	waiting   []scanners.Probe // not started, in plan order
	left      map[string]int   // started probe → its jobs not finished
	stopped   bool             // the host's context ended: start nothing more
	undecided []checks.Check   // per-host checks not evaluated yet
}

// launchReady starts every waiting probe whose dependencies are done.
// A probe with no jobs on this host is done at once, which may ready
// others, hence the loop. Called with s.mu held.
func (s *hostSched) launchReady() {
	for again := true; again; {
		again = false
		for i := 0; i < len(s.waiting); i++ {
			p := s.waiting[i]
			if !s.depsDone(p.Info().ID) {
				continue
			}
			s.waiting = slices.Delete(s.waiting, i, i+1)
			i--
			again = true
			id := p.Info().ID
			s.left[id] = 0
			if s.stopped {
				continue
			}
			jobs := s.e.hostJobs(s.hr, []scanners.Probe{p})
			if len(jobs) == 0 {
				continue
			}
			s.e.progressUnits(0, len(jobs))
			if s.ctx.Err() != nil {
				// Cut: this probe's runs are recorded as interrupted and
				// nothing after them starts (finishHost reports the rest).
				for _, j := range jobs {
					s.hr.st.add(interruptedObs(j, s.e.now(), cutReason(s.ctx)))
				}
				s.e.progressUnits(len(jobs), 0)
				s.stopped = true
				continue
			}
			s.left[id] = len(jobs)
			for _, j := range jobs {
				s.wg.Add(1)
				go s.run(id, j)
			}
		}
	}
}

func (s *hostSched) depsDone(id string) bool {
	for _, d := range s.e.plan.deps[id] {
		if n, started := s.left[d]; !started || n > 0 {
			return false
		}
	}
	return true
}

func (s *hostSched) run(id string, j job) {
	defer s.wg.Done()
	obs, err := s.attempt(j)
	for attempt := 0; attempt < len(rateRetries) && err == nil && rateLimited(obs) && s.ctx.Err() == nil; attempt++ {
		s.backedOff.Store(true)
		s.e.log.Info("host defers us; slowing down and retrying later", "probe", id, "target", j.t.String(), "after", rateRetries[attempt])
		select {
		case <-time.After(rateRetries[attempt]):
		case <-s.ctx.Done():
		}
		obs, err = s.attempt(j)
	}
	for _, o := range obs {
		s.hr.st.add(o)
	}
	s.e.progressUnits(1, 0)
	if err != nil {
		s.e.fail(err)
	}
	s.mu.Lock()
	var ready []checks.Check
	if s.left[id]--; s.left[id] == 0 {
		s.launchReady()
		ready = s.readyChecks()
	}
	s.mu.Unlock()
	s.decide(ready)
}

// rateRetries are the waits before a deferred probe runs again: a host
// that answered 421 gets time instead of the next connection at once.
var rateRetries = []time.Duration{time.Second, 2 * time.Second}

// attempt runs one probe job in a slot of the host, alone once the host
// deferred us.
func (s *hostSched) attempt(j job) ([]scanners.Observation, error) {
	s.sem <- struct{}{}
	defer func() { <-s.sem }()
	if s.backedOff.Load() {
		s.serial.Lock()
		defer s.serial.Unlock()
	}
	return s.e.runProbe(s.ctx, s.env, j)
}

func rateLimited(obs []scanners.Observation) bool {
	return slices.ContainsFunc(obs, func(o scanners.Observation) bool { return o.Status == scanners.RateLimited })
}

// readyChecks takes out the undecided checks whose probes are all done
// for this host. A check reads only the observations of the probes it
// needs (evalChecks), so its verdict now is the one it would get when the
// host ends, and its findings can stream while slower probes of the host
// still run. After a cut nothing is decided early: finishHost decides the
// rest, with the reason. Called with s.mu held.
func (s *hostSched) readyChecks() []checks.Check {
	if s.ctx.Err() != nil || s.stopped {
		return nil
	}
	var ready []checks.Check
	s.undecided = slices.DeleteFunc(s.undecided, func(c checks.Check) bool {
		for _, n := range c.Info().Needs {
			if slices.Contains(discoveryProbes, n) {
				continue // discovery ended before the pipeline began
			}
			if left, started := s.left[n]; !started || left > 0 {
				return false
			}
		}
		ready = append(ready, c)
		return true
	})
	return ready
}

// decide evaluates checks on the host's observations so far and streams
// their findings; the host's unit record (resume) lists them when the
// host ends.
func (s *hostSched) decide(cs []checks.Check) {
	if len(cs) == 0 {
		return
	}
	fs := s.e.evalChecks(cs, s.hr.st.snapshot())
	ids := s.e.publish(unit{Host: s.hr.addr, partial: true, findings: fs})
	s.hr.mu.Lock()
	defer s.hr.mu.Unlock()
	if s.hr.decided == nil {
		s.hr.decided = map[string]bool{}
	}
	for _, c := range cs {
		s.hr.decided[c.Info().ID] = true
	}
	s.hr.early = append(s.hr.early, fs...)
	s.hr.earlyIDs = append(s.hr.earlyIDs, ids...)
}

// cutReason says why ctx ended, for observations and the report.
func cutReason(ctx context.Context) string {
	if errors.Is(context.Cause(ctx), errHostTimeout) {
		return errHostTimeout.Error()
	}
	return "the scan was interrupted before this probe ran"
}

// hostJobs lists one stage's probe runs against one host.
func (e *engine) hostJobs(hr *hostRun, stage []scanners.Probe) []job {
	var jobs []job
	for _, p := range stage {
		info := p.Info()
		switch info.Level {
		case scanners.LevelEndpoint:
			if info.ID == scanners.ProbeSvcIdent {
				for _, t := range hr.st.openEndpoints() {
					jobs = append(jobs, job{p, t})
				}
				continue
			}
			for _, s := range hr.st.services() {
				if s.svc.Wanted(info.Services) {
					jobs = append(jobs, job{p, s.t})
				}
			}
			// Open ports identification could not name still owe this
			// probe's checks a verdict (unidentified.go).
			jobs = append(jobs, e.owedJobs(p, hr.st.snapshot())...)
		case scanners.LevelHost:
			if t, live := hr.st.live(); live {
				jobs = append(jobs, job{p, t})
			}
		}
	}
	return jobs
}

// finishHost evaluates the per-host checks on the host's observations,
// streams its asset and findings, keeps what the cross-target checks need
// and forgets the rest. ctx is the host's context: when it ended early,
// the host is reported incomplete with what was done.
func (e *engine) finishHost(hr *hostRun, ctx context.Context) {
	obs := hr.st.snapshot()
	_, live := hr.st.live()
	cut := ctx.Err() != nil || interruptedDiscovery(obs)
	if !cut && silentAddrs(obs, func(a netip.Addr) bool { return e.named[a] })[hr.addr] {
		// Never answered, from a range: not a host (silent.go). Its
		// observations reach no check, and the stats count it.
		e.silent.Add(1)
		obs = nil
	}
	hr.mu.Lock()
	early, earlyIDs := hr.early, hr.earlyIDs
	rest := slices.DeleteFunc(slices.Clone(e.local), func(c checks.Check) bool { return hr.decided[c.Info().ID] })
	hr.mu.Unlock()
	fs := e.evalChecks(rest, obs)
	var inc *reports.IncompleteHost
	switch {
	case cut && (hr.st.answered() || e.named[hr.addr]):
		reason := cutReason(ctx)
		if ctx.Err() == nil || !errors.Is(context.Cause(ctx), errHostTimeout) {
			if r := discoveryCut(obs); r != "" {
				reason = r
			}
		}
		fs = append(fs, e.incompleteFindings(hr.addr, append(slices.Clone(early), fs...), reason)...)
		inc = &reports.IncompleteHost{Host: hr.addr.String(), Reason: reason, Done: doneSummary(obs)}
	case cut:
		// Nothing answered before the cut: counted as not scanned.
		e.mu.Lock()
		delete(e.hosts, hr.addr)
		e.mu.Unlock()
		return
	}
	retained := e.retainedOf(obs)
	for _, o := range retained {
		e.global.add(o)
	}
	asset := e.assetOf(hr.addr, obs)
	e.mu.Lock()
	delete(e.hosts, hr.addr)
	e.finished.add(hr.addr)
	e.mu.Unlock()
	e.publish(unit{Host: hr.addr, live: live, asset: asset, findings: fs, earlyIDs: earlyIDs, incomplete: inc, retained: retained})
}

// interruptedDiscovery reports whether discovery of the host was cut.
func interruptedDiscovery(obs []scanners.Observation) bool {
	return discoveryCut(obs) != ""
}

func discoveryCut(obs []scanners.Observation) string {
	for _, o := range obs {
		if _, ok := o.Data.(*scanners.PortState); ok && o.Target.Port == 0 && o.Status == scanners.Interrupted {
			return "discovery: " + o.Reason
		}
	}
	return ""
}

// doneSummary says in a few words what a cut host got through.
func doneSummary(obs []scanners.Observation) string {
	open, probes := 0, map[string]int{}
	for _, o := range obs {
		if ps, ok := o.Data.(*scanners.PortState); ok {
			if o.Target.Port != 0 && ps.State == "open" {
				open++
			}
			continue
		}
		if o.Status != scanners.Interrupted {
			probes[o.Probe]++
		}
	}
	s := fmt.Sprintf("%d open ports found", open)
	ids := make([]string, 0, len(probes))
	for id := range probes {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		s += fmt.Sprintf(", %s ×%d", id, probes[id])
	}
	return s
}

// incompleteFindings gives, for a host cut short, an error finding for
// every per-host check that decided nothing about it: the check could not
// see the host, so its verdict is "error", not an absence that reads like
// a pass. The count is bounded by the hosts in flight.
func (e *engine) incompleteFindings(a netip.Addr, have []checks.Finding, reason string) []checks.Finding {
	var out []checks.Finding
	for _, c := range e.local {
		info := c.Info()
		if slices.ContainsFunc(have, func(f checks.Finding) bool { return f.Check == info.ID }) {
			continue
		}
		f := checks.New(info, scanners.Target{Addr: a}, "interrupted").Decided(checks.Error)
		f.Detail = checks.T("このホストの検査は完了していません: "+reason,
			"this host was not fully probed: "+reason)
		f.At = e.now()
		out = append(out, f)
	}
	return out
}

// retained reports whether a host observation must outlive the host for a
// cross-target check (ipv6.parity pairs addresses, domain checks read the
// DNS and mail servers). Silent addresses leave nothing (finishHost drops
// their observations), so a mostly empty /16 keeps next to nothing.
func (e *engine) retained(o scanners.Observation) bool {
	return e.retain[o.Probe]
}

func (e *engine) retainedOf(obs []scanners.Observation) []scanners.Observation {
	var out []scanners.Observation
	for _, o := range obs {
		if e.retained(o) {
			out = append(out, o)
		}
	}
	return out
}

// runNames runs the domain probes (mail and DNS records) alongside the
// hosts, on the domains the user named.
func (e *engine) runNames(ctx context.Context) {
	env := e.env()
	for _, stage := range e.plan.stages {
		var jobs []job
		for _, p := range stage {
			if p.Info().Level != scanners.LevelName {
				continue
			}
			for _, n := range e.set.Names {
				if n.Domain && !n.Derived {
					jobs = append(jobs, job{p, scanners.Target{Name: n.Name}})
				}
			}
		}
		if len(jobs) == 0 {
			continue
		}
		e.progressUnits(0, len(jobs))
		var g errgroup.Group
		g.SetLimit(max(4, e.cfg.HostProbes))
		for _, j := range jobs {
			g.Go(func() error {
				if ctx.Err() != nil {
					e.global.add(interruptedObs(j, e.now(), cutReason(ctx)))
					e.progressUnits(1, 0)
					return nil
				}
				obs, err := e.runProbe(ctx, env, j)
				for _, o := range obs {
					e.global.add(o)
				}
				e.progressUnits(1, 0)
				if err != nil {
					e.fail(err)
				}
				return nil
			})
		}
		_ = g.Wait()
	}
}

// fail stops the scan for an error that makes it pointless (a probe that
// cannot run, a sink that cannot keep results).
func (e *engine) fail(err error) {
	e.failOnce.Do(func() {
		e.failErr = err
		e.cancel(err)
	})
}

// prior routes Env.Prior to the store that holds the target's
// observations: its host's while the host is in flight, else the global one.
func (e *engine) prior(probeID string, t scanners.Target) []scanners.Observation {
	if t.Addr.IsValid() {
		e.mu.Lock()
		hr := e.hosts[t.Addr]
		e.mu.Unlock()
		if hr != nil {
			return hr.st.prior(probeID, t)
		}
	}
	return e.global.prior(probeID, t)
}

// unit is one finished piece of work: a host (or, with Host invalid, the
// scan-wide checks at the end).
type unit struct {
	Host netip.Addr
	// partial: findings of a host still in flight (hostSched.decide),
	// not the host's end; earlyIDs are those findings' IDs, in the
	// host's final unit.
	partial    bool
	earlyIDs   []string
	live       bool
	asset      *reports.Asset
	findings   []checks.Finding
	incomplete *reports.IncompleteHost
	retained   []scanners.Observation
}

// results is what the final report is assembled from: everything that
// was streamed.
type results struct {
	mu         sync.Mutex
	findings   []reports.Finding
	assets     []reports.Asset
	alive      int
	incomplete []reports.IncompleteHost
	bySeverity map[string]int
}

// publish records a finished unit and streams it to the sinks: findings
// first, then the asset, then (for resume) the unit record, so a unit is
// only ever marked done after its findings are kept.
func (e *engine) publish(u unit) (ids []string) {
	rfs := make([]reports.Finding, 0, len(u.findings))
	for _, f := range u.findings {
		rfs = append(rfs, e.toReport(f))
	}
	return e.publishReport(u, rfs)
}

// publishReport is publish for findings already in report form (those a
// distributed worker sent).
func (e *engine) publishReport(u unit, rfs []reports.Finding) (ids []string) {
	e.res.mu.Lock()
	e.res.findings = append(e.res.findings, rfs...)
	if u.asset != nil {
		e.res.assets = append(e.res.assets, *u.asset)
	}
	if u.live {
		e.res.alive++
	}
	if u.incomplete != nil {
		e.res.incomplete = append(e.res.incomplete, *u.incomplete)
	}
	for _, f := range rfs {
		if f.Status == "fail" || f.Status == "warn" {
			e.res.bySeverity[f.Severity]++
		} else {
			e.res.bySeverity[f.Status]++
		}
	}
	e.res.mu.Unlock()
	if u.Host.IsValid() {
		if !u.partial {
			e.hostsDone.Add(1)
		}
		e.progressUnits(0, 0) // live counts by severity
	}
	ids = make([]string, len(rfs))
	for i, f := range rfs {
		ids[i] = f.ID
	}
	ctx := context.WithoutCancel(e.scanCtx)
	e.sinkMu.Lock()
	defer e.sinkMu.Unlock()
	for _, s := range e.cfg.Sinks {
		if len(rfs) > 0 {
			if err := s.Findings(ctx, rfs); err != nil {
				e.fail(fmt.Errorf("engine: sink: %w", err))
				return ids
			}
		}
		if u.asset != nil {
			if err := s.Assets(ctx, []reports.Asset{*u.asset}); err != nil {
				e.fail(fmt.Errorf("engine: sink: %w", err))
				return ids
			}
		}
		if us, ok := s.(UnitSink); ok && u.Host.IsValid() && !u.partial && u.incomplete == nil {
			all := append(slices.Clone(u.earlyIDs), ids...)
			if err := us.UnitDone(ctx, Unit{Host: u.Host.String(), Alive: u.live, FindingIDs: all, Observations: u.retained}); err != nil {
				e.fail(fmt.Errorf("engine: sink: %w", err))
				return ids
			}
		}
	}
	return ids
}
