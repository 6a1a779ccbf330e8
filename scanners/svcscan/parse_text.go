package svcscan

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Ident is what a parser learned about a service from its bytes.
type Ident struct {
	Name, Product, Version string
	StartTLS               bool
	Attrs                  map[string]string
}

func (id *Ident) set(k, v string) {
	if id.Attrs == nil {
		id.Attrs = map[string]string{}
	}
	id.Attrs[k] = v
}

// ParseSSHBanner reads an SSH identification string (RFC 4253 §4.2),
// "SSH-2.0-OpenSSH_9.2p1 Debian-2" → OpenSSH 9.2p1 with comment
// "Debian-2". ok is false when the line is not an SSH identification.
func ParseSSHBanner(line string) (id Ident, ok bool) {
	line = strings.TrimRight(line, "\r\n")
	if !strings.HasPrefix(line, "SSH-") {
		return id, false
	}
	rest := line[4:]
	proto, sw, found := strings.Cut(rest, "-")
	if !found || (proto != "2.0" && proto != "1.99" && proto != "1.5") {
		return id, false
	}
	id.Name = "ssh"
	id.set("ssh-protocol", proto)
	sw, comment, _ := strings.Cut(sw, " ")
	if comment != "" {
		id.set("comment", comment)
	}
	if i := strings.IndexAny(sw, "_-"); i > 0 {
		id.Product, id.Version = sw[:i], sw[i+1:]
	} else {
		id.Product = sw
	}
	switch strings.ToLower(id.Product) {
	case "openssh":
		id.Product = "OpenSSH"
	case "dropbear":
		id.Product = "Dropbear"
	}
	return id, true
}

// Reply is a parsed SMTP/FTP-style reply: a three-digit code and its lines.
type Reply struct {
	Code  int
	Lines []string // text after "ddd-" / "ddd "
}

// ParseReply reads one multi-line reply in SMTP/FTP form ("250-a", "250 b").
// complete is false while the last line is a continuation. FTP allows
// continuation lines without a code; they are kept as text.
func ParseReply(b []byte) (r Reply, complete bool) {
	for _, l := range lines(b) {
		if len(l) >= 3 && isDigits(l[:3]) {
			code, _ := strconv.Atoi(l[:3])
			if r.Code == 0 {
				r.Code = code
			}
			if code == r.Code && (len(l) == 3 || l[3] == ' ') {
				r.Lines = append(r.Lines, strings.TrimSpace(l[min(4, len(l)):]))
				return r, true
			}
			if len(l) > 3 && l[3] == '-' {
				r.Lines = append(r.Lines, strings.TrimSpace(l[4:]))
				continue
			}
		}
		if r.Code == 0 {
			return r, false
		}
		r.Lines = append(r.Lines, strings.TrimSpace(l))
	}
	return r, false
}

// replyDone is a read predicate for ParseReply.
func replyDone(b []byte) bool {
	if len(b) == 0 || b[len(b)-1] != '\n' {
		return false
	}
	_, ok := ParseReply(b)
	return ok
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

var (
	smtpWords = regexp.MustCompile(`(?i)\b(E?SMTP|Postfix|Exim|Sendmail|OpenSMTPD|MAIL Service|mail server)\b`)
	ftpWords  = regexp.MustCompile(`(?i)(FTP|FileZilla)`)
	rfcDate   = regexp.MustCompile(`(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), +)?\d{1,2} +(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{4} +\d{1,2}:\d{2}(?::\d{2})? *(?:[+-]\d{4}|UT|GMT|[A-Z]{3})`)
	eximVer   = regexp.MustCompile(`Exim ([0-9][0-9.]*[0-9])`)
	smVer     = regexp.MustCompile(`Sendmail ([0-9][0-9.]*[0-9])`)
)

// SMTPLike classifies a 220 greeting: "smtp", "ftp" or "" when the words
// do not tell (the caller then asks the server).
func SMTPLike(r Reply) string {
	text := strings.Join(r.Lines, " ")
	switch {
	case smtpWords.MatchString(text):
		return "smtp"
	case ftpWords.MatchString(text):
		return "ftp"
	}
	return ""
}

// ParseSMTPGreeting reads an SMTP greeting (RFC 5321 §4.2): product and
// version when the MTA names itself, and the server's clock when the
// greeting carries an RFC 5322 date (Exim, Sendmail, Exchange do).
func ParseSMTPGreeting(b []byte) (id Ident, date time.Time, ok bool) {
	r, complete := ParseReply(b)
	if !complete || r.Code < 200 || r.Code > 599 {
		return id, date, false
	}
	id.Name = "smtp"
	text := strings.Join(r.Lines, " ")
	switch {
	case strings.Contains(text, "Postfix"):
		id.Product = "Postfix"
	case eximVer.MatchString(text):
		id.Product, id.Version = "Exim", eximVer.FindStringSubmatch(text)[1]
	case smVer.MatchString(text):
		id.Product, id.Version = "Sendmail", smVer.FindStringSubmatch(text)[1]
	case strings.Contains(text, "OpenSMTPD"):
		id.Product = "OpenSMTPD"
	case strings.Contains(text, "Microsoft ESMTP MAIL Service"):
		id.Product = "Microsoft Exchange"
	}
	if r.Code != 220 {
		id.set("greeting-code", strconv.Itoa(r.Code))
	}
	date, _ = ParseMailDate(text)
	return id, date, true
}

// ParseMailDate finds and parses an RFC 5322 date inside free text.
func ParseMailDate(text string) (time.Time, bool) {
	m := rfcDate.FindString(text)
	if m == "" {
		return time.Time{}, false
	}
	m = strings.Join(strings.Fields(m), " ")
	for _, layout := range []string{
		"Mon, 2 Jan 2006 15:04:05 -0700", "2 Jan 2006 15:04:05 -0700",
		"Mon, 2 Jan 2006 15:04:05 MST", "2 Jan 2006 15:04:05 MST",
		"Mon, 2 Jan 2006 15:04 -0700", "2 Jan 2006 15:04 -0700",
		"Mon, 2 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 15:04:05-0700",
	} {
		if t, err := time.Parse(layout, m); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// HasCapability reports whether a capability list (EHLO lines, FTP FEAT,
// POP3 CAPA, IMAP CAPABILITY words) contains word, case-insensitively, as
// the first word of a line or as any word when words is true.
func HasCapability(lines []string, word string, words bool) bool {
	for _, l := range lines {
		f := strings.Fields(l)
		for i, w := range f {
			if i > 0 && !words {
				break
			}
			w = strings.Trim(w, "[]()")
			if strings.EqualFold(w, word) {
				return true
			}
		}
	}
	return false
}

var (
	vsftpdVer  = regexp.MustCompile(`vsFTPd ([0-9][0-9.]*[0-9])`)
	proftpdVer = regexp.MustCompile(`ProFTPD ([0-9][0-9.a-z]*)`)
	fzVer      = regexp.MustCompile(`FileZilla Server(?: version)? ([0-9][0-9.a-z]*)`)
)

// ParseFTPGreeting reads an FTP greeting (RFC 959 reply 220).
func ParseFTPGreeting(b []byte) (id Ident, ok bool) {
	r, complete := ParseReply(b)
	if !complete || (r.Code != 220 && r.Code != 120 && r.Code != 421) {
		return id, false
	}
	id.Name = "ftp"
	if r.Code != 220 {
		id.set("greeting-code", strconv.Itoa(r.Code))
	}
	text := strings.Join(r.Lines, " ")
	switch {
	case vsftpdVer.MatchString(text):
		id.Product, id.Version = "vsftpd", vsftpdVer.FindStringSubmatch(text)[1]
	case proftpdVer.MatchString(text):
		id.Product, id.Version = "ProFTPD", proftpdVer.FindStringSubmatch(text)[1]
	case strings.Contains(text, "Pure-FTPd"):
		id.Product = "Pure-FTPd"
	case fzVer.MatchString(text):
		id.Product, id.Version = "FileZilla Server", fzVer.FindStringSubmatch(text)[1]
	case strings.Contains(text, "Microsoft FTP Service"):
		id.Product = "Microsoft IIS FTP"
	}
	return id, true
}

// ParsePOP3Greeting reads a POP3 greeting ("+OK ...", RFC 1939).
func ParsePOP3Greeting(b []byte) (id Ident, ok bool) {
	l := firstLine(b)
	if !strings.HasPrefix(l, "+OK") {
		return id, false
	}
	id.Name = "pop3"
	if strings.Contains(l, "Dovecot") {
		id.Product = "Dovecot"
	}
	return id, true
}

// ParseIMAPGreeting reads an IMAP greeting ("* OK", "* PREAUTH", "* BYE",
// RFC 9051 §7.1) and the capabilities it may carry in brackets.
func ParseIMAPGreeting(b []byte) (id Ident, caps []string, ok bool) {
	l := firstLine(b)
	if !strings.HasPrefix(l, "* OK") && !strings.HasPrefix(l, "* PREAUTH") && !strings.HasPrefix(l, "* BYE") {
		return id, nil, false
	}
	id.Name = "imap"
	if i := strings.Index(l, "[CAPABILITY "); i >= 0 {
		c := l[i+len("[CAPABILITY "):]
		if j := strings.IndexByte(c, ']'); j >= 0 {
			caps = strings.Fields(c[:j])
		}
	}
	if strings.Contains(l, "Dovecot") {
		id.Product = "Dovecot"
	}
	return id, caps, true
}

// Telnet IAC command bytes (RFC 854).
const (
	iac  = 0xff
	will = 0xfb
	wont = 0xfc
	do   = 0xfd
	dont = 0xfe
	sb   = 0xfa
	se   = 0xf0
)

// ParseTelnet recognises a Telnet server by its option negotiation (IAC
// WILL/WONT/DO/DONT) and returns the printable text between commands.
func ParseTelnet(b []byte) (text []byte, ok bool) {
	if len(b) < 3 || b[0] != iac || b[1] < will || b[1] > dont {
		return nil, false
	}
	for i := 0; i < len(b); i++ {
		if b[i] != iac {
			text = append(text, b[i])
			continue
		}
		if i+1 >= len(b) {
			break
		}
		switch c := b[i+1]; {
		case c >= will && c <= dont:
			i += 2
		case c == sb:
			j := i + 2
			for j+1 < len(b) && (b[j] != iac || b[j+1] != se) {
				j++
			}
			i = j + 1
		case c == iac:
			text = append(text, iac)
			i++
		default:
			i++
		}
	}
	return text, true
}

// telnetRefuse answers every DO with WONT and every WILL with DONT, so a
// server that waits for negotiation goes on to its login prompt.
func telnetRefuse(b []byte) []byte {
	var out []byte
	for i := 0; i+2 < len(b); i++ {
		if b[i] != iac {
			continue
		}
		switch b[i+1] {
		case do, dont:
			out = append(out, iac, wont, b[i+2])
			i += 2
		case will, wont:
			out = append(out, iac, dont, b[i+2])
			i += 2
		}
	}
	return out
}
