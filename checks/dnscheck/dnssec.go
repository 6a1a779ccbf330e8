package dnscheck

import (
	"strings"
	"time"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(dnssecCheck{}) }

var _ checks.Check = dnssecCheck{}

// expiryWarn is how close an RRSIG expiration may come before warn.
const expiryWarn = 7 * 24 * time.Hour

// dnssecCheck implements dns.dnssec (Art. 64-1, 65-3), info/warn only: DS
// at the parent, DNSKEY and RRSIG validity and expiry, and whether the
// scanner's resolver sets AD. A signed zone whose chain verifies is info; a
// broken chain (no matching DS, signatures that do not verify or are
// expired, a signed zone without DS), signatures expiring within 7 days,
// and an unsigned zone are warn.
type dnssecCheck struct{}

func (dnssecCheck) Info() checks.Info {
	return checks.Info{
		ID: "dns.dnssec", Articles: []string{"64-1", "65-3"}, Needs: []string{scanners.ProbeDNSDomain},
		Severity: checks.Low,
		Title:    checks.T("DNSSEC の署名と検証", "DNSSEC signing and validation"),
		Remediation: checks.T(
			"ゾーンに DNSSEC 署名を行い、親ゾーンに DS を登録し、署名の自動更新（BIND: dnssec-policy）で有効期限切れを防いでください。",
			"Sign the zone with DNSSEC, register the DS at the parent, and re-sign automatically (BIND: dnssec-policy) so signatures never expire."),
	}
}

// Evaluate reports DNSSEC as info/warn only: the standard does not name
// DNSSEC (checks.md). A zone that is signed and broken is medium, though:
// validating resolvers answer SERVFAIL for it, which stops the name
// resolution 64-1 asks to keep running, worse than being unsigned.
func (c dnssecCheck) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	return checks.Each(in, info, scanners.ProbeDNSDomain, "", func(o scanners.Observation, d *scanners.DNSDomain) []checks.Finding {
		var out []checks.Finding
		st := d.DNSSEC
		if st.Error != "" {
			f := checks.Undecided(info, o, "")
			f.Detail = checks.T("DNSSEC を判定できませんでした: "+checks.Raw(st.Error), "could not decide DNSSEC: "+st.Error)
			out = append(out, f)
			return out
		}
		data := "DS at parent:\n" + joinLines(st.DS) + "\nDNSKEY (flags alg tag):\n" + joinLines(st.DNSKEY)
		if st.Expires != "" {
			data += "\nearliest RRSIG expiration: " + st.Expires
		}
		if st.ResolverAD != "" {
			data += "\nresolver AD bit: " + st.ResolverAD
		}
		ev := []scanners.Evidence{dnsEvidence("DNSSEC of "+d.Zone, data)}
		var f checks.Finding
		soon := ""
		// Checks read no clock: Now is the scan's time, given by the engine.
		// Without it (zero), closeness to expiry is not judged at all.
		if t, err := time.Parse(time.RFC3339, st.Expires); err == nil && !in.Now.IsZero() && t.Sub(in.Now) < expiryWarn {
			soon = st.Expires
		}
		switch {
		case !st.Signed && len(st.DS) == 0:
			f = checks.Observed(info, o, "", checks.Warn, checks.T(d.Zone+" は DNSSEC 署名されていません", d.Zone+" is not signed with DNSSEC"))
		case len(st.Problems) > 0 || !st.Valid:
			f = checks.Observed(info, o, "", checks.Warn, checks.T(
				d.Zone+" の DNSSEC に問題があります: "+joinOr(rawEach(st.Problems), "署名を検証できません"),
				"DNSSEC of "+d.Zone+" is broken: "+joinOr(st.Problems, "signatures do not verify")))

			f.Severity = checks.Medium
		case soon != "":
			f = checks.Observed(info, o, "", checks.Warn, checks.T(
				d.Zone+" の RRSIG が 7 日以内に失効します（"+soon+"）", "an RRSIG of "+d.Zone+" expires within 7 days ("+soon+")"))

			f.Severity = checks.Medium
		default:
			ja, en := d.Zone+" は DNSSEC 署名され、親の DS から署名まで検証できました（最初の失効 "+st.Expires+"）",
				d.Zone+" is signed and the chain from the parent's DS verifies (earliest expiry "+st.Expires+")"
			if d.ParentError != "" {
				ja, en = d.Zone+" は DNSSEC 署名され、署名は検証できました（最初の失効 "+st.Expires+"）。親の DS は確認できていません",
					d.Zone+" is signed and its signatures verify (earliest expiry "+st.Expires+"); the parent's DS was not checked"
			}
			switch st.ResolverAD {
			case "set":
				ja, en = ja+"。リゾルバは AD を設定しました", en+"; the resolver set AD"
			case "unset":
				ja, en = ja+"。リゾルバは AD を設定しませんでした（検証していない可能性）", en+"; the resolver did not set AD (it may not validate)"
			}
			f = checks.Observed(info, o, "", checks.InfoS, checks.T(ja, en))
		}
		f.Evidence = ev
		out = append(out, f)
		if d.ParentError != "" {
			p := checks.Observed(info, o, "parent", checks.Error, checks.T(
				"親ゾーン "+d.Parent+" の DS を確認できませんでした: "+checks.Raw(d.ParentError),
				"the DS at the parent "+d.Parent+" could not be checked: "+d.ParentError))

			p.Evidence = ev
			out = append(out, p)
		}
		return out
	})
}

// joinLines writes records one per line for evidence, "(none)" when empty
// so an absent DS reads as observed-absent.
func joinLines(xs []string) string {
	if len(xs) == 0 {
		return "(none)"
	}
	return strings.Join(xs, "\n")
}
