// Package smtpscan probes SMTP endpoints (25, 587, 465): greeting, EHLO
// capabilities before and after STARTTLS, AUTH mechanisms and an
// open-relay test that stops at the DATA reply and never sends a body.
package smtpscan

import (
	"bufio"
	"errors"
	"fmt"
	"strings"

	"shindan/scanners"
)

// Limits on one reply from an untrusted server. A reply that exceeds one
// is an error, so an endless multiline reply costs at most MaxReplyBytes.
// MaxLineBytes is twice the 512 octets RFC 5321 §4.5.3.1.5 allows a reply
// line, as slack for servers that exceed it.
const (
	MaxLineBytes  = 1024
	MaxReplyLines = 100
	MaxReplyBytes = 16 * 1024
)

// ErrReply is wrapped by every malformed-reply error.
var ErrReply = errors.New("smtpscan: malformed reply")

// ReadReply reads one (possibly multiline) reply from br, enforcing the
// line, line-count and byte limits. Deadlines are the caller's business
// (see conn.reply): ReadReply only stops on bytes.
func ReadReply(br *bufio.Reader) (scanners.SMTPReply, error) {
	var (
		rep   scanners.SMTPReply
		total int
	)
	for n := 0; ; n++ {
		if n >= MaxReplyLines {
			return rep, fmt.Errorf("%w: more than %d lines", ErrReply, MaxReplyLines)
		}
		line, err := readLine(br, MaxLineBytes)
		if err != nil {
			return rep, err
		}
		total += len(line) + 2
		if total > MaxReplyBytes {
			return rep, fmt.Errorf("%w: more than %d bytes", ErrReply, MaxReplyBytes)
		}
		code, more, text, err := parseLine(line)
		if err != nil {
			return rep, err
		}
		if n == 0 {
			rep.Code = code
		} else if code != rep.Code {
			return rep, fmt.Errorf("%w: code %d inside a %d reply", ErrReply, code, rep.Code)
		}
		rep.Lines = append(rep.Lines, text)
		if !more {
			return rep, nil
		}
	}
}

// readLine reads up to '\n', dropping a trailing '\r'; longer lines than
// max are an error rather than a silent truncation, so a reply is never
// misread from the middle of a line.
func readLine(br *bufio.Reader, max int) (string, error) {
	var b strings.Builder
	for {
		c, err := br.ReadByte()
		if err != nil {
			return "", err
		}
		if c == '\n' {
			return strings.TrimSuffix(b.String(), "\r"), nil
		}
		if b.Len() >= max {
			return "", fmt.Errorf("%w: line longer than %d bytes", ErrReply, max)
		}
		b.WriteByte(c)
	}
}

// parseLine splits "250-text", "250 text" or "250".
func parseLine(line string) (code int, more bool, text string, err error) {
	if len(line) < 3 {
		return 0, false, "", fmt.Errorf("%w: short line %q", ErrReply, clip(line))
	}
	for i := 0; i < 3; i++ {
		if line[i] < '0' || line[i] > '9' {
			return 0, false, "", fmt.Errorf("%w: no reply code in %q", ErrReply, clip(line))
		}
	}
	code = int(line[0]-'0')*100 + int(line[1]-'0')*10 + int(line[2]-'0')
	if code < 200 || code > 599 {
		return 0, false, "", fmt.Errorf("%w: reply code %d out of range", ErrReply, code)
	}
	if len(line) == 3 {
		return code, false, "", nil
	}
	switch line[3] {
	case '-':
		more = true
	case ' ':
	default:
		return 0, false, "", fmt.Errorf("%w: bad separator in %q", ErrReply, clip(line))
	}
	return code, more, line[4:], nil
}

// clip bounds a hostile line quoted in an error.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// Caps parses the EHLO reply lines after the first (the greeting line) into
// upper-cased keywords with their parameters, and the AUTH mechanisms
// (both "AUTH X Y" and the legacy "AUTH=X Y").
func Caps(rep scanners.SMTPReply) (caps, auth []string) {
	for i, l := range rep.Lines {
		if i == 0 {
			continue
		}
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		u := strings.ToUpper(l)
		caps = append(caps, u)
		f := strings.Fields(u)
		kw := f[0]
		switch {
		case kw == "AUTH":
			auth = appendNew(auth, f[1:]...)
		case strings.HasPrefix(kw, "AUTH="):
			auth = appendNew(auth, strings.TrimPrefix(kw, "AUTH="))
			auth = appendNew(auth, f[1:]...)
		}
	}
	return caps, auth
}

// appendNew appends the values not yet in s: servers that advertise both
// AUTH and AUTH= list the same mechanisms twice.
func appendNew(s []string, v ...string) []string {
	for _, x := range v {
		if x == "" {
			continue
		}
		dup := false
		for _, y := range s {
			if y == x {
				dup = true
				break
			}
		}
		if !dup {
			s = append(s, x)
		}
	}
	return s
}

// HasCap reports whether keyword kw is among caps.
func HasCap(caps []string, kw string) bool {
	for _, c := range caps {
		if f := strings.Fields(c); len(f) > 0 && f[0] == kw {
			return true
		}
	}
	return false
}
