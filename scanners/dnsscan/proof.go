package dnsscan

import (
	"context"
	"net/netip"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"shindan/scanners"
)

// Bounds of the known-name proof.
const (
	maxKnownNames  = 32 // taken from Settings.DNS.KnownNames
	maxProofTries  = 6  // names asked per transport
	maxProofAddrs  = 8  // expected addresses kept per name
	maxProofLength = 4096
)

// knownName is a name the scanner resolved itself and what it resolved to.
type knownName struct {
	name  string
	addrs []netip.Addr
}

// knownNamesFrom takes Settings.DNS.KnownNames (the names the engine
// resolved from the target set), bounded. Malformed entries are skipped: a
// bad entry only means one proof candidate fewer.
func knownNamesFrom(in []scanners.KnownName) []knownName {
	var out []knownName
	for _, n := range in {
		if !validName(n.Name) {
			continue
		}
		k := knownName{name: strings.ToLower(dns.Fqdn(n.Name))}
		for _, ip := range n.Addrs {
			if ip.IsValid() && len(k.addrs) < maxProofAddrs {
				k.addrs = append(k.addrs, ip.Unmap())
			}
		}
		if len(k.addrs) == 0 || slices.ContainsFunc(out, func(x knownName) bool { return x.name == k.name }) {
			continue
		}
		out = append(out, k)
		if len(out) == maxKnownNames {
			break
		}
	}
	return out
}

// validName accepts a DNS name of letters, digits, '-', '_' and '.', at
// most 253 bytes: nothing else may go on the wire as a query name.
func validName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || len(l) > 63 {
			return false
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// needsProof says whether a canary result leaves recursion undecided in a
// way known names can settle: the server offers recursion (RA=1) but the
// canary did not resolve, as on a network without internet egress.
func needsProof(r scanners.DNSRecursion) bool {
	return r.Class == scanners.ResolverServfail || r.Class == scanners.ResolverUnexpected
}

// proveRecursion asks server, over network, for names the scan knows to
// exist and that the server does not serve itself. A reply is proof only
// when it is the answer the scanner's own resolver gave (classifyRecursion
// with the known addresses) and a fresh random name under the same parent
// is not refused (not a cache). It stops at the first proof.
func (c *client) proveRecursion(ctx context.Context, server, network string, known []knownName, probeName string) []scanners.DNSRecursion {
	var out []scanners.DNSRecursion
	tries := 0
	for _, k := range known {
		if tries == maxProofTries || ctx.Err() != nil {
			break
		}
		if k.name == strings.ToLower(probeName) {
			continue
		}
		// Names of a zone the server holds say nothing about recursion:
		// an RD=0 question it answers authoritatively is its own data.
		own, err := whole(c.ask(ctx, server, network, newQuery(k.name, dns.TypeA, false)))
		if err == nil && own.Msg.Authoritative {
			continue
		}
		tries++
		r, _ := c.recursion(ctx, server, network, k.name, k.addrs)
		out = append(out, r)
		if r.Class == scanners.ResolverOpen {
			break
		}
	}
	return out
}
