package dnscheck

import (
	"net/netip"
	"slices"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(internalLeak{}) }

var _ checks.Check = internalLeak{}

// Reserved ranges that must not appear in public zone data.
var (
	sharedSpace = netip.MustParsePrefix("100.64.0.0/10") // RFC 6598
)

// internalLeak implements dns.internal-leak (Art. 64-4): answers of public
// zone data (the apex, common names, NS and MX hosts) and the records of
// an open AXFR. Fails when a public name resolves to a private or reserved
// address: RFC 1918, RFC 6598 shared space, ULA (fc00::/7), link-local or
// loopback.
type internalLeak struct{}

func (internalLeak) Info() checks.Info {
	return checks.Info{
		ID: "dns.internal-leak", Articles: []string{"64-4"}, Needs: []string{scanners.ProbeDNSDomain, scanners.ProbeDNSServer, scanners.ProbeDNSUDP},
		Severity: checks.Medium,
		Title:    checks.T("DNS による内部情報の漏えい", "Internal addresses in public DNS"),
		Remediation: checks.T(
			"内部ネットワークのアドレスを持つ名前は外部公開用のゾーンから削除し、内部用 DNS（スプリットホライズン）でのみ提供してください。",
			"Remove names with internal addresses from the public zone and serve them only from internal DNS (split horizon)."),
	}
}

// reservedKind names why a is not a public address, or "".
func reservedKind(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case a.Is4() && a.IsPrivate():
		return "RFC 1918"
	case a.Is6() && a.IsPrivate():
		return "ULA"
	case sharedSpace.Contains(a):
		return "RFC 6598"
	case a.IsLinkLocalUnicast():
		return "link-local"
	case a.IsLoopback():
		return "loopback"
	}
	return ""
}

// Evaluate judges every address record the scan saw in public zone data.
// A pass names how many records it covered, since it proves only those:
// names the scan did not guess (and the zone, unless AXFR was open) are
// not covered.
func (c internalLeak) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	judge := func(o scanners.Observation, subject string, recs []scanners.DNSAddr, whatJA, what string) checks.Finding {
		var bad []string
		for _, r := range recs {
			a, err := netip.ParseAddr(r.Addr)
			if err != nil {
				continue // the probe writes A/AAAA data, which always parses
			}
			if k := reservedKind(a); k != "" {
				line := r.Name + " " + r.Addr + " (" + k + ")"
				if !slices.Contains(bad, line) {
					bad = append(bad, line)
				}
			}
		}
		if len(bad) > 0 {
			f := checks.Observed(info, o, subject, checks.Fail, checks.T(
				whatJA+"に内部アドレスを指す名前があります: "+strings.Join(bad, "; "),
				what+" holds names that point to internal addresses: "+strings.Join(bad, "; ")))

			f.Evidence = append(f.Evidence, dnsEvidence("names with internal addresses", strings.Join(bad, "\n")))
			return f
		}
		return checks.Observed(info, o, subject, checks.Pass, checks.T(
			whatJA+"の "+itoa(len(recs))+" 件のアドレスレコードに内部アドレスはありません",
			"none of the "+itoa(len(recs))+" address records of "+what+" is internal"))
	}
	out := checks.Each(in, info, scanners.ProbeDNSDomain, "", func(o scanners.Observation, d *scanners.DNSDomain) []checks.Finding {
		recs := slices.Clone(d.Names)
		whatJA, what := d.Zone+" の公開名", "public names of "+d.Zone
		for _, t := range d.Transfers {
			if t.Allowed {
				recs = append(recs, t.Addrs...)
				whatJA, what = d.Zone+" の公開名とゾーン転送データ", "public names and the zone transfer of "+d.Zone
			}
		}
		return []checks.Finding{judge(o, "", recs, whatJA, what)}
	})
	// An open transfer seen by dns.server is public zone data too.
	for _, so := range servers(in) {
		if so.s == nil {
			continue
		}
		for _, t := range so.s.Transfers {
			if t.Allowed && t.Type == "AXFR" {
				out = append(out, judge(so.o, t.Zone, t.Addrs, t.Zone+" のゾーン転送データ", "the zone transfer of "+t.Zone))
			}
		}
	}
	return out
}
