package tlscheck

import (
	"fmt"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(protocols{}) }

type protocols struct{}

func (protocols) Info() checks.Info {
	return checks.Info{
		ID: "tls.protocols", Articles: []string{"61-1-5", "29-1"}, Needs: []string{scanners.ProbeTLSScan}, Severity: checks.High,
		Title: checks.T("TLSプロトコルバージョン", "TLS protocol versions"),
		Detail: checks.T("SSLv2/SSLv3/TLS 1.0/TLS 1.1 を受け付けず、TLS 1.2 を提供していること。",
			"SSLv2, SSLv3, TLS 1.0 and TLS 1.1 are refused and TLS 1.2 is offered."),
		Remediation: checks.T("サーバ設定で TLS 1.2 と TLS 1.3 のみを有効にしてください（例: nginx `ssl_protocols TLSv1.2 TLSv1.3;`、Postfix `smtpd_tls_protocols = >=TLSv1.2`）。",
			"Enable only TLS 1.2 and TLS 1.3 (e.g. nginx `ssl_protocols TLSv1.2 TLSv1.3;`, Postfix `smtpd_tls_protocols = >=TLSv1.2`)."),
	}
}

func (c protocols) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	tname, st := settingOf(in.EffectivePolicy())
	return eachScan(in, info, "protocols", func(o scanners.Observation, scan *scanners.TLSScan) []checks.Finding {
		var out []checks.Finding
		bad := false
		for _, p := range scan.Protocols {
			rule := st.Protocols[p.Name]
			switch {
			case p.Status == "error" && rule != "allowed":
				f := checks.UnsureT(info, o, p.Name, checks.T(p.Name+": "+checks.Raw(p.Reason), p.Name+": "+p.Reason))
				out = append(out, f)
				bad = true
			case p.Status == "supported" && rule == "forbidden":
				sev := checks.Medium
				if strings.HasPrefix(p.Name, "SSL") {
					sev = checks.High
				}
				out = append(out, checks.Observed(info, o, p.Name, checks.Fail,
					checks.T(fmt.Sprintf("%s で %s を受け付けます。設定区分 %s では禁止されています（%d 種類の暗号スイート）。", mode(scan), p.Name, typeText(tname, st).JA, len(p.Suites)),
						fmt.Sprintf("%s accepts %s, which setting type %s forbids (%s).", mode(scan), p.Name, tname, checks.Count(len(p.Suites), "suite", "suites")))).Graded(sev,
					checks.T(fmt.Sprintf("%s を無効にしてください（TLS 1.2 以上のみを有効化）。", p.Name), fmt.Sprintf("Disable %s; enable TLS 1.2 and later only.", p.Name))))
				bad = true
			case p.Status == "not-supported" && rule == "required":
				out = append(out, checks.Observed(info, o, p.Name, checks.Fail,
					checks.T(fmt.Sprintf("%s が提供されていません。設定区分 %s では必須です。", p.Name, typeText(tname, st).JA),
						fmt.Sprintf("%s is not offered; setting type %s requires it.", p.Name, tname))).Graded(checks.Medium,
					checks.T(fmt.Sprintf("%s を有効にしてください。", p.Name), fmt.Sprintf("Enable %s.", p.Name))))
				bad = true
			}
		}
		if !bad {
			var on []string
			for _, p := range scan.Protocols {
				if p.Status == "supported" {
					on = append(on, p.Name)
				}
			}
			out = append(out, checks.Observed(info, o, "protocols", checks.Pass,
				checks.T("提供プロトコル: "+strings.Join(on, ", ")+"（設定区分 "+typeText(tname, st).JA+" に適合）", "Protocols offered: "+strings.Join(on, ", ")+" (conform to "+tname+")")))
		}
		return out
	})
}
