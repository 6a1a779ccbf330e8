package tlsscan

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// Dialer opens a TCP connection (scanners.Env.DialContext).
type Dialer func(ctx context.Context, network, addr string) (net.Conn, error)

// maxLine bounds one line of a STARTTLS dialogue; maxLines the lines of one
// reply (an endless EHLO list costs a bounded read).
const (
	maxLine  = 1024
	maxLines = 64
)

// starttls runs the cleartext part of a STARTTLS dialogue on c and leaves
// it ready for a ClientHello. proto is smtp, imap, pop3 or ftp.
func starttls(c net.Conn, proto, helo string, timeout time.Duration) error {
	br := bufio.NewReaderSize(io.LimitReader(c, maxLine*maxLines*2), maxLine)
	// One deadline for the whole dialogue: a server dribbling a byte at a
	// time costs no more than the timeout.
	_ = c.SetDeadline(time.Now().Add(timeout))
	deadline := func() {}
	send := func(s string) error {
		_, err := io.WriteString(c, s+"\r\n")
		return err
	}
	switch proto {
	case "smtp":
		if _, err := smtpReply(br, deadline, "220"); err != nil {
			return err
		}
		if helo == "" {
			helo = "shindan.invalid"
		}
		if err := send("EHLO " + helo); err != nil {
			return err
		}
		lines, err := smtpReply(br, deadline, "250")
		if err != nil {
			return err
		}
		if !containsFold(lines, "STARTTLS") {
			return fmt.Errorf("tlsscan: smtp: EHLO reply does not offer STARTTLS")
		}
		if err := send("STARTTLS"); err != nil {
			return err
		}
		_, err = smtpReply(br, deadline, "220")
		return err
	case "ftp":
		if _, err := smtpReply(br, deadline, "220"); err != nil {
			return err
		}
		if err := send("AUTH TLS"); err != nil {
			return err
		}
		_, err := smtpReply(br, deadline, "234")
		return err
	case "pop3":
		if err := expectPrefix(br, deadline, "+OK"); err != nil {
			return err
		}
		if err := send("STLS"); err != nil {
			return err
		}
		return expectPrefix(br, deadline, "+OK")
	case "imap":
		if err := expectPrefix(br, deadline, "* OK"); err != nil {
			return err
		}
		if err := send("a1 STARTTLS"); err != nil {
			return err
		}
		for range maxLines {
			l, err := readLine(br, deadline)
			if err != nil {
				return err
			}
			if strings.HasPrefix(l, "a1 ") {
				if strings.HasPrefix(strings.ToUpper(l), "A1 OK") {
					return nil
				}
				return fmt.Errorf("tlsscan: imap: STARTTLS refused: %q", l)
			}
		}
		return fmt.Errorf("tlsscan: imap: no tagged reply to STARTTLS")
	}
	return fmt.Errorf("tlsscan: unknown STARTTLS protocol %q", proto)
}

// The bufio reader sits on top of the connection; no TLS bytes are
// buffered because every server waits for our ClientHello after the
// final reply.
func readLine(br *bufio.Reader, deadline func()) (string, error) {
	deadline()
	l, isPrefix, err := br.ReadLine()
	if err != nil {
		return "", err
	}
	if isPrefix {
		return "", fmt.Errorf("tlsscan: line longer than %d bytes", maxLine)
	}
	return string(l), nil
}

// expectPrefix reads one line and requires p (upper case) at its start,
// case-insensitively, as IMAP and POP3 tags and status words are.
func expectPrefix(br *bufio.Reader, deadline func(), p string) error {
	l, err := readLine(br, deadline)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(strings.ToUpper(l), p) {
		return fmt.Errorf("tlsscan: expected %q, got %q", p, printable(l))
	}
	return nil
}

// smtpReply reads a (multi-line) SMTP/FTP reply and requires code.
func smtpReply(br *bufio.Reader, deadline func(), code string) ([]string, error) {
	var lines []string
	for range maxLines {
		l, err := readLine(br, deadline)
		if err != nil {
			return lines, err
		}
		lines = append(lines, l)
		if len(l) < 3 {
			return lines, fmt.Errorf("tlsscan: malformed reply %q", printable(l))
		}
		if len(l) == 3 || l[3] == ' ' {
			if l[:3] != code {
				return lines, fmt.Errorf("tlsscan: expected %s, got %q", code, printable(l))
			}
			return lines, nil
		}
	}
	return lines, fmt.Errorf("tlsscan: reply longer than %d lines", maxLines)
}

// containsFold looks for a capability keyword in a multi-line reply:
// after the 3-digit code and its separator ("250-STARTTLS"), compared
// case-insensitively (RFC 5321 §2.4: keywords are not case-sensitive).
func containsFold(lines []string, w string) bool {
	for _, l := range lines {
		if len(l) > 4 && strings.EqualFold(strings.TrimSpace(l[4:]), w) {
			return true
		}
	}
	return false
}

// printable quotes server bytes in errors: at most 80, with control and
// non-ASCII bytes as '.', so a hostile banner cannot reach a terminal or
// a report as escape sequences.
func printable(s string) string {
	if len(s) > 80 {
		s = s[:80]
	}
	return strings.Map(func(r rune) rune {
		if r < 32 || r > 126 {
			return '.'
		}
		return r
	}, s)
}
