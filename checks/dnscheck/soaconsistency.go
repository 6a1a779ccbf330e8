package dnscheck

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(soaConsistency{}) }

var _ checks.Check = soaConsistency{}

// soaConsistency implements dns.soa-consistency (Art. 65-1, 65-2): SOA and
// NS from every authoritative server (every address, v4 and v6). Fails when
// the serials or the NS sets differ between servers; the newest serial is
// found with RFC 1982 serial arithmetic, not by sorting. No authoritative
// answer at all is error.
type soaConsistency struct{}

func (soaConsistency) Info() checks.Info {
	return checks.Info{
		ID: "dns.soa-consistency", Articles: []string{"65-1", "65-2"}, Needs: []string{scanners.ProbeDNSDomain},
		Severity: checks.Medium,
		Title:    checks.T("DNS ゾーン情報の整合性", "DNS zone data consistency (SOA, NS)"),
		Remediation: checks.T(
			"すべての権威サーバが同じシリアルのゾーンを配信するよう、ゾーン転送（NOTIFY/IXFR）やゾーンの配布を確認してください。NS レコードはすべてのサーバで同一にしてください。",
			"Make every authoritative server serve the same zone version: check zone transfers (NOTIFY/IXFR) or zone distribution, and keep the NS set identical on every server."),
	}
}

// serialLess is RFC 1982 §3.2 for 32-bit serials: a < b.
func serialLess(a, b uint32) bool {
	return a != b && ((a < b && b-a < 1<<31) || (a > b && a-b > 1<<31))
}

// Evaluate compares only servers that answered authoritatively with an
// SOA: a lame server's data is not the zone's, and dns.ns-redundancy
// reports it. When serials differed the probe already asked every server
// again after a pause (pitfalls §2.5: busy zones differ transiently), so
// a difference seen here persisted; the probe's notes on the re-check go
// into the evidence.
func (c soaConsistency) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	var out []checks.Finding
	for _, do := range domains(in) {
		o, d := do.o, do.d
		if d == nil {
			out = append(out, checks.Undecided(info, o, ""))
			continue
		}
		var auth []scanners.DNSZoneServer
		for _, s := range d.Servers {
			if s.Answered && !s.Lame && s.HasSOA {
				auth = append(auth, s)
			}
		}
		if len(auth) == 0 {
			f := checks.Undecided(info, o, "")
			f.Detail = checks.T("権威をもって応答したサーバがなく、判定できません", "no server answered authoritatively; consistency cannot be decided")
			out = append(out, f)
			continue
		}
		newest := auth[0].Serial
		serials := map[uint32][]string{}
		nsSets := map[string][]string{}
		var lines []string
		for _, s := range auth {
			if serialLess(newest, s.Serial) {
				newest = s.Serial
			}
			who := s.Name + " " + s.Addr
			serials[s.Serial] = append(serials[s.Serial], who)
			key := strings.Join(s.NS, " ")
			nsSets[key] = append(nsSets[key], who)
			lines = append(lines, ";; "+who+": "+s.SOA+" | NS "+key)
		}
		for _, n := range d.Notes {
			if strings.Contains(n, "serial") {
				lines = append(lines, ";; "+n)
			}
		}
		ev := []scanners.Evidence{dnsEvidence("SOA and NS of "+d.Zone+" at every authoritative server", strings.Join(lines, "\n"))}
		var problemsJA, problemsEN []string
		if len(serials) > 1 {
			var ss, sj []string
			for _, serial := range slices.Sorted(maps.Keys(serials)) {
				who := serials[serial]
				n := strconv.FormatUint(uint64(serial), 10)
				if serial != newest {
					behind := strconv.FormatUint(uint64(newest), 10)
					ss = append(ss, n+" (behind "+behind+") at "+strings.Join(who, ", "))
					sj = append(sj, strings.Join(who, "、")+" では "+n+"（"+behind+" より古い）")
				} else {
					ss = append(ss, n+" at "+strings.Join(who, ", "))
					sj = append(sj, strings.Join(who, "、")+" では "+n)
				}
			}
			problemsJA = append(problemsJA, "SOA シリアルが一致しません: "+strings.Join(sj, "; "))
			problemsEN = append(problemsEN, "SOA serials differ: "+strings.Join(ss, "; "))
		}
		if len(nsSets) > 1 {
			var ss, sj []string
			for _, set := range slices.Sorted(maps.Keys(nsSets)) {
				who := nsSets[set]
				ss = append(ss, "{"+set+"} at "+strings.Join(who, ", "))
				sj = append(sj, strings.Join(who, "、")+" では {"+set+"}")
			}
			problemsJA = append(problemsJA, "NS セットが一致しません: "+strings.Join(sj, "; "))
			problemsEN = append(problemsEN, "NS sets differ: "+strings.Join(ss, "; "))
		}
		var f checks.Finding
		if len(problemsEN) > 0 {
			f = checks.Observed(info, o, "", checks.Fail, checks.T(strings.Join(problemsJA, "。"), strings.Join(problemsEN, "; ")))
		} else {
			f = checks.Observed(info, o, "", checks.Pass, checks.T(
				itoa(len(auth))+" 個の権威サーバのアドレスでシリアル "+strconv.FormatUint(uint64(newest), 10)+" と NS セットが一致しています",
				"serial "+strconv.FormatUint(uint64(newest), 10)+" and the NS set agree on all "+itoa(len(auth))+" authoritative server addresses"))

		}
		f.Evidence = ev
		out = append(out, f)
	}
	return out
}

// itoa shortens the many counts spliced into finding texts.
func itoa(n int) string { return strconv.Itoa(n) }
