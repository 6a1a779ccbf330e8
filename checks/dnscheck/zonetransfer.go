package dnscheck

import (
	"fmt"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(zoneTransfer{}) }

var _ checks.Check = zoneTransfer{}

// zoneTransfer implements dns.zone-transfer (Art. 64-4): AXFR and IXFR
// over TCP of each zone a server is authoritative for (dns.server: the
// zones found for the server's name and the dns_zones option; dns.domain:
// the domain at every NS address, v4 and v6). Fails when a transfer
// succeeds; the record count and the first records are the evidence, never
// the zone. A server that refuses both passes (REFUSED, NOTAUTH, NOTIMP, or
// no records); a transfer that could not be attempted (no TCP, timeout) or
// ended in SERVFAIL or FORMERR, which refuse nothing, is error.
type zoneTransfer struct{}

func (zoneTransfer) Info() checks.Info {
	return checks.Info{
		ID: "dns.zone-transfer", Articles: []string{"64-4"}, Needs: []string{scanners.ProbeDNSServer, scanners.ProbeDNSUDP, scanners.ProbeDNSDomain},
		Severity: checks.Medium,
		Title:    checks.T("DNS ゾーン転送の制限", "DNS zone transfer restriction"),
		Remediation: checks.T(
			"ゾーン転送はセカンダリサーバのアドレス（または TSIG 鍵）にのみ許可してください（BIND: `allow-transfer { セカンダリ; };` または `key`）。",
			"Allow zone transfers only to the secondary servers' addresses or a TSIG key (BIND: allow-transfer { secondaries; }; or key)."),
	}
}

// Evaluate judges transfers from two probes: dns.server (a server given
// as target, with its zones) and dns.domain (a domain's zone at every NS
// address, pitfalls §2.3). A server without a known zone is skipped, not
// passed: AXFR needs the zone name, so nothing was tested.
func (c zoneTransfer) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	out := checks.EachOf(in, info, []string{scanners.ProbeDNSServer, scanners.ProbeDNSUDP}, "", func(o scanners.Observation, s *scanners.DNSServer) []checks.Finding {
		if len(s.Transfers) == 0 {
			return []checks.Finding{checks.Observed(info, o, "", checks.Skipped, checks.T(
				"このサーバが権威を持つゾーンは見つかりませんでした（名前なし、dns_zones 未設定）。ゾーン転送は試験していません。",
				"no zone this server is authoritative for was found (no name, no dns_zones option); zone transfer not tested."))}
		}
		return judgeTransfers(info, o, s.Transfers)
	})
	for _, do := range domains(in) {
		if do.d == nil || len(do.d.Transfers) == 0 {
			// A domain with no transfer attempt decides nothing here;
			// only a failed probe is worth an error finding.
			if do.o.Status != scanners.OK {
				out = append(out, checks.Undecided(info, do.o, ""))
			}
			continue
		}
		out = append(out, judgeTransfers(info, do.o, do.d.Transfers)...)
	}
	return out
}

// judgeTransfers makes one finding per zone and server from its AXFR and
// IXFR attempts.
func judgeTransfers(info checks.Info, o scanners.Observation, ts []scanners.DNSTransfer) []checks.Finding {
	type key struct{ zone, server string }
	var order []key
	by := map[key][]scanners.DNSTransfer{}
	for _, t := range ts {
		k := key{t.Zone, t.Server}
		if _, ok := by[k]; !ok {
			order = append(order, k)
		}
		by[k] = append(by[k], t)
	}
	var out []checks.Finding
	for _, k := range order {
		var allowed, allowedJA, refused, failed, failedJA []string
		var ev []scanners.Evidence
		for _, t := range by[k] {
			switch {
			case t.Allowed:
				d := t.Type + ": " + checks.Count(t.Records, "record", "records")
				dj := fmt.Sprintf("%s: %d レコード", t.Type, t.Records)
				if t.Capped {
					d += " (stopped at the probe's cap)"
					dj += "（プローブの上限で打ち切り）"
				}
				allowed = append(allowed, d)
				allowedJA = append(allowedJA, dj)
				ev = append(ev, dnsEvidence(fmt.Sprintf("%s %s @%s: %s", t.Type, t.Zone, t.Server, checks.Count(t.Records, "record", "records")), strings.Join(t.Sample, "\n")))
			case t.Rcode == "SERVFAIL" || t.Rcode == "FORMERR":
				// A server failure or a query it could not read is neither
				// a refusal nor a transfer: the policy stays unknown.
				failed = append(failed, t.Type+": rcode "+t.Rcode+", neither refused nor sent")
			case t.Rcode != "":
				refused = append(refused, t.Type+": "+t.Rcode)
			default:
				failed = append(failed, t.Type+": "+t.Error)
				failedJA = append(failedJA, t.Type+": "+checks.Raw(t.Error))
			}
		}
		subject := k.zone + "@" + k.server
		var f checks.Finding
		switch {
		case len(allowed) > 0:
			f = checks.Observed(info, o, subject, checks.Fail, checks.T(
				k.server+" は "+k.zone+" のゾーン転送を許可しました: "+strings.Join(allowedJA, "; "),
				k.server+" allowed a transfer of "+k.zone+": "+strings.Join(allowed, "; ")))

			f.Evidence = ev
		case len(failed) > 0:
			f = checks.Observed(info, o, subject, checks.Error, checks.T(
				k.server+" へのゾーン転送を試験できませんでした: "+strings.Join(failedJA, "; "),
				"could not test a transfer of "+k.zone+" at "+k.server+": "+strings.Join(failed, "; ")))

		default:
			f = checks.Observed(info, o, subject, checks.Pass, checks.T(
				k.server+" は "+k.zone+" のゾーン転送を拒否しました: "+strings.Join(refused, "; "),
				k.server+" refused to transfer "+k.zone+": "+strings.Join(refused, "; ")))

			f.Evidence = nil
		}
		out = append(out, f)
	}
	return out
}
