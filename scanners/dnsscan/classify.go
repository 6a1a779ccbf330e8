package dnsscan

import (
	"encoding/hex"
	"net/netip"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"shindan/scanners"
)

// classifyRecursion sorts one reply to an RD=1 query for qname (type A)
// into a resolver class (pitfalls §2.1). expect, when not empty, lists the
// addresses the probe name must resolve to. The follow-up query for a fresh
// name (cache-only versus open) is the caller's business: this returns
// ResolverOpen for "looks open so far".
func classifyRecursion(m *dns.Msg, qname string, expect []netip.Addr) string {
	if m == nil {
		return scanners.ResolverNoAnswer
	}
	switch m.Rcode {
	case dns.RcodeRefused:
		return scanners.ResolverRefused
	case dns.RcodeServerFailure:
		if m.RecursionAvailable {
			return scanners.ResolverServfail
		}
		return scanners.ResolverNoRecursion
	case dns.RcodeSuccess, dns.RcodeNameError:
	default:
		// FORMERR, NOTIMP, NOTAUTH, ...: the server did not take the
		// question (after the EDNS0 fallback), so its flags say nothing
		// about recursion either way.
		return scanners.ResolverNoAnswer
	}
	if m.Authoritative {
		return scanners.ResolverAuthoritative
	}
	addrs := answerAddrs(m, qname)
	if !m.RecursionAvailable {
		if len(addrs) > 0 {
			// Data without RA: a cache or a forwarder that hides the flag;
			// not proof of recursion, but not the "no recursion" answer either.
			return scanners.ResolverUnexpected
		}
		return scanners.ResolverNoRecursion
	}
	if m.Rcode != dns.RcodeSuccess || len(addrs) == 0 {
		return scanners.ResolverUnexpected
	}
	if len(expect) > 0 && !slices.ContainsFunc(addrs, func(a netip.Addr) bool { return slices.Contains(expect, a) }) {
		return scanners.ResolverUnexpected
	}
	return scanners.ResolverOpen
}

// answerAddrs follows the CNAME chain from qname through the answer section
// and returns the A/AAAA addresses at its end.
func answerAddrs(m *dns.Msg, qname string) []netip.Addr {
	name := strings.ToLower(dns.Fqdn(qname))
	var out []netip.Addr
	// A hostile answer may loop its CNAMEs; eight hops is longer than any
	// chain a real resolver returns.
	for hops := 0; hops < 8; hops++ {
		next := ""
		for _, rr := range m.Answer {
			if strings.ToLower(rr.Header().Name) != name {
				continue
			}
			switch r := rr.(type) {
			case *dns.A:
				if a, ok := netip.AddrFromSlice(r.A.To4()); ok {
					out = append(out, a)
				}
			case *dns.AAAA:
				if a, ok := netip.AddrFromSlice(r.AAAA.To16()); ok {
					out = append(out, a)
				}
			case *dns.CNAME:
				next = strings.ToLower(r.Target)
			}
		}
		if len(out) > 0 || next == "" {
			return out
		}
		name = next
	}
	return out
}

// chaosText extracts the TXT string of a CHAOS identity reply.
func chaosText(m *dns.Msg) string {
	var parts []string
	for _, rr := range m.Answer {
		if t, ok := rr.(*dns.TXT); ok {
			parts = append(parts, strings.Join(t.Txt, ""))
		}
	}
	return clip(printable(strings.Join(parts, " ")), 200)
}

// nsidText returns the NSID option of a reply as text when printable, hex
// otherwise.
func nsidText(m *dns.Msg) string {
	opt := m.IsEdns0()
	if opt == nil {
		return ""
	}
	for _, o := range opt.Option {
		n, ok := o.(*dns.EDNS0_NSID)
		if !ok || n.Nsid == "" {
			continue
		}
		b, err := hex.DecodeString(n.Nsid)
		if err == nil && printable(string(b)) == string(b) {
			return clip(string(b), 200)
		}
		return clip(n.Nsid, 200)
	}
	return ""
}

// hasServerCookie reports whether the reply carries a COOKIE option longer
// than our 8-byte client cookie (RFC 7873 §5.2).
func hasServerCookie(m *dns.Msg) bool {
	opt := m.IsEdns0()
	if opt == nil {
		return false
	}
	for _, o := range opt.Option {
		if c, ok := o.(*dns.EDNS0_COOKIE); ok && len(c.Cookie) > 16 {
			return true
		}
	}
	return false
}

// printable replaces control and non-UTF-8 bytes so hostile strings cannot
// break a report.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r == 0xFFFD || r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
}

// soaOf returns the SOA record for zone in the answer section, or nil.
func soaOf(m *dns.Msg, zone string) *dns.SOA {
	for _, rr := range m.Answer {
		if s, ok := rr.(*dns.SOA); ok && strings.EqualFold(s.Hdr.Name, dns.Fqdn(zone)) {
			return s
		}
	}
	return nil
}

// nsNames returns the sorted, lower-case NS targets for zone in rrs.
func nsNames(rrs []dns.RR, zone string) []string {
	var out []string
	for _, rr := range rrs {
		if n, ok := rr.(*dns.NS); ok && strings.EqualFold(n.Hdr.Name, dns.Fqdn(zone)) {
			t := strings.ToLower(n.Ns)
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	slices.Sort(out)
	return out
}

// addrRecords returns the A/AAAA records of rrs as DNSAddr values.
func addrRecords(rrs []dns.RR) []scanners.DNSAddr {
	var out []scanners.DNSAddr
	for _, rr := range rrs {
		switch r := rr.(type) {
		case *dns.A:
			out = append(out, scanners.DNSAddr{Name: strings.ToLower(r.Hdr.Name), Addr: r.A.String()})
		case *dns.AAAA:
			out = append(out, scanners.DNSAddr{Name: strings.ToLower(r.Hdr.Name), Addr: r.AAAA.String()})
		}
	}
	return out
}
