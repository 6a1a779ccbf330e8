package mailcheck

import (
	"fmt"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(mtaSTS{}) }

var _ checks.Check = mtaSTS{}

// mtaSTS implements mail.mta-sts (Art. 59-4): _mta-sts TXT plus the policy
// over HTTPS, TLS-RPT and DANE TLSA for the MX hosts. info/warn only: this
// is beyond the standard's floor. A published but broken or non-enforcing
// MTA-STS is warn; everything else is info (inventory).
type mtaSTS struct{}

func (mtaSTS) Info() checks.Info {
	return checks.Info{
		ID: "mail.mta-sts", Articles: []string{"59-4"}, Needs: []string{scanners.ProbeMailDomain}, Severity: checks.Low,
		Title: checks.T("MTA-STS・TLS-RPT・DANE", "MTA-STS, TLS-RPT and DANE"),
		Remediation: checks.T(
			"MTA-STS ポリシーを https://mta-sts.<ドメイン>/.well-known/mta-sts.txt で `mode: enforce` として公開し、TLS-RPT で報告を受け取ってください。DNSSEC があれば DANE TLSA も検討してください。",
			"Publish an MTA-STS policy at https://mta-sts.<domain>/.well-known/mta-sts.txt with mode: enforce and receive TLS-RPT reports; with DNSSEC, consider DANE TLSA."),
	}
}

// Evaluate warns only where the domain tried and got it wrong (an
// announced policy that cannot be fetched, or mode testing/none, under
// which senders still deliver when the MX fails validation, RFC 8461 §5);
// everything else is the inventory line: 59-4 asks for encryption only
// "where the peer supports it", which smtp.starttls covers.
func (c mtaSTS) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	return checks.Each(in, info, scanners.ProbeMailDomain, "", func(o scanners.Observation, d *scanners.MailDomain) []checks.Finding {
		var out []checks.Finding
		m := d.MTASTS
		var tlsa []string
		for _, t := range d.TLSA {
			if len(t.Records) > 0 {
				tlsa = append(tlsa, fmt.Sprintf("%s (%d)", t.MX, len(t.Records)))
			}
		}
		inv := fmt.Sprintf("MTA-STS: %s; TLS-RPT: %s; TLSA: %s", list(m.Records), list(d.TLSRPT), list(tlsa))
		switch {
		case len(m.Records) > 0 && !m.PolicyOK:
			f := checks.Observed(info, o, "", checks.Warn, checks.T(
				"MTA-STS の TXT はありますがポリシーを取得できません（"+prefixed(m.PolicyURL, checks.Raw(m.PolicyError))+"）。"+inv,
				"MTA-STS is announced but the policy cannot be fetched ("+prefixed(m.PolicyURL, m.PolicyError)+"). "+inv))

			out = append(out, f)
		case len(m.Records) > 0 && !strings.EqualFold(m.Mode, "enforce"):
			out = append(out, checks.Observed(info, o, "", checks.Warn, checks.T(
				"MTA-STS のモードが"+checks.Raw(m.Mode)+"で、強制（`enforce`）されていません。"+inv,
				"the MTA-STS mode is "+m.Mode+", not enforce. "+inv)))
		case d.DNSErrors["mta-sts"] != "":
			out = append(out, dnsError(info, o, "MTA-STS", d.DNSErrors["mta-sts"]))
		default:
			out = append(out, checks.Observed(info, o, "", checks.InfoS, checks.T(inv, inv)))
		}
		return out
	})
}

// prefixed is "url: err", or err alone when the policy URL is not known
// (no address for the mta-sts host), so a text never shows ": err".
func prefixed(url, err string) string {
	if url == "" {
		return err
	}
	return url + ": " + err
}
