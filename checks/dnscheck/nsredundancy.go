package dnscheck

import (
	"net/netip"
	"slices"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(nsRedundancy{}) }

var _ checks.Check = nsRedundancy{}

// nsRedundancy implements dns.ns-redundancy (Art. 64-1): the NS set of the
// zone from the parent and from the child. One finding per subject:
// "count" fails with fewer than 2 NS names or fewer than 2 distinct
// addresses; "diversity" warns when all IPv4 addresses share one /24 or
// all IPv6 addresses one /48; "lame" fails when a listed NS answers but
// not authoritatively (and is error when some did not answer at all);
// "delegation" warns when the parent's and the child's NS sets differ.
// When the parent cannot be reached or does not delegate, the zone's own
// NS set is judged instead and "parent" is error with the reason.
type nsRedundancy struct{}

func (nsRedundancy) Info() checks.Info {
	return checks.Info{
		ID: "dns.ns-redundancy", Articles: []string{"64-1"}, Needs: []string{scanners.ProbeDNSDomain},
		Severity: checks.Medium,
		Title:    checks.T("DNS コンテンツサーバの冗長性", "DNS name server redundancy"),
		Remediation: checks.T(
			"2 台以上の権威サーバを、異なるネットワーク（IPv4 は別の /24、IPv6 は別の /48）に置き、親ゾーンの NS・グルーと子ゾーンの NS を一致させ、すべての NS がゾーンを権威をもって応答するようにしてください。",
			"Run at least two authoritative servers in different networks (distinct IPv4 /24s and IPv6 /48s), keep the parent's NS and glue equal to the child's NS set, and make every listed NS answer authoritatively for the zone."),
	}
}

// Evaluate splits redundancy into subjects because each has its own fix
// and its own evidence: the count (RFC 2182 §5: at least two servers per
// zone), network diversity (RFC 2182 §3: secondaries should not share
// the primary's network; /24 and /48 are the longest prefixes commonly
// routed on the Internet, so servers inside one share a route), lameness
// and parent/child agreement (pitfalls §2.4).
func (c nsRedundancy) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	var out []checks.Finding
	for _, do := range domains(in) {
		o, d := do.o, do.d
		if d == nil || (len(d.ParentNS) == 0 && len(d.ChildNS) == 0) {
			out = append(out, checks.Undecided(info, o, ""))
			continue
		}
		names := slices.Clone(d.ParentNS)
		if d.ParentError != "" {
			// Undelegated: the zone's own NS set stands in for the
			// delegation, and the parent side is its own subject.
			names = slices.Clone(d.ChildNS)
			f := checks.Observed(info, o, "parent", checks.Error, checks.T(
				"親ゾーン "+d.Parent+" の委任を確認できませんでした: "+checks.Raw(d.ParentError)+"。ゾーン自身の NS（"+nsSourceJA(d.NSSource)+"）で "+d.Zone+" を評価しました",
				"the delegation at the parent "+d.Parent+" could not be checked: "+d.ParentError+"; "+d.Zone+" was analysed from its own NS set ("+d.NSSource+")"))

			out = append(out, f)
		}
		// Distinct addresses, not names: two NS names on one address are
		// one server.
		var v4, v6 []netip.Addr
		var lame, silent, silentJA, notTested []string
		for _, s := range d.Servers {
			if !slices.Contains(names, s.Name) {
				names = append(names, s.Name)
			}
			a, err := netip.ParseAddr(s.Addr)
			if err != nil {
				silent = append(silent, s.Name+" ("+s.Error+")")
				silentJA = append(silentJA, s.Name+"（"+checks.Raw(s.Error)+"）")
				continue
			}
			if a.Is4() && !slices.Contains(v4, a) {
				v4 = append(v4, a)
			} else if a.Is6() && !slices.Contains(v6, a) {
				v6 = append(v6, a)
			}
			switch {
			// NotTested: an IPv6 server the scanner could not reach for
			// lack of its own IPv6 is not a silent server (pitfalls §2.6).
			case s.NotTested:
				notTested = append(notTested, s.Name+" "+s.Addr)
			case !s.Answered:
				silent = append(silent, s.Name+" "+s.Addr+" ("+s.Error+")")
				silentJA = append(silentJA, s.Name+" "+s.Addr+"（"+checks.Raw(s.Error)+"）")
			case s.Lame:
				lame = append(lame, s.Name+" "+s.Addr+" (rcode "+s.Rcode+", aa="+b01(s.AA)+")")
			}
		}
		// count
		addrs := len(v4) + len(v6)
		if len(names) < 2 || addrs < 2 {
			out = append(out, checks.Observed(info, o, "count", checks.Fail, checks.T(
				"NS が 2 台未満です: "+strings.Join(names, ", ")+"（アドレス "+itoa(addrs)+" 個）",
				"fewer than two name servers: "+strings.Join(names, ", ")+" ("+itoa(addrs)+" addresses)")))
		} else {
			out = append(out, checks.Observed(info, o, "count", checks.Pass, checks.T(
				"NS "+itoa(len(names))+" 台、アドレス "+itoa(addrs)+" 個: "+strings.Join(names, ", "),
				itoa(len(names))+" name servers with "+itoa(addrs)+" addresses: "+strings.Join(names, ", "))))
		}
		// diversity
		var same []string
		if len(v4) >= 2 && samePrefix(v4, 24) {
			same = append(same, "IPv4 "+pfx(v4[0], 24))
		}
		if len(v6) >= 2 && samePrefix(v6, 48) {
			same = append(same, "IPv6 "+pfx(v6[0], 48))
		}
		switch {
		case len(same) > 0:
			f := checks.Observed(info, o, "diversity", checks.Warn, checks.T(
				"すべての NS が同一ネットワークにあります: "+strings.Join(same, ", "),
				"all name servers sit in one network: "+strings.Join(same, ", ")))

			f.Severity = checks.Low
			out = append(out, f)
		case addrs >= 2:
			out = append(out, checks.Observed(info, o, "diversity", checks.Pass, checks.T(
				"NS は複数のネットワークに分散しています", "the name servers are spread over more than one network")))
		}
		// lame
		switch {
		case len(lame) > 0:
			out = append(out, checks.Observed(info, o, "lame", checks.Fail, checks.T(
				"権威をもって応答しない NS（レイムデリゲーション）: "+strings.Join(lame, "; "),
				"listed name servers do not answer authoritatively (lame delegation): "+strings.Join(lame, "; "))))
		case len(silent) > 0:
			out = append(out, checks.Observed(info, o, "lame", checks.Error, checks.T(
				"応答しない NS があり判定できません: "+strings.Join(silentJA, "; "),
				"some name servers did not answer, so lameness cannot be decided: "+strings.Join(silent, "; "))))
		default:
			ja, en := "すべての NS が権威をもって応答しました", "every name server answered authoritatively"
			if len(notTested) > 0 {
				ja += "（IPv6 未試験: " + strings.Join(notTested, ", ") + "）"
				en += " (IPv6 not tested: " + strings.Join(notTested, ", ") + ")"
			}
			out = append(out, checks.Observed(info, o, "lame", checks.Pass, checks.T(ja, en)))
		}
		// delegation: parent NS set versus child NS sets. Only servers
		// that answered authoritatively speak for the child; a lame one's
		// NS answer is not the zone's data.
		var child []string
		for _, s := range d.Servers {
			if s.Answered && !s.Lame {
				for _, n := range s.NS {
					if !slices.Contains(child, n) {
						child = append(child, n)
					}
				}
			}
		}
		slices.Sort(child)
		parent := slices.Clone(d.ParentNS)
		slices.Sort(parent)
		if len(child) > 0 && d.ParentError == "" {
			if slices.Equal(parent, child) {
				out = append(out, checks.Observed(info, o, "delegation", checks.Pass, checks.T(
					"親ゾーンと子ゾーンの NS が一致しています: "+strings.Join(parent, ", "),
					"the parent's and the child's NS sets agree: "+strings.Join(parent, ", "))))
			} else {
				f := checks.Observed(info, o, "delegation", checks.Warn, checks.T(
					"親ゾーンの NS（"+strings.Join(parent, ", ")+"）と子ゾーンの NS（"+strings.Join(child, ", ")+"）が異なります",
					"the parent's NS set ("+strings.Join(parent, ", ")+") differs from the child's ("+strings.Join(child, ", ")+")"))

				f.Severity = checks.Low
				out = append(out, f)
			}
		}
	}
	return out
}

// samePrefix reports whether all of as (one family, at least one) lie in
// the first one's prefix of the given length.
func samePrefix(as []netip.Addr, bits int) bool {
	p, err := as[0].Prefix(bits)
	if err != nil {
		return false
	}
	for _, a := range as[1:] {
		if !p.Contains(a) {
			return false
		}
	}
	return true
}

// pfx names a's network of the given length for the finding's text.
func pfx(a netip.Addr, bits int) string {
	p, err := a.Prefix(bits)
	if err != nil {
		return a.String()
	}
	return p.String()
}
