package engine

import (
	"fmt"
	"slices"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

// plan is the set of probes a scan runs, in stages: every probe runs after
// the probes it depends on (ProbeInfo.After, and identification before any
// endpoint probe).
type plan struct {
	needsPorts   bool
	needsSegment bool
	stages       [][]scanners.Probe
	// deps are, per probe ID, the planned probes it runs after: a host
	// starts a probe as soon as these are done for it, not when a whole
	// stage is (a slow probe holds back only what needs its results).
	deps map[string][]string
}

// discoveryProbes are produced by sweepers, not by registered probes.
var discoveryProbes = []string{scanners.ProbePortTCP, scanners.ProbePortUDP, scanners.ProbeNDPSegment}

func makePlan(reg *scanners.Registry, cs []checks.Check) (plan, error) {
	var p plan
	want := map[string]scanners.Probe{}
	var add func(id, by string) error
	add = func(id, by string) error {
		if id == scanners.ProbeNDPSegment {
			p.needsSegment = true
			return nil
		}
		if slices.Contains(discoveryProbes, id) {
			p.needsPorts = true
			return nil
		}
		if _, ok := want[id]; ok {
			return nil
		}
		pr, ok := reg.Probe(id)
		if !ok {
			return fmt.Errorf("engine: %s needs probe %q, which this build does not have", by, id)
		}
		want[id] = pr
		info := pr.Info()
		if info.Level != scanners.LevelName {
			p.needsPorts = true
		}
		deps := slices.Clone(info.After)
		if info.Level == scanners.LevelEndpoint && id != scanners.ProbeSvcIdent {
			deps = append(deps, scanners.ProbeSvcIdent)
		}
		for _, d := range deps {
			if err := add(d, "probe "+id); err != nil {
				return err
			}
		}
		return nil
	}
	for _, c := range cs {
		for _, n := range c.Info().Needs {
			if err := add(n, "check "+c.Info().ID); err != nil {
				return p, err
			}
		}
	}
	// Kahn's algorithm over the dependency edges, a stage at a time.
	depth := map[string]int{}
	p.deps = map[string][]string{}
	var depthOf func(id string, seen []string) (int, error)
	depthOf = func(id string, seen []string) (int, error) {
		if d, ok := depth[id]; ok {
			return d, nil
		}
		if slices.Contains(seen, id) {
			return 0, fmt.Errorf("engine: probe dependency cycle: %s", strings.Join(append(seen, id), " → "))
		}
		info := want[id].Info()
		deps := slices.Clone(info.After)
		if info.Level == scanners.LevelEndpoint && id != scanners.ProbeSvcIdent {
			deps = append(deps, scanners.ProbeSvcIdent)
		}
		d := 0
		for _, dep := range deps {
			if slices.Contains(discoveryProbes, dep) {
				continue
			}
			dd, err := depthOf(dep, append(seen, id))
			if err != nil {
				return 0, err
			}
			d = max(d, dd+1)
			if !slices.Contains(p.deps[id], dep) {
				p.deps[id] = append(p.deps[id], dep)
			}
		}
		depth[id] = d
		return d, nil
	}
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		d, err := depthOf(id, nil)
		if err != nil {
			return p, err
		}
		for len(p.stages) <= d {
			p.stages = append(p.stages, nil)
		}
		p.stages[d] = append(p.stages[d], want[id])
	}
	p.orderHosts()
	return p, nil
}

// hostOrder are orderings between probes of one host that no data
// dependency asks for but the targets' ICMP rate limits do: the
// reflector's burst to a dozen UDP ports spends the host's budget of port
// unreachables (Linux: a burst of 6, then 1/s), so a dns.udp query sent
// meanwhile meets silence instead of a refusal and waits its whole
// timeout. Run after the reflector's window, it is refused at once.
var hostOrder = map[string][]string{scanners.ProbeDNSUDP: {scanners.ProbeSvcReflector}}

// orderHosts adds hostOrder to deps where both probes are planned (a
// dependency on an unplanned probe would never be met).
func (p *plan) orderHosts() {
	planned := map[string]bool{}
	for _, s := range p.stages {
		for _, pr := range s {
			planned[pr.Info().ID] = true
		}
	}
	for id, after := range hostOrder {
		for _, a := range after {
			if planned[id] && planned[a] && !slices.Contains(p.deps[id], a) {
				p.deps[id] = append(p.deps[id], a)
			}
		}
	}
}

func (p plan) probeIDs() []string {
	var ids []string
	for _, s := range p.stages {
		for _, pr := range s {
			ids = append(ids, pr.Info().ID)
		}
	}
	return ids
}
