package mailcheck

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"shindan/checks"
	"shindan/scanners"
)

func sessObsv(port uint16, st scanners.Status, s *scanners.SMTPSession) scanners.Observation {
	o := scanners.Observation{Probe: scanners.ProbeSMTPSession, At: time.Unix(0, 0),
		Target: scanners.Target{Addr: netip.MustParseAddr("198.51.100.82"), Port: port, Proto: scanners.TCP},
		Status: st, Evidence: []scanners.Evidence{{Kind: "transcript", Data: "S: 220 x\r\nC: EHLO shindan.invalid"}}}
	if s != nil {
		o.Data = s
	}
	if st != scanners.OK {
		o.Reason = "smtpscan: greeting answered 421 too many connections"
	}
	return o
}

func attempt(form, verdict string) scanners.SMTPRelayAttempt {
	return scanners.SMTPRelayAttempt{Form: form, MailFrom: "a@example.net", RcptTo: "b@example.invalid", Verdict: verdict, Reason: "r"}
}

// run evaluates c on the observations after a JSON round trip, so the
// payload kinds are exercised as a distributed worker would send them.
func run(t *testing.T, c checks.Check, obs ...scanners.Observation) []checks.Finding {
	t.Helper()
	b, err := json.Marshal(obs)
	if err != nil {
		t.Fatal(err)
	}
	var back []scanners.Observation
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	return c.Evaluate(&checks.Input{Obs: back, Policy: checks.DefaultPolicy()})
}

func one(t *testing.T, fs []checks.Finding, want checks.Status, contains string) checks.Finding {
	t.Helper()
	if len(fs) != 1 {
		t.Fatalf("got %d findings: %+v", len(fs), fs)
	}
	f := fs[0]
	if f.Status != want {
		t.Fatalf("status %s, want %s: %s", f.Status, want, f.Detail.EN)
	}
	if !strings.Contains(f.Detail.EN, contains) || f.Detail.JA == "" {
		t.Fatalf("detail %q lacks %q (ja %q)", f.Detail.EN, contains, f.Detail.JA)
	}
	return f
}

func TestOpenRelay(t *testing.T) {
	refused := []scanners.SMTPRelayAttempt{attempt("plain", scanners.RelayRefused), attempt("percent", scanners.RelayRefused)}
	tests := []struct {
		name     string
		obs      scanners.Observation
		want     checks.Status
		contains string
	}{
		{"accepted", sessObsv(25, scanners.OK, &scanners.SMTPSession{Source: "203.0.113.130:4000", Relay: []scanners.SMTPRelayAttempt{attempt("plain", scanners.RelayAccepted)}}), checks.Fail, "203.0.113.130"},
		{"quoted form accepted", sessObsv(25, scanners.OK, &scanners.SMTPSession{Relay: append(refused, attempt("quoted", scanners.RelayAccepted))}), checks.Fail, "quoted"},
		{"rcpt only", sessObsv(25, scanners.OK, &scanners.SMTPSession{Relay: []scanners.SMTPRelayAttempt{attempt("plain", scanners.RelayRcptOnly)}}), checks.Warn, "refused at DATA"},
		{"refused", sessObsv(25, scanners.OK, &scanners.SMTPSession{Relay: refused}), checks.Pass, "plain, percent"},
		{"greylisted", sessObsv(25, scanners.OK, &scanners.SMTPSession{Relay: append(refused, attempt("bang", scanners.RelayUndecided))}), checks.Error, "bang"},
		{"no attempts", sessObsv(25, scanners.OK, &scanners.SMTPSession{RelayNote: "stopped: reconnect failed"}), checks.Error, "reconnect failed"},
		{"disabled", sessObsv(25, scanners.OK, &scanners.SMTPSession{RelayNote: "relay test disabled by policy"}), checks.Skipped, "disabled"},
		{"rate limited", sessObsv(25, scanners.RateLimited, nil), checks.Error, "421"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := one(t, run(t, openRelay{}, tc.obs), tc.want, tc.contains)
			if len(f.Evidence) == 0 {
				t.Error("no transcript evidence")
			}
			if tc.want == checks.Fail && f.Severity != checks.Critical {
				t.Errorf("severity %s", f.Severity)
			}
		})
	}
}

func TestAuth(t *testing.T) {
	tests := []struct {
		name     string
		obs      scanners.Observation
		want     checks.Status
		contains string
	}{
		{"plain in cleartext", sessObsv(25, scanners.OK, &scanners.SMTPSession{Auth: []string{"PLAIN", "LOGIN"}}), checks.Fail, "AUTH PLAIN LOGIN"},
		{"after tls only", sessObsv(587, scanners.OK, &scanners.SMTPSession{AuthTLS: []string{"PLAIN"}, TLSAfter: true}), checks.Pass, "after TLS: PLAIN"},
		{"cram in cleartext", sessObsv(25, scanners.OK, &scanners.SMTPSession{Auth: []string{"CRAM-MD5"}}), checks.Pass, "CRAM-MD5"},
		{"submission without auth", sessObsv(587, scanners.OK, &scanners.SMTPSession{TLSAfter: true, StartTLS: scanners.SMTPStartTLS{Offered: true, HandshakeOK: true}}), checks.Warn, "no SMTP authentication"},
		{"mx without auth", sessObsv(25, scanners.OK, &scanners.SMTPSession{}), checks.Pass, "AUTH before TLS: -"},
		{"tls broke on submission", sessObsv(587, scanners.OK, &scanners.SMTPSession{StartTLS: scanners.SMTPStartTLS{Offered: true, Error: "handshake failure"}}), checks.Error, "handshake failure"},
		{"timeout", sessObsv(587, scanners.Timeout, nil), checks.Error, "could not decide"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { one(t, run(t, auth{}, tc.obs), tc.want, tc.contains) })
	}
}

func TestStartTLS(t *testing.T) {
	ok := scanners.SMTPStartTLS{Offered: true, HandshakeOK: true, Reply: 220, Version: "TLS 1.3", CipherSuite: "TLS_AES_128_GCM_SHA256", CertSubject: "CN=mx"}
	tests := []struct {
		name     string
		obs      scanners.Observation
		want     checks.Status
		contains string
	}{
		{"works", sessObsv(25, scanners.OK, &scanners.SMTPSession{StartTLS: ok}), checks.Pass, "graded separately by the tls.* checks"},
		{"not offered", sessObsv(25, scanners.OK, &scanners.SMTPSession{}), checks.Fail, "not offered"},
		{"handshake fails", sessObsv(25, scanners.OK, &scanners.SMTPSession{StartTLS: scanners.SMTPStartTLS{Offered: true, Error: "remote error: tls: handshake failure"}}), checks.Fail, "handshake failure"},
		{"unreachable", sessObsv(25, scanners.Timeout, nil), checks.Error, "could not decide"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { one(t, run(t, startTLS{}, tc.obs), tc.want, tc.contains) })
	}
	if fs := run(t, startTLS{}, sessObsv(587, scanners.OK, &scanners.SMTPSession{})); len(fs) != 0 {
		t.Errorf("port 587 judged: %+v", fs)
	}
}
