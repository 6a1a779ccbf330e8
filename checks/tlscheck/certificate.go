package tlscheck

import (
	"fmt"
	"strings"
	"time"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(certificate{}) }

type certificate struct{}

func (certificate) Info() checks.Info {
	return checks.Info{
		ID: "tls.certificate", Articles: []string{"61-1-5", "31-1"}, Needs: []string{scanners.ProbeTLSScan}, Severity: checks.High,
		Title: checks.T("サーバ証明書", "Server certificate"),
		Detail: checks.T("証明書が有効期間内で、信頼できる認証局に発行され、名前が一致し、鍵長と署名アルゴリズムが基準を満たすこと。",
			"The certificate is within its validity, issued by a trusted CA, matches the name, and has an adequate key and signature algorithm."),
		Remediation: checks.T("信頼できる認証局から RSA 2048 ビット以上または ECDSA P-256 以上、SHA-256 以上で署名された証明書を取得してください。",
			"Obtain a certificate from a trusted CA with RSA ≥ 2048 bits or ECDSA ≥ P-256, signed with SHA-256 or better."),
	}
}

func (c certificate) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	pol := in.EffectivePolicy()
	now := in.Now
	return eachScan(in, info, "certificate", func(o scanners.Observation, scan *scanners.TLSScan) []checks.Finding {
		var out []checks.Finding
		ch := scan.Certificate
		if ch == nil || len(ch.Certs) == 0 {
			reason := checks.T("サーバが証明書を送りませんでした（匿名の暗号スイートのみ、またはハンドシェイクがすべて失敗）",
				"the server sent no certificate (anonymous suites only) or no handshake succeeded")
			if len(scan.Errors) > 0 {
				reason = checks.T(reason.JA+"。最初の記録: "+checks.Raw(scan.Errors[0]), reason.EN+"; "+scan.Errors[0])
			}
			out = append(out, checks.UnsureT(info, o, "certificate", reason))
			return out
		}
		leaf := ch.Certs[0]
		fails, warns := 0, 0
		add := func(subj string, st checks.Status, sev checks.Severity, d, fix checks.Text) {
			out = append(out, checks.Observed(info, o, subj, st, d).Graded(sev, fix))
			if st == checks.Fail {
				fails++
			} else if st == checks.Warn {
				warns++
			}
		}
		if leaf.ParseError != "" {
			add("certificate:unparsable", checks.Fail, checks.High,
				checks.T("証明書を解析できません: "+checks.Raw(leaf.ParseError), "The certificate cannot be parsed: "+leaf.ParseError),
				checks.T("標準に準拠した証明書を設定してください。", "Install a standards-conforming certificate."))
			return out
		}
		nb, _ := time.Parse(time.RFC3339, leaf.NotBefore)
		na, _ := time.Parse(time.RFC3339, leaf.NotAfter)
		who := fmt.Sprintf("%s（発行者 %s）", leaf.Subject, leaf.Issuer)
		whoEN := fmt.Sprintf("%s (issuer %s)", leaf.Subject, leaf.Issuer)
		switch {
		case now.After(na):
			add("certificate:expired", checks.Fail, checks.High,
				checks.T(fmt.Sprintf("証明書 %s は %s に期限切れです。", who, leaf.NotAfter), fmt.Sprintf("Certificate %s expired on %s.", whoEN, leaf.NotAfter)),
				checks.T("有効な証明書に更新してください。", "Renew the certificate."))
		case now.Before(nb):
			add("certificate:not-yet-valid", checks.Fail, checks.High,
				checks.T(fmt.Sprintf("証明書 %s の有効期間開始は %s です。", who, leaf.NotBefore), fmt.Sprintf("Certificate %s is not valid before %s.", whoEN, leaf.NotBefore)),
				checks.T("有効期間内の証明書を設定し、サーバの時刻を確認してください。", "Install a currently valid certificate and check the server clock."))
		case pol.CertExpiryDays > 0 && na.Sub(now) < time.Duration(pol.CertExpiryDays)*24*time.Hour:
			days := int(na.Sub(now).Hours() / 24)
			add("certificate:expires-soon", checks.Warn, checks.Medium,
				checks.T(fmt.Sprintf("証明書 %s はあと %d 日（%s）で期限切れになります（基準 %d 日）。", who, days, leaf.NotAfter, pol.CertExpiryDays),
					fmt.Sprintf("Certificate %s expires in %s (%s; threshold %s).", whoEN, checks.Count(days, "day", "days"), leaf.NotAfter, checks.Count(pol.CertExpiryDays, "day", "days"))),
				checks.T("期限前に証明書を更新してください。", "Renew the certificate before it expires."))
		}
		switch {
		case ch.SelfSigned:
			add("certificate:self-signed", checks.Fail, checks.High,
				checks.T("自己署名証明書です（"+who+"）。", "The certificate is self-signed ("+whoEN+")."),
				checks.T("信頼できる認証局が発行した証明書を設定してください。", "Install a certificate issued by a trusted CA."))
		case !ch.Trusted:
			add("certificate:untrusted", checks.Fail, checks.High,
				checks.T(fmt.Sprintf("証明書チェーンを信頼できません（信頼ストア %s）: %s", checks.Raw(ch.TrustStore), checks.Raw(ch.TrustError)),
					fmt.Sprintf("The chain does not verify (trust store %s): %s", ch.TrustStore, ch.TrustError)),
				checks.T("信頼できる認証局の証明書と中間証明書を正しく設定してください。", "Install a certificate from a trusted CA together with its intermediates."))
		}
		if ch.NameChecked != "" && !ch.NameMatch {
			add("certificate:name-mismatch", checks.Fail, checks.High,
				checks.T(fmt.Sprintf("証明書の名前が %s と一致しません（SAN: %s）。", ch.NameChecked, sans(leaf.SANs, "なし")),
					fmt.Sprintf("The certificate does not match %s (SANs: %s).", ch.NameChecked, sans(leaf.SANs, "none"))),
				checks.T("接続名を SAN に含む証明書を設定してください。", "Install a certificate whose SANs include the name clients use."))
		}
		var weakKeys, weakSigs, weakSigsJA []string
		for i, ct := range ch.Certs {
			if ct.IsTrustAnchor || ct.ParseError != "" {
				continue
			}
			if minBits, ok := certMinBits[ct.KeyType]; ok && ct.KeyBits < minBits {
				weakKeys = append(weakKeys, fmt.Sprintf("#%d %s %s-%d < %d", i, ct.Subject, ct.KeyType, ct.KeyBits, minBits))
			}
			if r, ok := certSigAlgs[ct.SigAlgOID]; ok && r.Class == "forbidden" {
				weakSigs = append(weakSigs, fmt.Sprintf("#%d %s %s", i, ct.Subject, r.Name))
				weakSigsJA = append(weakSigsJA, fmt.Sprintf("#%d %s %s", i, ct.Subject, r.Name))
			} else if !ok && ct.SigAlgOID != "" {
				weakSigs = append(weakSigs, fmt.Sprintf("#%d %s %s (%s, not in the policy)", i, ct.Subject, ct.SigAlg, ct.SigAlgOID))
				weakSigsJA = append(weakSigsJA, fmt.Sprintf("#%d %s %s（%s、ポリシーに記載なし）", i, ct.Subject, ct.SigAlg, ct.SigAlgOID))
			}
		}
		if len(weakKeys) > 0 {
			add("certificate:key-size", checks.Fail, checks.High,
				checks.T("鍵長が不足しています: "+strings.Join(weakKeys, "; "), "Key too short: "+strings.Join(weakKeys, "; ")),
				checks.T("RSA 2048 ビット以上または ECDSA P-256 以上の鍵で証明書を再発行してください。", "Reissue the certificate with an RSA ≥ 2048-bit or ECDSA ≥ P-256 key."))
		}
		if len(weakSigs) > 0 {
			add("certificate:signature", checks.Fail, checks.High,
				checks.T("禁止された署名アルゴリズムです: "+strings.Join(weakSigsJA, "; "), "Forbidden signature algorithm: "+strings.Join(weakSigs, "; ")),
				checks.T("SHA-256 以上で署名された証明書を取得してください。", "Obtain a certificate signed with SHA-256 or better."))
		}
		if len(ch.OrderProblems) > 0 {
			add("certificate:chain-order", checks.Warn, checks.Low,
				checks.T("証明書チェーンの順序に問題があります: "+checks.Raw(strings.Join(ch.OrderProblems, "; ")), "Chain order problems: "+strings.Join(ch.OrderProblems, "; ")),
				checks.T("サーバ証明書、中間証明書の順に並べてください。", "Serve the leaf first, then each issuer in order."))
		}
		if !ch.OCSPStapled {
			out = append(out, checks.Observed(info, o, "certificate:ocsp-stapling", checks.InfoS,
				checks.T("OCSP ステープリングが有効ではありません（推奨）。", "OCSP stapling is not enabled (recommended).")).Graded("",
				checks.T("OCSP ステープリングを有効にしてください。", "Enable OCSP stapling.")))
		}
		if fails == 0 && warns == 0 {
			add("certificate", checks.Pass, "",
				checks.T(fmt.Sprintf("証明書 %s は有効（%s まで）、信頼済み、名前一致、%s-%d、%s。", who, leaf.NotAfter, leaf.KeyType, leaf.KeyBits, leaf.SigAlg),
					fmt.Sprintf("Certificate %s is valid until %s, trusted, matches, %s-%d, %s.", whoEN, leaf.NotAfter, leaf.KeyType, leaf.KeyBits, leaf.SigAlg)), checks.Text{})
		}
		return out
	})
}

// sans lists a certificate's SANs, or says there are none (a CN-only
// certificate), so the detail never ends in an empty list.
func sans(names []string, none string) string {
	if len(names) == 0 {
		return none
	}
	return strings.Join(names, ", ")
}
