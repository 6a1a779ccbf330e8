package engine

import (
	"context"
	"net/netip"

	"shindan/internal/targets"
	"shindan/scanners"
	"shindan/scanners/portscan"
)

// sweepEndpoints runs discovery for the hosts that only URL targets
// brought in, on their URL ports alone: a URL names one endpoint, not the
// profile's ports of its host. They are named hosts, so no liveness check.
func (e *engine) sweepEndpoints(ctx context.Context, env *scanners.Env, emit func(scanners.Observation)) error {
	for h := range e.set.Hosts() {
		if !h.OnlyPorts || ctx.Err() != nil {
			continue
		}
		c := &portscan.Connect{Ports: h.Ports, PerHost: e.cfg.Concurrency, Hosts: 1,
			Timeout: e.cfg.ConnectTimeout, Retries: e.cfg.Retries, NoPing: true,
			Ping: func(netip.Addr) bool { return false }}
		if err := c.Sweep(ctx, env, one(h), emit); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// one is the target sequence of a single host.
func one(h targets.Host) func(func(scanners.Target) bool) {
	return func(yield func(scanners.Target) bool) {
		t := scanners.Target{Addr: h.Addr}
		if len(h.Names) > 0 {
			t.Name = h.Names[0]
		}
		yield(t)
	}
}
