package engine

import (
	"cmp"
	"fmt"
	"net/netip"
	"runtime/debug"
	"slices"

	"shindan/checks"
	"shindan/scanners"
)

// evaluate runs every selected check over the observations it needs. A
// panicking check yields an error finding, never silence.
func (e *engine) evaluate(interrupted bool) []checks.Finding {
	all := e.store.snapshot()
	slices.SortStableFunc(all, func(a, b scanners.Observation) int {
		return cmp.Or(compareTargets(a.Target, b.Target), a.At.Compare(b.At))
	})
	now := e.now()
	silent := silentAddrs(all, e.namedSet())
	e.silent = len(silent)
	var out []checks.Finding
	for i, c := range e.cfg.Checks {
		info := c.Info()
		in := &checks.Input{Policy: e.policy, Now: now}
		for _, o := range all {
			if slices.Contains(info.Needs, o.Probe) && !silent[o.Target.Addr] {
				in.Obs = append(in.Obs, o)
			}
		}
		fs := e.safeEvaluate(c, in)
		if interrupted {
			fs = append(fs, e.interruptedFindings(info)...)
		}
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
		e.progress("checks", i+1, len(e.cfg.Checks))
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

// interruptedFindings marks, for one check, every host whose discovery did
// not finish: the check could not see it, so its verdict is "error", not
// an absent finding that reads like a pass. Name-level probes that never
// ran already left Interrupted observations, which checks turn into errors.
func (e *engine) interruptedFindings(info checks.Info) []checks.Finding {
	if !e.plan.needsPorts {
		return nil
	}
	finished := map[netip.Addr]bool{}
	for _, o := range e.store.snapshot() {
		if _, ok := o.Data.(*scanners.PortState); ok && o.Target.Port == 0 && o.Status != scanners.Interrupted {
			finished[o.Target.Addr] = true
		}
	}
	var out []checks.Finding
	for _, h := range e.set.Hosts {
		if finished[h.Addr] {
			continue
		}
		f := checks.New(info, scanners.Target{Addr: h.Addr}, "interrupted").Decided(checks.Error)
		f.Detail = checks.T("スキャンが中断されたため、このホストは検査を完了していません。",
			"the scan was interrupted before this host was fully probed")
		out = append(out, f)
	}
	return out
}
