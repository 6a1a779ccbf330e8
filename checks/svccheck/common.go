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

// Probe IDs the checks read.
const (
	portTCP = "port.tcp"
	portUDP = "port.udp"
	ident   = "svc.ident"
	dbauth  = "svc.dbauth"
)

// endpoint keys observations by host and port.
type endpoint struct {
	host  string
	proto scanners.Proto
	port  uint16
}

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
	for _, o := range in.ByProbe(ident) {
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

func policyOf(in *checks.Input) *checks.Policy {
	if in.Policy != nil {
		return in.Policy
	}
	return checks.DefaultPolicy()
}
