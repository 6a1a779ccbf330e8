package mailcheck

import (
	"fmt"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(spf{}) }

var _ checks.Check = spf{}

// spf implements mail.spf (Art. 59-3): TXT of the mail domain. Fails when
// there is no SPF record, more than one, "+all" or "?all", or more than 10
// DNS lookups, and on every other RFC 7208 permerror: the grammar of
// §4.6 and §5 (CIDR lengths, domain-specs, modifiers), macro syntax of
// §7.1, the void-lookup and MX-name limits of §4.6.4, missing include or
// redirect targets, loops. A DNS failure inside the tree (temperror) is
// error, not fail.
type spf struct{}

func (spf) Info() checks.Info {
	return checks.Info{
		ID: "mail.spf", Articles: []string{"59-3"}, Needs: []string{scanners.ProbeMailDomain}, Severity: checks.High,
		Title: checks.T("SPF によるなりすまし対策", "SPF sender policy"),
		Remediation: checks.T(
			"メールドメインに SPF レコードを 1 件だけ公開し、送信元を列挙して `-all`（または `~all`）で終えてください。DNS 参照は 10 回以内に収めてください。",
			"Publish exactly one SPF record for the mail domain that lists your senders and ends in -all (or ~all), within 10 DNS lookups."),
	}
}

// Evaluate reads the result of the scanner's RFC 7208 evaluation. The
// order matters: a permerror fails even when part of the tree also hit a
// temperror, because the record is broken whatever the DNS later says.
func (c spf) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	return checks.Each(in, info, scanners.ProbeMailDomain, "", func(o scanners.Observation, d *scanners.MailDomain) []checks.Finding {
		var out []checks.Finding
		s := d.SPF
		if e := d.DNSErrors["spf"]; e != "" && len(s.Records) == 0 {
			out = append(out, dnsError(info, o, "SPF", e))
			return out
		}
		var bad []string
		switch {
		case len(s.Records) == 0:
			out = append(out, checks.Observed(info, o, "", checks.Fail, checks.T(
				d.Domain+" に SPF レコードがありません。", "no SPF record for "+d.Domain+".")))
			return out
		case s.All == "+" || s.All == "?":
			bad = append(bad, s.All+"all")
		}
		bad = append(bad, s.Errors...)
		rec := strings.Join(s.Records, " | ")
		recJA := checks.Raw(rec) // DNS data, quoted as published
		if len(bad) > 0 {
			kind := ""
			if len(s.Errors) > 0 {
				kind = "permerror: "
			}
			out = append(out, checks.Observed(info, o, "", checks.Fail, checks.T(
				"SPF レコードに問題があります（"+checks.Raw(kind+strings.Join(bad, "; "))+"）（レコード: "+recJA+"）",
				"the SPF record is not effective: "+kind+strings.Join(bad, "; ")+" (record: "+rec+")")))
			return out
		}
		if len(s.TempErrors) > 0 {
			// RFC 7208 2.6.6: a DNS failure inside the tree is temperror;
			// the record may be fine, so the check could not decide.
			out = append(out, checks.Observed(info, o, "", checks.Error, checks.T(
				"SPF の評価中に DNS 照会が失敗したため判定できませんでした（RFC 7208 の `temperror`）: "+checks.Raw(strings.Join(s.TempErrors, "; "))+"（レコード: "+recJA+"）",
				"could not decide: a DNS lookup inside the SPF evaluation failed (temperror): "+strings.Join(s.TempErrors, "; ")+" (record: "+rec+")")))
			return out
		}
		// With neither all nor redirect, a sender that matches nothing
		// gets "neutral" (RFC 7208 §4.7), which receivers treat like no
		// policy: spoofing is not refused.
		if s.All == "" && !hasRedirect(s.Terms) {
			f := checks.Observed(info, o, "", checks.Warn, checks.T(
				"SPF レコードが `all` で終わっていません（既定は `neutral`）: "+recJA,
				"the SPF record has no all mechanism (the default is neutral): "+rec))

			f.Severity = checks.Medium
			out = append(out, f)
			return out
		}
		ja := fmt.Sprintf("SPF レコード 1 件、DNS 参照 %d 回（上限 10）、空の参照 %d 回（上限 2）、RFC 7208 の構文に適合: %s", s.Lookups, s.VoidLookups, recJA)
		en := fmt.Sprintf("one SPF record, RFC 7208 syntax valid, %s (limit 10), %s (limit 2): %s",
			checks.Count(s.Lookups, "DNS-querying term", "DNS-querying terms"), checks.Count(s.VoidLookups, "void lookup", "void lookups"), rec)
		if len(s.Notes) > 0 {
			ja += "（未評価: " + checks.Raw(strings.Join(s.Notes, "; ")) + "）"
			en += " (not evaluated: " + strings.Join(s.Notes, "; ") + ")"
		}
		out = append(out, checks.Observed(info, o, "", checks.Pass, checks.T(ja, en)))
		return out
	})
}

// hasRedirect reports a redirect= modifier: it hands the unmatched case
// to another domain's record (RFC 7208 §6.1), so a missing all is fine.
func hasRedirect(ts []scanners.SPFTerm) bool {
	for _, t := range ts {
		if t.Modifier && t.Name == "redirect" {
			return true
		}
	}
	return false
}
