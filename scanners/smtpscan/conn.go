package smtpscan

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"shindan/scanners"
)

// maxTranscript bounds the evidence kept per endpoint.
const maxTranscript = 64 * 1024

// transcript records what was sent (C:) and seen (S:) in order.
type transcript struct {
	b    strings.Builder
	full bool
}

// add appends one line. Past maxTranscript it writes one truncation
// marker and drops the rest, so a server that answers with megabytes
// costs bounded memory and the evidence says it was cut.
func (t *transcript) add(prefix, s string) {
	if t.full {
		return
	}
	if t.b.Len()+len(s)+4 > maxTranscript {
		t.b.WriteString("... (transcript truncated)\n")
		t.full = true
		return
	}
	t.b.WriteString(prefix)
	t.b.WriteString(s)
	t.b.WriteByte('\n')
}

// String is the transcript as evidence text.
func (t *transcript) String() string { return t.b.String() }

// conn is one SMTP connection. Every reply has one deadline for the whole
// reply (not per read), so a server dribbling a byte per second cannot
// stretch a reply beyond the I/O timeout.
type conn struct {
	nc      net.Conn
	br      *bufio.Reader
	timeout time.Duration
	tr      *transcript
	stop    func() bool // unregisters the ctx watcher
}

// close closes the connection and drops the ctx watcher.
func (c *conn) close() {
	if c.stop != nil {
		c.stop()
	}
	c.nc.Close()
}

// newConn wraps nc in a small buffered reader; what one reply may cost
// is bounded by ReadReply's limits, not by the buffer.
func newConn(nc net.Conn, timeout time.Duration, tr *transcript) *conn {
	return &conn{nc: nc, br: bufio.NewReaderSize(nc, 4096), timeout: timeout, tr: tr}
}

// reply reads one reply within the timeout.
func (c *conn) reply() (scanners.SMTPReply, error) { return c.replyWithin(c.timeout) }

// replyWithin reads one reply, all its lines, within d. The greeting gets
// the greeting wait (Settings.SMTP.Greet): a "220-" line followed by a
// pause (postscreen) is one reply, so the pause does not end the wait.
func (c *conn) replyWithin(d time.Duration) (scanners.SMTPReply, error) {
	if err := c.nc.SetReadDeadline(time.Now().Add(d)); err != nil {
		return scanners.SMTPReply{}, err
	}
	rep, err := ReadReply(c.br)
	for i, l := range rep.Lines {
		sep := "-"
		if i == len(rep.Lines)-1 && err == nil {
			sep = " "
		}
		c.tr.add("S: ", fmt.Sprintf("%03d%s%s", rep.Code, sep, l))
	}
	if err != nil {
		c.tr.add("!! ", err.Error())
		return rep, fmt.Errorf("smtpscan: reading reply: %w", err)
	}
	return rep, nil
}

// ErrUnsafeCommand is returned for a command line that holds a control
// character: written, a CR or LF would end it early and start another
// command (an injected MAIL/RCPT/DATA) on the target.
var ErrUnsafeCommand = errors.New("smtpscan: refusing to send a command with a control character")

// cmd sends one command line and reads its reply. The line and its CRLF go
// out in one write, and a line with any control character is refused
// before anything is written.
func (c *conn) cmd(line string) (scanners.SMTPReply, error) {
	if err := scanners.CheckWire(line); err != nil {
		c.tr.add("!! ", "refused to send: "+err.Error())
		return scanners.SMTPReply{}, &stageErr{scanners.Internal, fmt.Errorf("%w: %v", ErrUnsafeCommand, err).Error()}
	}
	c.tr.add("C: ", line)
	if err := c.nc.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		return scanners.SMTPReply{}, err
	}
	if _, err := c.nc.Write([]byte(line + "\r\n")); err != nil {
		c.tr.add("!! ", err.Error())
		return scanners.SMTPReply{}, fmt.Errorf("smtpscan: sending %s: %w", verb(line), err)
	}
	return c.reply()
}

// verb names a command in errors without its arguments (addresses).
func verb(line string) string {
	v, _, _ := strings.Cut(line, " ")
	return v
}

// startTLS runs the client handshake on the connection, bounded by the
// timeout and ctx, and swaps the reader to the TLS stream.
func (c *conn) startTLS(ctx context.Context, serverName string) (*tls.Conn, error) {
	cfg := &tls.Config{
		// The channel is graded by the tls.* checks; here we only need to
		// know whether a handshake works, whatever the certificate.
		InsecureSkipVerify: true, //nolint:gosec // grading is done elsewhere
		MinVersion:         tls.VersionTLS10,
		ServerName:         serverName,
	}
	tc := tls.Client(c.nc, cfg)
	hctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		c.tr.add("!! ", "TLS handshake failed: "+err.Error())
		return nil, fmt.Errorf("smtpscan: tls handshake: %w", err)
	}
	st := tc.ConnectionState()
	c.tr.add("-- ", "TLS established: "+tls.VersionName(st.Version)+" "+tls.CipherSuiteName(st.CipherSuite))
	// A fresh reader: bytes the server sent in cleartext after its 220
	// must not be read as if they came over TLS (the STARTTLS injection
	// class of CVE-2011-0411, seen from the client side).
	c.nc = tc
	c.br = bufio.NewReaderSize(tc, 4096)
	return tc, nil
}

// tlsSummary records the negotiated channel and the leaf certificate as
// the server presented it (not verified here; tls.certificate grades it).
func tlsSummary(tc *tls.Conn, st *scanners.SMTPStartTLS) {
	cs := tc.ConnectionState()
	st.HandshakeOK = true
	st.Version = tls.VersionName(cs.Version)
	st.CipherSuite = tls.CipherSuiteName(cs.CipherSuite)
	if len(cs.PeerCertificates) > 0 {
		leaf := cs.PeerCertificates[0]
		st.CertSubject = leaf.Subject.String()
		st.CertIssuer = leaf.Issuer.String()
		st.CertNames = leaf.DNSNames
		st.CertExpires = leaf.NotAfter.UTC().Format(time.RFC3339)
	}
}
