package smtpscan

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"shindan/scanners"
)

// relayForm is one address form of the relay test.
type relayForm struct {
	name       string
	from, rcpt string
}

// forms builds the relay address forms from the outside sender and
// recipient. host is the target as an address literal ("[198.51.100.82]").
func forms(from, rcpt, host, own string) []relayForm {
	local, dom, ok := strings.Cut(rcpt, "@")
	if !ok {
		local, dom = rcpt, "example.invalid"
	}
	f := []relayForm{
		{"plain", from, rcpt},
		{"quoted", from, `"` + local + "@" + dom + `"`},
		{"percent", from, local + "%" + dom + "@" + host},
		{"bang", from, dom + "!" + local + "@" + host},
		{"source-route", from, "@" + host + ":" + local + "@" + dom},
		{"ip-literal", from, local + "@[" + DefaultIPLiteral + "]"},
	}
	if own != "" {
		fl, _, _ := strings.Cut(from, "@")
		f = append(f, relayForm{"own-domain-sender", fl + "@" + own, rcpt})
	}
	return f
}

// addrLiteral writes an address literal as RFC 5321 §4.1.3 has it:
// "[198.51.100.1]" or "[IPv6:2001:db8::1]"; a v4-mapped address is IPv4.
func addrLiteral(a netip.Addr) string {
	if a.Is6() && !a.Is4In6() {
		return "[IPv6:" + a.String() + "]"
	}
	return "[" + a.Unmap().String() + "]"
}

// ownDomain guesses the target's mail domain: the option, the parent of
// Target.Name, or the parent of the host name in the greeting.
func (r *runner) ownDomain(sess *scanners.SMTPSession) string {
	if r.own != "" {
		return r.own
	}
	name := r.serverName()
	if name == "" && len(sess.Greeting.Lines) > 0 {
		if f := strings.Fields(sess.Greeting.Lines[0]); len(f) > 0 && strings.Contains(f[0], ".") {
			name = f[0]
		}
	}
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	if strings.Count(name, ".") >= 2 {
		_, parent, _ := strings.Cut(name, ".")
		return parent
	}
	return name
}

// relay runs every form on c, reconnecting when a form ended the
// connection. It stops after the first form accepted to DATA (enough to
// fail, and polite) and when the server defers us with 421. It returns
// the connection still open, or nil.
func (r *runner) relay(ctx context.Context, c *conn, sess *scanners.SMTPSession) *conn {
	sess.OwnDomain = r.ownDomain(sess)
	for _, f := range forms(r.from, r.rcpt, addrLiteral(r.t.Addr), sess.OwnDomain) {
		if c == nil {
			var err error
			if c, _, err = r.open(ctx); err != nil {
				sess.RelayNote = "stopped: reconnect failed: " + err.Error()
				return nil
			}
		}
		a, keep := r.attempt(c, f)
		sess.Relay = append(sess.Relay, a)
		if !keep {
			c.close()
			c = nil
		}
		if ctx.Err() != nil {
			sess.RelayNote = "stopped: scan interrupted"
			return c
		}
		if a.Verdict == scanners.RelayAccepted {
			sess.RelayNote = "stopped after the first form accepted to DATA"
			return c
		}
		if a.Mail == 421 || a.Rcpt == 421 || a.Data == 421 {
			sess.RelayNote = "stopped: the server closed the session with 421"
			return c
		}
	}
	return c
}

// attempt runs MAIL, RCPT and DATA for one form. After 354 nothing more is
// written: anything sent now would be message content, so the connection
// is dropped instead, which aborts the transaction without delivery (RFC
// 5321 4.1.1.4: no final "." means no message). keep says whether c is
// still usable.
func (r *runner) attempt(c *conn, f relayForm) (scanners.SMTPRelayAttempt, bool) {
	a := scanners.SMTPRelayAttempt{Form: f.name, MailFrom: f.from, RcptTo: f.rcpt}
	undecided := func(why string, err error) (scanners.SMTPRelayAttempt, bool) {
		a.Verdict, a.Reason = scanners.RelayUndecided, why
		if err != nil {
			a.Reason = why + ": " + err.Error()
			return a, false
		}
		return a, r.rset(c)
	}
	rep, err := c.cmd("MAIL FROM:<" + f.from + ">")
	a.Mail = rep.Code
	if err != nil {
		return undecided("MAIL FROM unanswered", err)
	}
	switch {
	case rep.Code/100 == 4:
		return undecided("MAIL FROM deferred ("+text(rep)+")", nil)
	case rep.Code/100 != 2:
		// A refused sender says nothing about relaying.
		return undecided("sender refused at MAIL FROM ("+text(rep)+"); relaying not tested in this form", nil)
	}
	rep, err = c.cmd("RCPT TO:<" + f.rcpt + ">")
	a.Rcpt = rep.Code
	if err != nil {
		return undecided("RCPT TO unanswered", err)
	}
	switch {
	case rep.Code/100 == 4:
		return undecided("RCPT TO deferred ("+text(rep)+"): greylisting or rate limit", nil)
	case rep.Code/100 != 2:
		a.Verdict, a.Reason = scanners.RelayRefused, "RCPT TO refused ("+text(rep)+")"
		return a, r.rset(c)
	}
	rep, err = c.cmd("DATA")
	a.Data = rep.Code
	if err != nil {
		return undecided("RCPT accepted, DATA unanswered", err)
	}
	switch {
	case rep.Code == 354:
		a.Verdict, a.Reason = scanners.RelayAccepted, "outside recipient accepted up to 354 for DATA; connection dropped without a body"
		r.tr.add("-- ", "354 received: closing without sending a message body")
		return a, false
	case rep.Code/100 == 4:
		return undecided("RCPT accepted, DATA deferred ("+text(rep)+")", nil)
	default:
		a.Verdict, a.Reason = scanners.RelayRcptOnly, "RCPT accepted but DATA refused ("+text(rep)+")"
		return a, r.rset(c)
	}
}

// rset resets the transaction; false means the connection is no longer usable.
func (r *runner) rset(c *conn) bool {
	rep, err := c.cmd("RSET")
	return err == nil && rep.Code == 250
}

// text is a reply in one line for a verdict's reason.
func text(rep scanners.SMTPReply) string {
	return strings.TrimSpace(fmt.Sprintf("%d %s", rep.Code, strings.Join(rep.Lines, " ")))
}
