package engine

import (
	"net/netip"
	"testing"

	"shindan/scanners"
)

func TestSilentAddrs(t *testing.T) {
	a := func(s string) netip.Addr { return netip.MustParseAddr(s) }
	summary := func(addr, state string, st scanners.Status) scanners.Observation {
		return scanners.Observation{Probe: scanners.ProbePortTCP, Target: scanners.Target{Addr: a(addr), Proto: scanners.TCP}, Status: st,
			Data: &scanners.PortState{Proto: scanners.TCP, State: state}}
	}
	obs := []scanners.Observation{
		summary("2001:db8::1", "up", scanners.OK),               // answered (a closed port)
		summary("2001:db8::2", "no-response", scanners.Timeout), // range address, never answered
		summary("2001:db8::3", "no-response", scanners.Timeout), // named, never answered: kept
		summary("2001:db8::4", "no-response", scanners.Timeout), // silent on TCP ...
		{Probe: "port.udp", Target: scanners.Target{Addr: a("2001:db8::4"), Port: 53, Proto: scanners.UDP}, Status: scanners.OK,
			Data: &scanners.PortState{Proto: scanners.UDP, Port: 53, State: "open"}}, // ... but a UDP answer
		{Probe: "port.udp", Target: scanners.Target{Addr: a("2001:db8::5"), Port: 161, Proto: scanners.UDP}, Status: scanners.OK,
			Data: &scanners.PortState{Proto: scanners.UDP, Port: 161, State: "open|filtered"}}, // no answer at all
	}
	named := func(x netip.Addr) bool { return x == a("2001:db8::3") }
	got := silentAddrs(obs, named)
	want := map[netip.Addr]bool{a("2001:db8::2"): true, a("2001:db8::5"): true}
	if len(got) != len(want) {
		t.Fatalf("silent %v, want %v", got, want)
	}
	for x := range want {
		if !got[x] {
			t.Errorf("%s should be silent (got %v)", x, got)
		}
	}
}
