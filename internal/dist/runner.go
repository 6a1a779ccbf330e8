package dist

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"

	"shindan/checks"
	"shindan/internal/engine"
	"shindan/internal/scope"
	"shindan/internal/targets"
	"shindan/reports"
	"shindan/scanners/portscan"

	"golang.org/x/time/rate"
)

// runUnit runs one unit on the local engine, with the scan's scope and
// the worker's rate limits, and returns its result (without worker
// fields). Hosts outside the scan's scope are refused, never probed.
func runUnit(ctx context.Context, sc *ScanConfig, u *Unit, o runOpts) (engine.RemoteUnit, string, error) {
	scope, err := u.scopeOf(sc)
	if err != nil {
		return engine.RemoteUnit{}, "", err
	}
	scopeSet, err := targets.ScopeSet(scope, nil)
	if err != nil {
		return engine.RemoteUnit{}, "", err
	}
	var out engine.RemoteUnit
	var hosts []targets.Host
	for _, h := range u.Hosts {
		if !scopeSet.Allow(h.Addr) {
			reason := h.Addr.String() + " is outside the scan's scope (its targets minus its exclusions); not probed"
			if scopeSet.Excluded(h.Addr) {
				reason = h.Addr.String() + " is excluded from the scan; not probed"
			}
			out.Refused = append(out.Refused, engine.RemoteRefusal{Host: h.Addr, Reason: reason})
			continue
		}
		hosts = append(hosts, h)
	}
	if len(hosts) == 0 {
		return out, "", nil
	}
	set, err := targets.ScopeSet(scope, hosts)
	if err != nil {
		return out, "", err
	}
	cfg, err := sc.engineConfig(set, o)
	if err != nil {
		return out, "", err
	}
	col := &collector{pending: map[string][]reports.Finding{}, assets: map[string]*reports.Asset{}}
	cfg.Sinks = []engine.Sink{col}
	r, err := engine.Run(ctx, cfg)
	if err != nil {
		return out, "", err
	}
	out.Hosts = col.hosts(r)
	out.Silent = r.Scan.Stats.HostsSilent
	out.ProbesSent = r.Scan.Stats.ProbesSent
	out.Timings = r.Scan.Timings
	for _, x := range r.Scan.Excluded {
		if a, ok := strings.CutSuffix(x, ": outside the scan scope, not probed"); ok {
			if addr, err := netip.ParseAddr(a); err == nil {
				out.OutOfScope = append(out.OutOfScope, addr)
			}
		}
	}
	return out, r.Scan.InterruptedReason, nil
}

// runOpts are the worker's own settings for a unit.
type runOpts struct {
	limiter *rate.Limiter // the worker's own --rate, shared by its units; nil = none
	lease   func(ctx context.Context, n int) error
	vantage string
	log     *slog.Logger
}

// engineConfig rebuilds the coordinator's engine configuration for a
// worker's share of the scan.
func (sc *ScanConfig) engineConfig(set *targets.Set, o runOpts) (engine.Config, error) {
	cfg := engine.Config{
		Profile: sc.Profile, Concurrency: sc.Concurrency, HostProbes: sc.HostProbes,
		Hosts: sc.Hosts, Timeout: sc.Timeout, ConnectTimeout: sc.ConnectTimeout, NoPing: sc.NoPing,
		Retries: sc.Retries, Settings: sc.Settings, ScanType: sc.ScanType, HostTimeout: sc.HostTimeout,
		ScanID: sc.Scan, ToolVersion: sc.ToolVersion, Log: o.log,
		Dist: engine.Dist{Set: set, HostsOnly: true, Vantage: o.vantage},
	}
	for h := range set.Hosts() {
		cfg.Targets = append(cfg.Targets, targets.Spec{Raw: h.Addr.String(), Kind: targets.KindAddr, Addr: h.Addr})
	}
	var err error
	if cfg.Checks, err = checks.Default.Select(strings.Join(sc.Checks, ",")); err != nil {
		return cfg, fmt.Errorf("dist: checks: %w", err)
	}
	if len(cfg.Checks) != len(sc.Checks) {
		return cfg, fmt.Errorf("dist: this worker has %d of the scan's %d checks (another build?)", len(cfg.Checks), len(sc.Checks))
	}
	if cfg.Ports, err = portscan.ParseSpec(sc.Ports); err != nil {
		return cfg, fmt.Errorf("dist: ports: %w", err)
	}
	if len(sc.Policy) > 0 {
		if cfg.Policy, err = checks.ParsePolicy(sc.PolicyName, sc.Policy); err != nil {
			return cfg, fmt.Errorf("dist: %w", err)
		}
	}
	if len(sc.CAPEM) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(sc.CAPEM) {
			return cfg, errors.New("dist: the scan's CA certificates do not parse")
		}
		cfg.Settings.RootCAs = pool
	}
	cfg.Guard = func(g *scope.Guard) { g.Limiter, g.Lease = o.limiter, o.lease }
	return cfg, nil
}

// collector is the worker's sink: it gathers each host's findings, asset
// and retained observations as the engine streams them, so a unit's
// result has a host's results as a local scan's host has them.
type collector struct {
	mu      sync.Mutex
	pending map[string][]reports.Finding // by host, until UnitDone or End
	assets  map[string]*reports.Asset
	done    []engine.RemoteHost
}

func (c *collector) Begin(context.Context, reports.Scan) error { return nil }

func (c *collector) Assets(_ context.Context, as []reports.Asset) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range as {
		a := as[i]
		c.assets[a.Host] = &a
	}
	return nil
}

func (c *collector) Findings(_ context.Context, fs []reports.Finding) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range fs {
		c.pending[f.Host] = append(c.pending[f.Host], f)
	}
	return nil
}

func (c *collector) UnitDone(_ context.Context, u engine.Unit) error {
	a, err := netip.ParseAddr(u.Host)
	if err != nil {
		return fmt.Errorf("dist: unit host %q: %w", u.Host, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	h := engine.RemoteHost{Host: a, Alive: u.Alive, Observations: u.Observations, Asset: c.assets[u.Host]}
	keep := map[string]bool{}
	for _, id := range u.FindingIDs {
		keep[id] = true
	}
	var rest []reports.Finding
	for _, f := range c.pending[u.Host] {
		if keep[f.ID] {
			h.Findings = append(h.Findings, f)
		} else {
			rest = append(rest, f)
		}
	}
	c.pending[u.Host] = rest
	delete(c.assets, u.Host)
	c.done = append(c.done, h)
	return nil
}

func (c *collector) End(context.Context, *reports.Report) error { return nil }

// hosts returns the finished hosts and, from the report, the cut ones
// with the findings streamed for them.
func (c *collector) hosts(r *reports.Report) []engine.RemoteHost {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.done
	for _, inc := range r.Scan.Incomplete {
		a, err := netip.ParseAddr(inc.Host)
		if err != nil {
			continue
		}
		inc := inc
		out = append(out, engine.RemoteHost{Host: a, Findings: c.pending[inc.Host], Asset: c.assets[inc.Host], Incomplete: &inc, Alive: c.assets[inc.Host] != nil})
	}
	return out
}
