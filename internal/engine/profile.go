// Package engine runs a scan: targets → discovery → service probes →
// checks → findings → report.
package engine

import (
	"fmt"
	"slices"
	"strings"
)

// Profile is a named choice of ports, checks and depth (product.md).
type Profile struct {
	Name   string
	Ports  string // port specification (portscan.ParseSpec)
	Checks string // check globs (checks.Registry.Select)
	About  string
}

// Profiles are the built-in profiles.
var Profiles = []Profile{
	{Name: "external", Ports: "top1000,extra", Checks: "*,-ipv6.unintended,-ipv6.rogue-ra,-ipv6.transition",
		About: "annual external diagnostics: every public service and every check reachable from outside"},
	{Name: "prelaunch", Ports: "all", Checks: "*,-ipv6.unintended,-ipv6.rogue-ra,-ipv6.transition",
		About: "one new server, deeply: all 65535 TCP ports and every check"},
	{Name: "sweep", Ports: "top1000,extra", Checks: "service.*,time.skew,tls.certificate,ipv6.parity,ipv6.global-exposure",
		About: "fast discovery and inventory for scheduled sweeps"},
	{Name: "segment", Ports: "top100", Checks: "ipv6.*",
		About: "layer-2 checks on a segment (IPv6 where there should be none, rogue RA); needs raw sockets on --iface"},
}

// LookupProfile finds a profile by name.
func LookupProfile(name string) (Profile, error) {
	i := slices.IndexFunc(Profiles, func(p Profile) bool { return p.Name == name })
	if i < 0 {
		var names []string
		for _, p := range Profiles {
			names = append(names, p.Name)
		}
		return Profile{}, fmt.Errorf("engine: unknown profile %q (one of %s)", name, strings.Join(names, ", "))
	}
	return Profiles[i], nil
}
