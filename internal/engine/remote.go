package engine

import (
	"context"
	"net/netip"
	"sync"

	"shindan/internal/targets"
	"shindan/reports"
	"shindan/scanners"
)

// Dist configures one side of a distributed scan (shindan scan --nats on
// the coordinator, shindan worker on the workers). The coordinator hands
// its hosts to a Remote instead of discovering them, and feeds what comes
// back through the same publish path as its own hosts, so the domains,
// the cross-target checks and the report are a local scan's code. A
// worker runs a preset host list under the scan's scope and leaves the
// cross-target checks, the domains and the segment to the coordinator.
type Dist struct {
	// Remote (coordinator) scans the hosts elsewhere.
	Remote Remote
	// Set (worker) replaces target expansion: the unit's hosts, with the
	// scan's scope guard (targets.ScopeSet).
	Set *targets.Set
	// HostsOnly (worker) evaluates the per-host checks only; the
	// observations the cross-target checks need still reach UnitDone.
	HostsOnly bool
	// Vantage is stamped on every finding this engine decides; "" on a
	// local scan, whose vantage is the scan's.
	Vantage string
}

// Remote runs a scan's hosts elsewhere (internal/dist).
type Remote interface {
	// Scan runs the hosts of set and returns when every host is
	// delivered or ctx ends (then with what was delivered; the hosts
	// never delivered count as not scanned). It calls h.Planned with the
	// number of work units, and h.Deliver once per finished unit, possibly
	// from several goroutines.
	Scan(ctx context.Context, set *targets.Set, h RemoteHooks) (*reports.Distributed, error)
}

// RemoteHooks are the engine's side of a Remote.
type RemoteHooks struct {
	// Skip reports hosts already finished (--resume): not sent again.
	Skip    func(netip.Addr) bool
	Planned func(units int)
	Deliver func(RemoteUnit)
}

// RemoteUnit is what one work unit left: its hosts and its counters.
type RemoteUnit struct {
	Hosts []RemoteHost `json:"hosts,omitempty"`
	// Refused are hosts of the unit the worker refused, with why (its
	// scope guard found them outside the scan's scope).
	Refused    []RemoteRefusal `json:"refused,omitempty"`
	Silent     int             `json:"silent,omitempty"`
	ProbesSent int64           `json:"probes_sent,omitempty"`
	// OutOfScope are addresses the worker's probes learned (MX, redirects)
	// and its guard refused, as a local scan lists them.
	OutOfScope []netip.Addr     `json:"out_of_scope,omitempty"`
	Timings    []reports.Timing `json:"timings,omitempty"`
}

// RemoteHost is one host finished (or cut) elsewhere.
type RemoteHost struct {
	Host     netip.Addr        `json:"host"`
	Alive    bool              `json:"alive,omitempty"`
	Findings []reports.Finding `json:"findings,omitempty"`
	Asset    *reports.Asset    `json:"asset,omitempty"`
	// Observations are those the cross-target checks need.
	Observations []scanners.Observation  `json:"observations,omitempty"`
	Incomplete   *reports.IncompleteHost `json:"incomplete,omitempty"`
}

// RemoteRefusal is a host a worker would not scan.
type RemoteRefusal struct {
	Host   netip.Addr `json:"host"`
	Reason string     `json:"reason"`
}

type distState struct {
	vantage string
	mu      sync.Mutex
	summary *reports.Distributed
}

// KnownNames lists the resolved names of set that dns.server may use to
// prove open recursion (Settings.DNS.KnownNames): a coordinator ships
// them to workers, whose sets carry no names.
func KnownNames(set *targets.Set) []scanners.KnownName { return knownNames(set) }

// LocalVantage names this machine as a vantage: host name and source
// addresses.
func LocalVantage() string { return vantage() }

func (e *engine) buildSet(ctx context.Context) (*targets.Set, error) {
	if e.cfg.Dist.Set != nil {
		return e.cfg.Dist.Set, nil
	}
	return targets.Build(ctx, e.cfg.Targets, e.cfg.Excludes, targets.Options{MaxHosts: e.cfg.MaxHosts, Resolver: e.cfg.Resolver})
}

// hostsOnly drops the cross-target checks and the segment sweep on a
// worker (after splitChecks chose what to retain for them).
func (e *engine) hostsOnly() {
	e.dist.vantage = e.cfg.Dist.Vantage
	if !e.cfg.Dist.HostsOnly {
		return
	}
	e.cross = nil
	e.plan.needsSegment = false
}

// remote replaces discovery on the coordinator of a distributed scan.
func (e *engine) remote(ctx context.Context) error {
	if e.dist.vantage == "" {
		// The coordinator's own findings (domains, cross-target checks)
		// are observed from here.
		e.dist.vantage = vantage()
	}
	sum, err := e.cfg.Dist.Remote.Scan(ctx, e.set, RemoteHooks{
		Skip:    e.isFinished,
		Planned: func(n int) { e.progressUnits(0, n) },
		Deliver: e.deliverRemote,
	})
	e.dist.mu.Lock()
	e.dist.summary = sum
	e.dist.mu.Unlock()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func (e *engine) distributed() *reports.Distributed {
	e.dist.mu.Lock()
	defer e.dist.mu.Unlock()
	return e.dist.summary
}

// deliverRemote takes one unit's results as finishHost takes a local
// host's: a host already finished (a unit that ran twice) counts once,
// and an address outside this scan's scope is never taken.
func (e *engine) deliverRemote(u RemoteUnit) {
	for _, h := range u.Hosts {
		if !e.take(h.Host) {
			continue
		}
		var kept []scanners.Observation
		for _, o := range h.Observations {
			if e.retained(o) {
				e.global.add(o)
				kept = append(kept, o)
			}
		}
		if h.Incomplete != nil && len(h.Findings) == 0 {
			// Cut before its checks ran (a unit no worker finished): each
			// per-host check owes an error, as for a local cut host.
			fs := e.incompleteFindings(h.Host, nil, h.Incomplete.Reason)
			e.publish(unit{Host: h.Host, live: h.Alive, asset: h.Asset, findings: fs, incomplete: h.Incomplete, retained: kept})
			continue
		}
		e.publishReport(unit{Host: h.Host, live: h.Alive, asset: h.Asset, incomplete: h.Incomplete, retained: kept}, h.Findings)
	}
	for _, r := range u.Refused {
		if !e.take(r.Host) {
			continue
		}
		reason := "refused by the worker: " + r.Reason
		fs := e.incompleteFindings(r.Host, nil, reason)
		e.publish(unit{Host: r.Host, findings: fs, incomplete: &reports.IncompleteHost{Host: r.Host.String(), Reason: reason}})
	}
	e.silent.Add(int64(u.Silent))
	e.guard.AddSent(u.ProbesSent)
	for _, a := range u.OutOfScope {
		e.guard.Permit(a) // records it as refused when outside this scope
	}
	for _, t := range u.Timings {
		e.timings.merge(t)
	}
	e.progressUnits(1, 0)
}

// take marks a remote host finished; false when it already was or is not
// a host of this scan.
func (e *engine) take(a netip.Addr) bool {
	if !a.IsValid() || !e.set.Allow(a) {
		e.log.Warn("distributed result for an address outside the scan; ignored", "host", a.String())
		return false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.finished.has(a) {
		return false
	}
	e.finished.add(a)
	return true
}

func (t *timings) merge(r reports.Timing) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[[2]string]*reports.Timing{}
	}
	k := [2]string{r.Kind, r.ID}
	x := t.m[k]
	if x == nil {
		x = &reports.Timing{Kind: r.Kind, ID: r.ID}
		t.m[k] = x
	}
	x.Runs += r.Runs
	x.TotalMS += r.TotalMS
	x.MaxMS = max(x.MaxMS, r.MaxMS)
}
