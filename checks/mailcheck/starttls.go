package mailcheck

import (
	"shindan/checks"
	"shindan/scanners"
	"slices"
)

func init() { checks.Register(startTLS{}) }

var _ checks.Check = startTLS{}

// startTLS implements smtp.starttls (Art. 59-4, 67-3): EHLO on 25,
// STARTTLS offered and the handshake succeeds. Fails when there is no
// STARTTLS or the handshake fails. The handshake is judged by Go's
// crypto/tls alone; the channel (versions, suites, certificate) is graded
// by the tls.* checks.
type startTLS struct{}

func (startTLS) Info() checks.Info {
	return checks.Info{
		ID: "smtp.starttls", Articles: []string{"59-4", "67-3"}, Needs: []string{scanners.ProbeSMTPSession},
		Severity: checks.High,
		Title:    checks.T("SMTP の STARTTLS による暗号化", "SMTP STARTTLS encryption"),
		Remediation: checks.T(
			"ポート 25 で STARTTLS を提供し、有効な証明書で TLS ハンドシェイクが成功するよう設定してください（Postfix: `smtpd_tls_security_level = may`、`smtpd_tls_chain_files`）。",
			"Offer STARTTLS on port 25 with a working TLS configuration and certificate (Postfix: smtpd_tls_security_level = may, smtpd_tls_chain_files)."),
	}
}

// gradedNote keeps a pass from reading as "the mail channel is secure":
// like testssl (pitfalls §1.8) this check proves only that STARTTLS works.
const gradedNote = "（ハンドシェイクは Go の crypto/tls で確認。TLS 通信路の評価は tls.* チェックが別途行います）"
const gradedNoteEN = " (handshake checked with Go crypto/tls; the TLS channel itself is graded separately by the tls.* checks)"

// Evaluate grades port 25 only. 59-4 is about server-to-server transfer,
// which is port 25; submission ports serve clients and are graded by
// smtp.auth and the tls.* checks.
func (c startTLS) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	// checks.md: EHLO on 25; 465/587 are graded by smtp.auth and tls.*
	on25 := *in
	on25.Obs = slices.DeleteFunc(slices.Clone(in.Obs), func(o scanners.Observation) bool { return o.Target.Port != 25 })
	return checks.Each(&on25, info, scanners.ProbeSMTPSession, "", func(o scanners.Observation, s *scanners.SMTPSession) []checks.Finding {
		var out []checks.Finding
		st := s.StartTLS
		switch {
		case !st.Offered:
			out = append(out, checks.Observed(info, o, "", checks.Fail, checks.T(
				"EHLO の応答に STARTTLS がありません。サーバ間のメールが暗号化されません。",
				"STARTTLS is not offered in the EHLO reply: server-to-server mail travels unencrypted.")))
		case !st.HandshakeOK:
			out = append(out, checks.Observed(info, o, "", checks.Fail, checks.T(
				"STARTTLS は提示されていますが TLS を確立できませんでした: "+checks.Raw(st.Error)+gradedNote,
				"STARTTLS is offered but TLS could not be established: "+st.Error+gradedNoteEN)))
		default:
			out = append(out, checks.Observed(info, o, "", checks.Pass, checks.T(
				"STARTTLS で TLS を確立しました（"+st.Version+"、"+st.CipherSuite+"、証明書 "+st.CertSubject+"）"+gradedNote,
				"TLS established with STARTTLS ("+st.Version+", "+st.CipherSuite+", certificate "+st.CertSubject+")"+gradedNoteEN)))
		}
		return out
	})
}
