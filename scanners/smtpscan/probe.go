package smtpscan

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"shindan/scanners"
)

func init() { scanners.Register(Probe{}) }

var _ scanners.Probe = Probe{}

// Defaults for the relay test. They live under reserved names (RFC 2606,
// RFC 6761) so that even a real open relay has nowhere to deliver.
const (
	DefaultHELO     = "shindan.invalid"
	DefaultMailFrom = "shindan-probe@example.net"
	DefaultRcptTo   = "relay-test@example.invalid"
	// DefaultIPLiteral is a documentation address (TEST-NET-1) used as the
	// outside host in the IP-literal form; nothing ever connects to it.
	DefaultIPLiteral = "192.0.2.1"
)

// Probe is smtp.session. It reads Settings.SMTP: HELO, MailFrom, RcptTo,
// MailDomain (the target's own domain for the own-domain sender form; else
// derived from Target.Name or the greeting), NoRelay and GreetTimeout.
type Probe struct{}

// Info implements scanners.Probe.
func (Probe) Info() scanners.ProbeInfo {
	return scanners.ProbeInfo{ID: scanners.ProbeSMTPSession, Level: scanners.LevelEndpoint,
		Services: []string{"smtp", "submission", "smtps"}}
}

// stageErr is a failure with the status an observation should carry.
type stageErr struct {
	status scanners.Status
	msg    string
}

// Error is the message alone; the status travels in the type.
func (e *stageErr) Error() string { return e.msg }

// statusOf is the observation status of a session error: a stage's own
// verdict (a 4xx greeting is RateLimited, not a refusal), else what the
// network error says (timeout, refused).
func statusOf(err error) scanners.Status {
	var se *stageErr
	if errors.As(err, &se) {
		return se.status
	}
	return scanners.StatusOf(err)
}

// Run implements scanners.Probe. Cancelling ctx closes the connection, so
// a blocked read returns at once and the observation says Interrupted.
func (Probe) Run(ctx context.Context, env *scanners.Env, t scanners.Target) ([]scanners.Observation, error) {
	r := &runner{env: env, t: t, tr: &transcript{}}
	r.opts()
	if err := r.checkSettings(); err != nil {
		return nil, err
	}
	sess := &scanners.SMTPSession{Port: t.Port, HELOName: r.helo}
	at := env.Clock()
	err := r.run(ctx, sess)
	o := scanners.Observation{Probe: scanners.ProbeSMTPSession, Target: t, At: at, Status: scanners.OK, Data: sess,
		Evidence: []scanners.Evidence{{Kind: "transcript",
			Summary: fmt.Sprintf("SMTP session with %s from %s", t, sess.Source), Data: r.tr.String()}}}
	if err != nil {
		o.Status, o.Reason = statusOf(err), err.Error()
		if ctx.Err() != nil {
			o.Status = scanners.Interrupted
		}
	}
	return []scanners.Observation{o}, nil
}

// runner is one endpoint's SMTP session: the settings resolved once (opts)
// and what the first connection learned, which later connections of the
// relay test reuse.
type runner struct {
	env                *scanners.Env
	t                  scanners.Target
	tr                 *transcript
	helo, from, rcpt   string
	own                string
	noRelay            bool
	greetWait          time.Duration // wait for the 220 greeting
	tlsWorks, implicit bool
	opened             bool // the first connection was made: only it tries an unproven STARTTLS
}

// opts resolves the settings; 465 is implicit TLS (RFC 8314 §3.3),
// every other port starts in cleartext.
func (r *runner) opts() {
	s := r.env.Settings.SMTP
	r.helo = firstNonEmpty(s.HELO, DefaultHELO)
	r.from = firstNonEmpty(s.MailFrom, DefaultMailFrom)
	r.rcpt = firstNonEmpty(s.RcptTo, DefaultRcptTo)
	r.own = s.MailDomain
	r.noRelay = s.NoRelay
	r.greetWait = s.Greet()
	r.implicit = r.t.Port == 465
}

// checkSettings refuses settings that cannot go on the wire as they are;
// the CLI and the policy parser refuse them first, this is the backstop.
func (r *runner) checkSettings() error {
	if err := scanners.CheckHELO(r.helo); err != nil {
		return fmt.Errorf("smtpscan: HELO name: %w", err)
	}
	for _, m := range []string{r.from, r.rcpt} {
		if err := scanners.CheckMailbox(m); err != nil {
			return fmt.Errorf("smtpscan: relay test address: %w", err)
		}
	}
	if r.own != "" {
		if err := scanners.CheckHostName(r.own); err != nil {
			return fmt.Errorf("smtpscan: mail domain: %w", err)
		}
	}
	return nil
}

// firstNonEmpty treats a blank setting as unset, so "helo: ' '" falls
// back to the default instead of sending an empty HELO.
func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// serverName is the SNI for STARTTLS: the target's host name, never an
// IP address (RFC 6066 §3 forbids literal addresses in server_name).
func (r *runner) serverName() string {
	if r.t.Name != "" && net.ParseIP(r.t.Name) == nil {
		return r.t.Name
	}
	return ""
}

// handshake is what opening a connection showed, up to where it got: the
// fields of scanners.SMTPSession that the first connection fills.
type handshake struct {
	source           string
	greeting         scanners.SMTPReply
	caps, auth       []string // cleartext EHLO
	capsTLS, authTLS []string // EHLO after TLS (implicit or STARTTLS)
	ehloOK, tlsAfter bool
	startTLS         scanners.SMTPStartTLS
}

// record writes the facts into sess, whose handshake fields are unset.
func (h *handshake) record(sess *scanners.SMTPSession) {
	sess.Source, sess.Greeting = h.source, h.greeting
	sess.Caps, sess.Auth, sess.CapsTLS, sess.AuthTLS = h.caps, h.auth, h.capsTLS, h.authTLS
	sess.EHLOOK, sess.TLSAfter, sess.StartTLS = h.ehloOK, h.tlsAfter, h.startTLS
}

// open dials and brings a session to the point of sending MAIL: greeting,
// EHLO, and STARTTLS when offered and, after the first connection, known
// to work. It returns what it saw even when it fails, so that a verdict
// can say how far the server let us come. A failed STARTTLS handshake
// goes on in cleartext on a new connection; the facts stay the first
// connection's.
func (r *runner) open(ctx context.Context) (*conn, *handshake, error) {
	first := !r.opened
	r.opened = true
	h := &handshake{}
	nc, err := r.env.DialContext(ctx, "tcp", r.t.HostPort())
	if err != nil {
		r.tr.add("!! ", "connect: "+err.Error())
		return nil, h, fmt.Errorf("smtpscan: connect %s: %w", r.t.HostPort(), err)
	}
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	c := newConn(nc, r.env.Timeout(), r.tr)
	c.stop = stop
	r.tr.add("-- ", "connected "+nc.LocalAddr().String()+" -> "+nc.RemoteAddr().String())
	h.source = nc.LocalAddr().String()
	if err := r.greet(ctx, c, h); err != nil {
		c.close()
		return nil, h, err
	}
	if r.implicit || !HasCap(h.caps, "STARTTLS") || (!first && !r.tlsWorks) {
		return c, h, nil
	}
	tc, err := r.starttls(ctx, c, h)
	switch {
	case errors.Is(err, errTLSFailed):
		// The connection is unusable after a failed handshake: go on in
		// cleartext on a new one, so the relay test still runs.
		c.close()
		c, _, err = r.open(ctx)
		return c, h, err
	case err != nil:
		c.close()
		return nil, h, err
	case tc == nil: // STARTTLS refused: go on in cleartext
		return c, h, nil
	}
	r.tlsWorks = true
	caps, auth, err := r.ehlo(c)
	if err != nil {
		c.close()
		return nil, h, err
	}
	tlsSummary(tc, &h.startTLS)
	h.capsTLS, h.authTLS, h.tlsAfter = caps, auth, true
	return c, h, nil
}

// greet runs implicit TLS (port 465), reads the 220 greeting and sends
// EHLO. The capabilities land in caps (cleartext) or capsTLS (465).
func (r *runner) greet(ctx context.Context, c *conn, h *handshake) error {
	if r.implicit {
		h.startTLS.Offered, h.startTLS.Implicit = true, true
		tc, err := c.startTLS(ctx, r.serverName())
		if err != nil {
			h.startTLS.Error = err.Error()
			return &stageErr{scanners.HandshakeFailed, err.Error()}
		}
		tlsSummary(tc, &h.startTLS)
	}
	g, err := c.replyWithin(r.greetWait)
	if err != nil {
		if scanners.StatusOf(err) == scanners.Timeout {
			err = fmt.Errorf("smtpscan: no complete 220 greeting within %s: %w", r.greetWait, err)
		}
		return err
	}
	h.greeting = g
	if err := codeErr("greeting", g, 220); err != nil {
		return err
	}
	caps, auth, err := r.ehlo(c)
	if err != nil {
		return err
	}
	h.ehloOK = true
	if r.implicit {
		h.capsTLS, h.authTLS, h.tlsAfter = caps, auth, true
	} else {
		h.caps, h.auth = caps, auth
	}
	return nil
}

// errTLSFailed marks a STARTTLS handshake that failed after the server
// said 220: the connection is lost, the server still talks cleartext.
var errTLSFailed = errors.New("smtpscan: starttls handshake failed")

// starttls sends STARTTLS and shakes hands. It returns the TLS connection,
// nil without an error when the server refused the command, or
// errTLSFailed when the handshake failed.
func (r *runner) starttls(ctx context.Context, c *conn, h *handshake) (*tls.Conn, error) {
	h.startTLS.Offered = true
	rep, err := c.cmd("STARTTLS")
	if err != nil {
		return nil, err
	}
	h.startTLS.Reply = rep.Code
	if rep.Code != 220 {
		h.startTLS.Error = fmt.Sprintf("STARTTLS answered %d %s", rep.Code, strings.Join(rep.Lines, " "))
		return nil, nil
	}
	tc, err := c.startTLS(ctx, r.serverName())
	if err != nil {
		h.startTLS.Error = err.Error()
		return nil, errTLSFailed
	}
	return tc, nil
}

// ehlo sends EHLO, falling back to HELO when EHLO is refused.
func (r *runner) ehlo(c *conn) (caps, auth []string, err error) {
	rep, err := c.cmd("EHLO " + r.helo)
	if err != nil {
		return nil, nil, err
	}
	if rep.Code == 250 {
		caps, auth = Caps(rep)
		return caps, auth, nil
	}
	if rep.Code >= 400 && rep.Code < 500 {
		return nil, nil, codeErr("EHLO", rep, 250)
	}
	rep, err = c.cmd("HELO " + r.helo)
	if err != nil {
		return nil, nil, err
	}
	return nil, nil, codeErr("HELO", rep, 250)
}

// codeErr classifies a reply that is not the expected code: 4xx means the
// server deferred us (rate limit, greylisting), anything else a refusal.
func codeErr(stage string, rep scanners.SMTPReply, want int) error {
	if rep.Code == want {
		return nil
	}
	msg := fmt.Sprintf("smtpscan: %s answered %d %s", stage, rep.Code, strings.Join(rep.Lines, " "))
	if rep.Code >= 400 && rep.Code < 500 {
		return &stageErr{scanners.RateLimited, msg}
	}
	return &stageErr{scanners.HandshakeFailed, msg}
}

// run opens the session (greeting, EHLO, STARTTLS), runs the relay test
// unless the policy turned it off, and ends with QUIT. A failed STARTTLS
// does not end the session: AUTH in cleartext and the relay test are
// still worth observing on the plaintext channel.
func (r *runner) run(ctx context.Context, sess *scanners.SMTPSession) error {
	c, h, err := r.open(ctx)
	h.record(sess)
	if err != nil {
		return err
	}
	if sess.StartTLS.Offered && !sess.StartTLS.HandshakeOK && !r.implicit {
		r.tr.add("-- ", "continuing in cleartext after the failed STARTTLS")
	}
	if r.noRelay {
		sess.RelayNote = "relay test disabled by policy (smtp_relay: off)"
	} else {
		c = r.relay(ctx, c, sess)
	}
	if c != nil {
		_, _ = c.cmd("QUIT") // best effort: the verdicts are already recorded
		c.close()
	}
	return nil
}
