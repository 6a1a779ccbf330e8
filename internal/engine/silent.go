package engine

import (
	"net/netip"

	"shindan/scanners"
)

// silentAddrs lists the addresses that came from a CIDR or range and never
// answered anything: no open or closed port, no liveness reply, no probe
// that read an answer. Such an address is not a host: checks see none of
// its observations, so it gets no finding (a mostly empty /120 must not
// fill the report with "no reply" errors), and the report counts it in
// its stats instead. Named hosts keep their observations: the user asked
// about them, and "never answered" is then an error worth reading.
func silentAddrs(obs []scanners.Observation, named func(netip.Addr) bool) map[netip.Addr]bool {
	answered := map[netip.Addr]bool{}
	seen := map[netip.Addr]bool{}
	for _, o := range obs {
		a := o.Target.Addr
		if !a.IsValid() {
			continue
		}
		seen[a] = true
		if answered[a] {
			continue
		}
		if ps, ok := o.Data.(*scanners.PortState); ok {
			switch ps.State {
			case "open", "closed", "up":
				answered[a] = true
			}
			continue
		}
		if o.Status == scanners.OK {
			answered[a] = true
		}
	}
	silent := map[netip.Addr]bool{}
	for a := range seen {
		if !answered[a] && !named(a) {
			silent[a] = true
		}
	}
	return silent
}
