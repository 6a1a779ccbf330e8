package engine

import (
	"cmp"
	"slices"
	"sync"

	"shindan/scanners"
)

// store holds observations: one per host in flight, one for the
// observations without an address (domains, the segment) and those the
// cross-target checks keep. It is safe for concurrent use.
type store struct {
	mu  sync.Mutex
	obs []scanners.Observation
}

func (s *store) add(o scanners.Observation) {
	s.mu.Lock()
	s.obs = append(s.obs, o)
	s.mu.Unlock()
}

func (s *store) snapshot() []scanners.Observation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.obs)
}

// prior implements Env.Prior: earlier observations of a probe for the same
// host (and the same port when t names one).
func (s *store) prior(probeID string, t scanners.Target) []scanners.Observation {
	var out []scanners.Observation
	for _, o := range s.snapshot() {
		if o.Probe != probeID || o.Target.Addr != t.Addr || (!t.Addr.IsValid() && o.Target.Name != t.Name) {
			continue
		}
		if t.Port != 0 && (o.Target.Port != t.Port || (t.Proto != "" && o.Target.Proto != t.Proto)) {
			continue
		}
		out = append(out, o)
	}
	return out
}

// openEndpoints lists the TCP ports discovery found open.
func (s *store) openEndpoints() []scanners.Target {
	var out []scanners.Target
	for _, o := range s.snapshot() {
		ps, ok := o.Data.(*scanners.PortState)
		if ok && o.Probe == scanners.ProbePortTCP && o.Target.Port != 0 && ps.State == "open" {
			out = append(out, o.Target)
		}
	}
	slices.SortFunc(out, compareTargets)
	return slices.CompactFunc(out, func(a, b scanners.Target) bool { return compareTargets(a, b) == 0 })
}

type endpointService struct {
	t   scanners.Target
	svc *scanners.Service
}

// services lists identified endpoints.
func (s *store) services() []endpointService {
	var out []endpointService
	for _, o := range s.snapshot() {
		if sv, ok := o.Data.(*scanners.Service); ok && o.Probe == scanners.ProbeSvcIdent && o.Status == scanners.OK {
			out = append(out, endpointService{o.Target, sv})
		}
	}
	slices.SortFunc(out, func(a, b endpointService) int { return compareTargets(a.t, b.t) })
	return out
}

// live reports whether the host answered discovery (any open port, or a
// summary saying "up"), and the host target (with its name) probes get.
func (s *store) live() (scanners.Target, bool) {
	for _, o := range s.snapshot() {
		ps, ok := o.Data.(*scanners.PortState)
		if !ok || (o.Probe != scanners.ProbePortTCP && o.Probe != scanners.ProbePortUDP) {
			continue
		}
		if ps.State == "open" || ps.State == "up" {
			t := o.Target
			t.Port, t.Proto = 0, ""
			return t, true
		}
	}
	return scanners.Target{}, false
}

// answered reports whether anything of the host answered at all (an open
// or closed port): such a host, when cut short, is reported incomplete;
// a silent one is only counted as not scanned.
func (s *store) answered() bool {
	for _, o := range s.snapshot() {
		ps, ok := o.Data.(*scanners.PortState)
		if !ok {
			continue
		}
		if o.Target.Port != 0 || ps.State == "up" {
			return true
		}
	}
	return false
}

func compareTargets(a, b scanners.Target) int {
	return cmp.Or(a.Addr.Compare(b.Addr), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.Port, b.Port))
}
