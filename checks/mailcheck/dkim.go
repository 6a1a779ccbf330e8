package mailcheck

import (
	"fmt"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(dkim{}) }

var _ checks.Check = dkim{}

// dkim implements mail.dkim (Art. 59-3): TXT <selector>._domainkey for the
// policy's and common selectors. A key shorter than 1024 bits fails; no
// key found is info (selectors cannot be listed, only guessed).
type dkim struct{}

func (dkim) Info() checks.Info {
	return checks.Info{
		ID: "mail.dkim", Articles: []string{"59-3"}, Needs: []string{scanners.ProbeMailDomain}, Severity: checks.High,
		Title: checks.T("DKIM 署名鍵", "DKIM signing keys"),
		Remediation: checks.T(
			"DKIM 鍵は RSA 2048 ビット以上（または Ed25519）にし、使用するセレクタをポリシーの dkim_selectors に記載してください。",
			"Use DKIM keys of at least 2048-bit RSA (or Ed25519), and list your selectors under dkim_selectors in the policy."),
	}
}

// Evaluate grades the keys found under the tried selectors. The 1024-bit
// floor is RFC 8301 §3.2 (signers MUST use RSA keys of at least 1024 bits,
// SHOULD use 2048; the remediation asks for the SHOULD).
func (c dkim) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	return checks.Each(in, info, scanners.ProbeMailDomain, "", func(o scanners.Observation, d *scanners.MailDomain) []checks.Finding {
		var out []checks.Finding
		var weak, ok, broken, weakJA, okJA, brokenJA []string
		for _, k := range d.DKIM {
			desc := fmt.Sprintf("%s (%s %d bits)", k.Selector, k.KeyType, k.Bits)
			descJA := fmt.Sprintf("セレクタ %s（%s %d ビット）", checks.Raw(k.Selector), strings.ToUpper(k.KeyType), k.Bits)
			switch {
			case k.Revoked:
				// An empty p= is a revoked key (RFC 6376 §3.6.1): a
				// deliberate retirement, neither weak nor broken.
			case k.Error != "":
				broken = append(broken, k.Selector+": "+k.Error)
				brokenJA = append(brokenJA, "セレクタ "+checks.Raw(k.Selector)+": "+checks.Raw(k.Error))
			case k.KeyType == "rsa" && k.Bits < 1024:
				weak, weakJA = append(weak, desc), append(weakJA, descJA)
			default:
				ok, okJA = append(ok, desc), append(okJA, descJA)
			}
		}
		sel := strings.Join(d.Selectors, ", ")
		switch {
		case len(weak) > 0:
			out = append(out, checks.Observed(info, o, "", checks.Fail, checks.T(
				"1024 ビット未満の DKIM 鍵があります: "+strings.Join(weakJA, "、"),
				"DKIM keys shorter than 1024 bits: "+strings.Join(weak, ", "))))
		case len(broken) > 0:
			f := checks.Observed(info, o, "", checks.Warn, checks.T(
				"解析できない DKIM 鍵レコードがあります: "+strings.Join(brokenJA, "; "),
				"DKIM key records that do not parse: "+strings.Join(broken, "; ")))

			f.Severity = checks.Medium
			out = append(out, f)
		case len(ok) > 0:
			out = append(out, checks.Observed(info, o, "", checks.Pass, checks.T(
				"DKIM 鍵: "+strings.Join(okJA, "、"), "DKIM keys: "+strings.Join(ok, ", "))))
		// Only when no key was found does a failed lookup matter: the
		// selector it hid might have held the domain's key.
		case d.DNSErrors["dkim"] != "":
			out = append(out, dnsError(info, o, "DKIM", d.DNSErrors["dkim"]))
		default:
			out = append(out, checks.Observed(info, o, "", checks.InfoS, checks.T(
				"試したセレクタ（"+checks.Raw(sel)+"）に DKIM 鍵は見つかりませんでした。使用中のセレクタはポリシーの `dkim_selectors` で指定できます。",
				"no DKIM key found for the selectors tried ("+sel+"); name yours under dkim_selectors in the policy.")))
		}
		return out
	})
}
