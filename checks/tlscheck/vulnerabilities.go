package tlscheck

import (
	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(vulnerabilities{}) }

type vulnerabilities struct{}

func (vulnerabilities) Info() checks.Info {
	return checks.Info{
		ID: "tls.vulnerabilities", Articles: []string{"34-3"}, Needs: []string{scanners.ProbeTLSScan}, Severity: checks.High,
		Title: checks.T("TLSの既知の脆弱性", "Known TLS vulnerabilities"),
		Detail: checks.T("Heartbleed、安全でない再ネゴシエーション、TLS圧縮、フォールバックSCSV未対応がないこと。",
			"No Heartbleed, insecure renegotiation, TLS compression or missing fallback SCSV."),
		Remediation: checks.T("TLSライブラリを更新し、設定を見直してください。", "Update the TLS library and review its configuration."),
	}
}

type vuln struct {
	subject    string
	sev        checks.Severity
	title, fix checks.Text
	get        func(*scanners.TLSVulns) scanners.TLSVuln
}

var vulnList = []vuln{
	{"heartbleed", checks.Critical,
		checks.T("Heartbleed（CVE-2014-0160）: サーバメモリが漏えいします", "Heartbleed (CVE-2014-0160): the server leaks memory"),
		checks.T("OpenSSL を 1.0.1g 以降に更新し、秘密鍵と証明書を更新・失効してください。", "Update OpenSSL (1.0.1g or later), then replace and revoke the key and certificate."),
		func(v *scanners.TLSVulns) scanners.TLSVuln { return v.Heartbleed }},
	{"insecure-renegotiation", checks.High,
		checks.T("安全な再ネゴシエーション（RFC 5746）に対応していません", "Secure renegotiation (RFC 5746) is not supported"),
		checks.T("RFC 5746 に対応した TLS ライブラリに更新してください。", "Update to a TLS library that implements RFC 5746."),
		func(v *scanners.TLSVulns) scanners.TLSVuln { return v.SecureRenegotiation }},
	{"compression", checks.High,
		checks.T("TLS 圧縮が有効です（CRIME）", "TLS compression is enabled (CRIME)"),
		checks.T("TLS 圧縮を無効にしてください（OpenSSL: SSL_OP_NO_COMPRESSION）。", "Disable TLS compression (OpenSSL: SSL_OP_NO_COMPRESSION)."),
		func(v *scanners.TLSVulns) scanners.TLSVuln { return v.Compression }},
	{"fallback-scsv", checks.Medium,
		checks.T("TLS_FALLBACK_SCSV（RFC 7507）に対応していません（ダウングレード攻撃）", "TLS_FALLBACK_SCSV (RFC 7507) is not honoured (downgrade attacks)"),
		checks.T("RFC 7507 に対応した TLS ライブラリに更新するか、古いプロトコルを無効にしてください。", "Update to a TLS library that implements RFC 7507, or disable the older protocols."),
		func(v *scanners.TLSVulns) scanners.TLSVuln { return v.FallbackSCSV }},
}

func (c vulnerabilities) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	return eachScan(in, info, "vulnerabilities", func(o scanners.Observation, scan *scanners.TLSScan) []checks.Finding {
		var out []checks.Finding
		bad := false
		for _, v := range vulnList {
			r := v.get(&scan.Vulns)
			switch r.Status {
			case "vulnerable":
				f := checks.Observed(info, o, v.subject, checks.Fail,
					withDetail(v.title, r.Detail)).Graded(v.sev, v.fix)
				f.Title = v.title
				out = append(out, f)
				bad = true
			case "not-vulnerable", "not-applicable":
			default:
				reason := checks.T(checks.Raw(v.subject)+": "+checks.Raw(r.Detail), v.subject+": "+r.Detail)
				if r.Detail == "" {
					reason = checks.T(checks.Raw(v.subject)+" の試験は実行されませんでした", v.subject+": probe did not run")
				}
				out = append(out, checks.UnsureT(info, o, v.subject, reason))
				bad = true
			}
		}
		if !bad {
			out = append(out, checks.Observed(info, o, "vulnerabilities", checks.Pass,
				checks.T("Heartbleed、安全でない再ネゴシエーション、TLS圧縮、フォールバックSCSV未対応のいずれも検出されませんでした。",
					"No Heartbleed, insecure renegotiation, TLS compression or missing fallback SCSV found.")))
		}
		return out
	})
}

// withDetail is the vulnerability's title followed by what the probe saw,
// when it said anything.
func withDetail(title checks.Text, detail string) checks.Text {
	if detail == "" {
		return title
	}
	return checks.T(title.JA+"。プローブの記録: "+checks.Raw(detail), title.EN+": "+detail)
}
