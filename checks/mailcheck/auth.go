package mailcheck

import (
	"slices"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(auth{}) }

var _ checks.Check = auth{}

// auth implements smtp.auth (Art. 59-2, 16-4-2): EHLO before and after
// STARTTLS on 25/587 and on 465 with implicit TLS. Fails when AUTH PLAIN
// or LOGIN is offered without TLS (16-4-2); a submission port (587, 465)
// with no AUTH at all is warn.
type auth struct{}

func (auth) Info() checks.Info {
	return checks.Info{
		ID: "smtp.auth", Articles: []string{"59-2", "16-4-2"}, Needs: []string{scanners.ProbeSMTPSession},
		Severity: checks.High,
		Title:    checks.T("SMTP 認証と認証情報の暗号化", "SMTP authentication and protection of credentials"),
		Remediation: checks.T(
			"AUTH は TLS 確立後にのみ提示してください（Postfix: `smtpd_tls_auth_only = yes`）。投稿用ポート（587/465）では SMTP 認証を必須にしてください。",
			"Offer AUTH only after TLS is established (Postfix: smtpd_tls_auth_only = yes), and require SMTP authentication on the submission ports (587/465)."),
	}
}

// Evaluate grades each SMTP session on its own port: the same server may
// rightly offer no AUTH on 25 (MX) and must offer it on 587/465.
func (c auth) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	return checks.Each(in, info, scanners.ProbeSMTPSession, "", func(o scanners.Observation, s *scanners.SMTPSession) []checks.Finding {
		var out []checks.Finding
		clear := slices.ContainsFunc(s.Auth, func(m string) bool { return m == "PLAIN" || m == "LOGIN" })
		submission := o.Target.Port == 587 || o.Target.Port == 465
		switch {
		case clear:
			f := checks.Observed(info, o, "", checks.Fail, checks.T(
				"TLS なしで平文の認証方式が提示されています（AUTH "+list(s.Auth)+"）。パスワードが暗号化されずに送られる可能性があります。",
				"cleartext authentication is offered without TLS (AUTH "+list(s.Auth)+"): passwords can travel unencrypted."))

			// Cleartext credentials are above all a 16-4-2 breach (protect
			// authentication data in transit), so it leads the list.
			f.Articles = []string{"16-4-2", "59-2"}
			out = append(out, f)
		// Submission servers commonly offer AUTH only after STARTTLS; when
		// the handshake failed the second EHLO was never read, so "no AUTH"
		// is unknown, not a warn.
		case len(s.Auth) == 0 && len(s.AuthTLS) == 0 && submission && s.StartTLS.Offered && !s.TLSAfter:
			out = append(out, checks.Observed(info, o, "", checks.Error, checks.T(
				"TLS 確立に失敗したため、TLS 後の AUTH を確認できませんでした: "+checks.Raw(s.StartTLS.Error),
				"the AUTH mechanisms after TLS could not be read because TLS failed: "+s.StartTLS.Error)))
		case len(s.Auth) == 0 && len(s.AuthTLS) == 0 && submission:
			f := checks.Observed(info, o, "", checks.Warn, checks.T(
				"投稿用ポートで SMTP 認証（AUTH）が提示されていません。",
				"the submission port offers no SMTP authentication (AUTH) at all."))

			f.Severity = checks.Medium
			out = append(out, f)
		default:
			out = append(out, checks.Observed(info, o, "", checks.Pass, checks.T(
				"TLS 前の AUTH: "+list(s.Auth)+"、TLS 後の AUTH: "+list(s.AuthTLS)+"。平文の PLAIN/LOGIN は提示されていません。",
				"AUTH before TLS: "+list(s.Auth)+"; after TLS: "+list(s.AuthTLS)+". No PLAIN/LOGIN in cleartext.")))
		}
		return out
	})
}
