package mailcheck

import (
	"fmt"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(openRelay{}) }

var _ checks.Check = openRelay{}

// openRelay implements smtp.open-relay (Art. 59-1, 38). Fails when any
// outside→outside RCPT is accepted without authentication (here: accepted
// up to the 354 reply to DATA); RCPT accepted but DATA refused is warn; a
// 4xx (greylisting, rate limit) or unanswered attempt is error with the
// reason, never pass.
type openRelay struct{}

func (openRelay) Info() checks.Info {
	return checks.Info{
		ID: "smtp.open-relay", Articles: []string{"59-1", "38"}, Needs: []string{scanners.ProbeSMTPSession},
		Severity: checks.Critical,
		Title:    checks.T("メールの不正中継（オープンリレー）", "SMTP open relay"),
		Remediation: checks.T(
			"外部から外部宛てのメールは認証済みの利用者にのみ中継するよう設定してください（Postfix: `smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination`、`mynetworks` は自組織の範囲に限定）。",
			"Relay outside-to-outside mail only for authenticated users (Postfix: smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination; keep mynetworks to your own ranges)."),
	}
}

// Evaluate takes the strongest evidence over all address forms: one form
// accepted to DATA fails the server even if the others were refused.
// "RCPT accepted, DATA refused" is only warn because many servers accept
// any RCPT and refuse later (pitfalls §1.1); a pass needs every tried
// form refused, so a greylisted form keeps the check at error.
func (c openRelay) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	return checks.Each(in, info, scanners.ProbeSMTPSession, "", func(o scanners.Observation, s *scanners.SMTPSession) []checks.Finding {
		var out []checks.Finding
		var acc, rcpt, und, ref, accJA, rcptJA, undJA, refJA []string
		for _, a := range s.Relay {
			d := fmt.Sprintf("%s (MAIL FROM:<%s> RCPT TO:<%s>: %s)", a.Form, a.MailFrom, a.RcptTo, a.Reason)
			// The form is the probe's name for an address syntax, the
			// reason the server's reply: both quoted in Japanese.
			dj := fmt.Sprintf("形式%s（MAIL FROM:<%s> RCPT TO:<%s>: %s）", checks.Raw(a.Form), a.MailFrom, a.RcptTo, checks.Raw(a.Reason))
			switch a.Verdict {
			case scanners.RelayAccepted:
				acc, accJA = append(acc, d), append(accJA, dj)
			case scanners.RelayRcptOnly:
				rcpt, rcptJA = append(rcpt, d), append(rcptJA, dj)
			case scanners.RelayRefused:
				ref, refJA = append(ref, a.Form), append(refJA, checks.Raw(a.Form))
			default:
				und, undJA = append(und, d), append(undJA, dj)
			}
		}
		// The address the test mail claimed to come from, when known.
		from, fromJA := "", ""
		if s.Source != "" {
			from, fromJA = " (scanner "+s.Source+")", "（スキャナ "+s.Source+"）"
		}
		switch {
		case len(acc) > 0:
			out = append(out, checks.Observed(info, o, "", checks.Fail, checks.T(
				"外部から外部宛てのメールを認証なしで DATA（354）まで受け付けました"+fromJA+": "+strings.Join(accJA, "; ")+"。本文は送信していません。",
				"an outside-to-outside message was accepted without authentication up to DATA (354)"+from+": "+strings.Join(acc, "; ")+". No message body was sent.")))
		case len(rcpt) > 0:
			f := checks.Observed(info, o, "", checks.Warn, checks.T(
				"外部宛ての RCPT は受け付けましたが DATA で拒否されました"+fromJA+": "+strings.Join(rcptJA, "; ")+"。中継はされませんが、受け付け段階での拒否が望まれます。",
				"outside RCPT accepted but refused at DATA"+from+": "+strings.Join(rcpt, "; ")+". Not relayed, but the recipient should be refused at RCPT."))

			f.Severity = checks.Medium
			out = append(out, f)
		case len(und) > 0:
			f := checks.Observed(info, o, "", checks.Error, checks.T(
				"一部の形式を判定できませんでした（一時エラー・グレイリスト等）: "+strings.Join(undJA, "; "),
				"some address forms could not be decided (temporary failure, greylisting, ...): "+strings.Join(und, "; ")))

			out = append(out, f)
		case len(ref) > 0:
			out = append(out, checks.Observed(info, o, "", checks.Pass, checks.T(
				"外部から外部宛ての中継はすべての形式で RCPT 段階で拒否されました"+fromJA+": "+strings.Join(refJA, "、"),
				"outside-to-outside relaying was refused at RCPT in every form"+from+": "+strings.Join(ref, ", "))))
		default:
			reason, reasonJA := s.RelayNote, checks.Raw(s.RelayNote)
			if reason == "" {
				reason, reasonJA = "no relay attempt was made", "中継を試みていません"
			}
			f := checks.Observed(info, o, "", checks.Error, checks.T("中継試験を実施できませんでした: "+reasonJA, "relay test not performed: "+reason))
			// smtp_relay: off in the policy is the operator's choice, not
			// a failed probe: skipped, so --fail-on does not count it.
			if strings.Contains(reason, "disabled") {
				f = f.Decided(checks.Skipped)
			}
			out = append(out, f)
		}
		return out
	})
}
