package mailcheck

import (
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(dmarc{}) }

var _ checks.Check = dmarc{}

// dmarc implements mail.dmarc (Art. 59-3): TXT _dmarc.<domain>, with the
// organisational domain as fallback. Fails on no DMARC or syntax errors;
// p=none is warn.
type dmarc struct{}

func (dmarc) Info() checks.Info {
	return checks.Info{
		ID: "mail.dmarc", Articles: []string{"59-3"}, Needs: []string{scanners.ProbeMailDomain}, Severity: checks.High,
		Title: checks.T("DMARC によるなりすまし対策", "DMARC policy"),
		Remediation: checks.T(
			"_dmarc.<ドメイン> に v=DMARC1; p=quarantine または p=reject の DMARC レコードを 1 件公開してください。",
			"Publish one DMARC record at _dmarc.<domain> with v=DMARC1 and p=quarantine or p=reject."),
	}
}

// Evaluate grades the DMARC record the scanner found by RFC 7489 §6.6.3
// policy discovery (the From domain, then its organisational domain).
// p=none still publishes reports but asks receivers to do nothing with
// spoofed mail, so it is a weak spoofing control (59-3): warn, not pass.
func (c dmarc) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	return checks.Each(in, info, scanners.ProbeMailDomain, "", func(o scanners.Observation, d *scanners.MailDomain) []checks.Finding {
		var out []checks.Finding
		r := d.DMARC
		// A failed lookup with no record in hand must not read as "no
		// DMARC" (a fail); with a record found, the error is moot.
		if e := d.DNSErrors["dmarc"]; e != "" && len(r.Records) == 0 {
			out = append(out, dnsError(info, o, "DMARC", e))
			return out
		}
		rec := strings.Join(r.Records, " | ")
		where := "_dmarc." + r.Domain
		switch {
		case len(r.Records) == 0:
			out = append(out, checks.Observed(info, o, "", checks.Fail, checks.T(
				d.Domain+" に DMARC レコードがありません（組織ドメインも確認済み）。",
				"no DMARC record for "+d.Domain+" (organisational domain checked too).")))
		case len(r.Errors) > 0:
			out = append(out, checks.Observed(info, o, "", checks.Fail, checks.T(
				"DMARC レコードに構文エラーがあります: "+strings.Join(r.Errors, "; ")+"（"+where+": "+rec+"）",
				"the DMARC record has syntax errors: "+strings.Join(r.Errors, "; ")+" ("+where+": "+rec+")")))
		case strings.EqualFold(r.Tags["p"], "none"):
			f := checks.Observed(info, o, "", checks.Warn, checks.T(
				"DMARC ポリシーが p=none（監視のみ）です: "+where+": "+rec,
				"the DMARC policy is p=none (monitoring only): "+where+": "+rec))

			f.Severity = checks.Medium
			out = append(out, f)
		default:
			out = append(out, checks.Observed(info, o, "", checks.Pass, checks.T(
				"DMARC ポリシー p="+r.Tags["p"]+": "+where+": "+rec,
				"DMARC policy p="+r.Tags["p"]+": "+where+": "+rec)))
		}
		return out
	})
}
