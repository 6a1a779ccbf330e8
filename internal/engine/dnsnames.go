package engine

import (
	"strings"

	"shindan/internal/targets"
)

// optKnownNames is scanners/dnsscan.OptKnownNames: names the scan resolved
// itself, with their addresses, so dns.server can prove open recursion
// without internet egress (a resolver that cannot reach the root still
// answers the domains in scope, their NS and MX hosts).
const optKnownNames = "dns_known_names"

// maxKnownNames bounds the option; dnsscan reads at most 32 names anyway.
const maxKnownNames = 32

// knownNames renders the resolved names of set as
// "name=addr|addr;name=addr". Names that did not resolve are left out.
func knownNames(set *targets.Set) string {
	if set == nil {
		return ""
	}
	var parts []string
	for _, n := range set.Names {
		if n.Err != "" || len(n.Addrs) == 0 || len(parts) == maxKnownNames {
			continue
		}
		addrs := make([]string, 0, len(n.Addrs))
		for _, a := range n.Addrs {
			addrs = append(addrs, a.String())
		}
		parts = append(parts, n.Name+"="+strings.Join(addrs, "|"))
	}
	return strings.Join(parts, ";")
}
