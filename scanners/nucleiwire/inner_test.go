package nucleiwire

import (
	"testing"

	"shindan/scanners"
)

// Templates do not run where identification proved TLS that no crypto/tls
// hello can enter: they would all fail and read as "no template matched".
func TestInnerUnreachable(t *testing.T) {
	tg := scanners.Target{Port: 443, Proto: scanners.TCP}
	env := func(s *scanners.Service) *scanners.Env {
		return &scanners.Env{Prior: func(id string, _ scanners.Target) []scanners.Observation {
			if id != scanners.ProbeSvcIdent {
				return nil
			}
			return []scanners.Observation{{Probe: id, Target: tg, Status: scanners.OK, Data: s}}
		}}
	}
	gap := &scanners.Service{Proto: scanners.TCP, Port: 443, Name: "https", TLS: true, Method: "port:tls",
		Attrs: map[string]string{scanners.AttrTLSInner: "the server requires the group x448"}}
	if why, ok := InnerUnreachable(env(gap), tg); !ok || why != "the server requires the group x448" {
		t.Errorf("port:tls service: %q %v", why, ok)
	}
	reached := &scanners.Service{Proto: scanners.TCP, Port: 443, Name: "http", TLS: true, Method: "probe:tls"}
	if _, ok := InnerUnreachable(env(reached), tg); ok {
		t.Error("a service identified inside TLS must be scanned")
	}
	if _, ok := InnerUnreachable(&scanners.Env{}, tg); ok {
		t.Error("no identification: scanned")
	}
}
