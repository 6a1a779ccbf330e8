package engine

import (
	"slices"

	"shindan/internal/targets"
	"shindan/scanners"
)

// knownNames are the names the scan resolved itself, with their addresses,
// so dns.server can prove open recursion without internet egress (a
// resolver that cannot reach the root still answers the domains in scope,
// their NS and MX hosts) — Settings.DNS.KnownNames.

// maxKnownNames bounds the list; dnsscan reads at most 32 names anyway.
const maxKnownNames = 32

// knownNames lists the resolved names of set. Names that did not resolve
// are left out.
func knownNames(set *targets.Set) []scanners.KnownName {
	if set == nil {
		return nil
	}
	var out []scanners.KnownName
	for _, n := range set.Names {
		if n.Err != "" || len(n.Addrs) == 0 || len(out) == maxKnownNames {
			continue
		}
		out = append(out, scanners.KnownName{Name: n.Name, Addrs: slices.Clone(n.Addrs)})
	}
	return out
}
