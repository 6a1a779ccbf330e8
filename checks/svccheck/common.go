// Package svccheck holds the service checks: service.exposed,
// service.cleartext-admin, service.database and time.skew (checks.md,
// "Services"). They read port discovery (port.tcp, port.udp) and the
// svcscan probes (svc.ident, svc.dbauth); they do no I/O.
package svccheck

import (
	"fmt"
	"slices"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

// endpoint keys observations by host and port.
type endpoint struct {
	host  string
	proto scanners.Proto
	port  uint16
}

// keyOf is the endpoint of a target. An empty Proto is TCP, the default
// of scanners.Target, so a port.tcp and a svc.ident observation of the
// same port meet under one key whichever way they spell it.
func keyOf(t scanners.Target) endpoint {
	p := t.Proto
	if p == "" {
		p = scanners.TCP
	}
	return endpoint{t.Host(), p, t.Port}
}

// subject is the finding subject for an endpoint: "tcp/6379".
func subject(proto scanners.Proto, port uint16) string {
	if proto == "" {
		proto = scanners.TCP
	}
	return fmt.Sprintf("%s/%d", proto, port)
}

// identified maps endpoints to their svc.ident observation (the last one).
func identified(in *checks.Input) map[endpoint]scanners.Observation {
	out := map[endpoint]scanners.Observation{}
	for _, o := range in.ByProbe(scanners.ProbeSvcIdent) {
		out[keyOf(o.Target)] = o
	}
	return out
}

// serviceOf returns the Service payload of an OK observation.
func serviceOf(o scanners.Observation) (*scanners.Service, bool) {
	if o.Status != scanners.OK {
		return nil, false
	}
	s, ok := o.Data.(*scanners.Service)
	return s, ok
}

// describe names a service for a detail text: "redis (Redis 7.0.15)".
func describe(s *scanners.Service) string {
	if s == nil || s.Name == "" {
		return "?"
	}
	pv := strings.TrimSpace(s.Product + " " + s.Version)
	name := s.Name
	if s.TLS {
		name += "+tls"
	}
	if pv == "" {
		return name
	}
	return name + " (" + pv + ")"
}

// evidenceOf collects the evidence of observations, skipping empties.
func evidenceOf(obs ...scanners.Observation) []scanners.Evidence {
	var ev []scanners.Evidence
	for _, o := range obs {
		ev = append(ev, o.Evidence...)
	}
	return slices.Clip(ev)
}

// hostSummary is one host's TCP discovery summary (port.tcp, Port 0).
type hostSummary struct {
	t        scanners.Target
	answered bool   // something answered (an open or closed port)
	covered  string // the ports discovery tried (PortState.Covered)
}

// summaries maps hosts to their TCP discovery summary.
func summaries(in *checks.Input) map[string]hostSummary {
	out := map[string]hostSummary{}
	for _, o := range in.ByProbe(scanners.ProbePortTCP) {
		ps, ok := o.Data.(*scanners.PortState)
		if o.Target.Port != 0 || !ok || ps.Proto == scanners.UDP {
			continue
		}
		out[o.Target.Host()] = hostSummary{
			t:        scanners.Target{Addr: o.Target.Addr, Name: o.Target.Name},
			answered: o.Status == scanners.OK && ps.State == "up", covered: ps.Covered,
		}
	}
	return out
}

// coverage says which of the ports a check is about discovery tried on a
// host, so that a pass claims only what was probed: "scanned 21, 22, 23;
// not scanned, so not tested: 5900".
func coverage(s hostSummary, about []uint16) checks.Text {
	if s.covered == "" {
		return checks.T("（探索したポートの一覧がないため、対象ポートを網羅したかは不明です）",
			"(the list of scanned ports is not known, so coverage of these ports is not shown)")
	}
	var in, out []string
	for _, p := range about {
		if scanners.PortsContain(s.covered, p) {
			in = append(in, fmt.Sprint(p))
		} else {
			out = append(out, fmt.Sprint(p))
		}
	}
	switch {
	case len(out) == 0:
		return checks.T("（対象ポート "+strings.Join(in, ", ")+" をすべて探索しました）",
			"(all of ports "+strings.Join(in, ", ")+" were scanned)")
	case len(in) == 0:
		return checks.T("（対象ポート "+strings.Join(out, ", ")+" はいずれも探索していないため未検査です）",
			"(none of ports "+strings.Join(out, ", ")+" was scanned: they were not tested)")
	}
	return checks.T("（探索したポート: "+strings.Join(in, ", ")+"。探索していないため未検査: "+strings.Join(out, ", ")+"）",
		"(scanned: "+strings.Join(in, ", ")+"; not scanned, so not tested: "+strings.Join(out, ", ")+")")
}

// noneOf says in English that none of the host's n identified open ports
// is what: with one port, "none of the 1 ... ports" would be wrong.
func noneOf(n int, what string) string {
	if n == 1 {
		return "the 1 identified open port is not " + what
	}
	return "none of the " + checks.Count(n, "identified open port", "identified open ports") + " is " + what
}
