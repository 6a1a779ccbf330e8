package engine

import (
	"cmp"
	"fmt"
	"runtime/debug"
	"slices"
	"time"

	"shindan/checks"
	"shindan/scanners"
)

// crossTarget names checks that relate several targets of one kind: they
// wait for the end of the scan even though they read host observations.
// (Checks that read domain or segment observations wait anyway.)
var crossTarget = map[string]bool{
	// Pairs the IPv4 and IPv6 addresses of a name: one host is half a pair.
	"ipv6.parity": true,
}

// splitChecks sorts the selected checks into per-host ones, evaluated as
// each host's pipeline ends, and cross-target ones, evaluated at the end
// over the domain and segment observations and what the hosts kept for
// them. A check is per-host when every probe it needs runs on a host or
// its endpoints and it does not pair targets.
func (e *engine) splitChecks() {
	e.retain = map[string]bool{}
	for _, c := range e.cfg.Checks {
		info := c.Info()
		local := !crossTarget[info.ID]
		for _, n := range info.Needs {
			if n == scanners.ProbeNDPSegment {
				local = false
				continue
			}
			if n == scanners.ProbePortTCP || n == scanners.ProbePortUDP {
				continue
			}
			if p, ok := e.reg.Probe(n); ok && p.Info().Level == scanners.LevelName {
				local = false
			}
		}
		if local {
			e.local = append(e.local, c)
			continue
		}
		e.cross = append(e.cross, c)
		for _, n := range info.Needs {
			e.retain[n] = true
		}
	}
	e.hostsOnly()
}

// evalChecks runs checks over observations (one host's, or the global
// ones). A panicking check yields an error finding, never silence.
func (e *engine) evalChecks(cs []checks.Check, obs []scanners.Observation) []checks.Finding {
	if len(cs) == 0 {
		return nil
	}
	slices.SortStableFunc(obs, func(a, b scanners.Observation) int {
		return cmp.Or(compareTargets(a.Target, b.Target), a.At.Compare(b.At))
	})
	now := e.now()
	var out []checks.Finding
	for _, c := range cs {
		info := c.Info()
		in := &checks.Input{Policy: e.policy, Now: now}
		for _, o := range obs {
			if slices.Contains(info.Needs, o.Probe) {
				in.Obs = append(in.Obs, o)
			}
		}
		began := time.Now()
		fs := e.safeEvaluate(c, in)
		e.timings.add("check", info.ID, time.Since(began))
		for j := range fs {
			f := &fs[j]
			if f.Check == "" {
				f.Check = info.ID
			}
			if f.Status == checks.Fail || f.Status == checks.Warn {
				f.Severity = e.policy.SeverityFor(f.Check, f.Severity)
			}
			if f.At.IsZero() {
				f.At = now
			}
		}
		out = append(out, fs...)
	}
	return out
}

func (e *engine) safeEvaluate(c checks.Check, in *checks.Input) (fs []checks.Finding) {
	info := c.Info()
	defer func() {
		if r := recover(); r != nil {
			e.log.Error("check panicked", "check", info.ID, "panic", r, "stack", string(debug.Stack()))
			f := checks.New(info, scanners.Target{Name: "scan"}, "internal-error").Decided(checks.Error)
			f.Detail = checks.T(fmt.Sprintf("チェックの内部エラー: %v", r), fmt.Sprintf("internal error in the check: %v", r))
			fs = []checks.Finding{f}
		}
	}()
	return c.Evaluate(in)
}
