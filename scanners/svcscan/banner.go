package svcscan

import (
	"bytes"
	"strconv"
	"strings"
	"time"
)

// fromBanner identifies a server-first protocol from its first bytes and
// asks the follow-up questions the checks need (STARTTLS, AUTH TLS,
// anonymous FTP, VNC security types) on the same connection.
func (r *run) fromBanner(s *session, b []byte, local time.Time) (result, bool) {
	res := result{banner: b, method: "banner"}
	switch {
	case bytes.HasPrefix(b, []byte("SSH-")):
		id, ok := ParseSSHBanner(firstLine(b))
		res.id, res.banner = id, []byte(firstLine(b))
		return res, ok
	case b[0] == iac:
		text, ok := ParseTelnet(b)
		if !ok {
			return res, false
		}
		// Refuse every option so the server moves on to its login text.
		if reply := telnetRefuse(b); len(reply) > 0 && s.send(reply) == nil {
			if more, _ := s.recv(r.cfg.bannerWait, nil); len(more) > 0 {
				t2, _ := ParseTelnet(append([]byte{iac, wont, 0}, more...))
				text = append(text, t2...)
			}
		}
		res.id, res.banner = Ident{Name: "telnet"}, text
		return res, true
	case len(b) > 4 && b[3] == 0 && mysqlDone(b):
		id, ok := ParseMySQLGreeting(b)
		res.id = id
		return res, ok
	case bytes.HasPrefix(b, []byte("RFB ")):
		return r.vnc(s, b)
	case bytes.HasPrefix(b, []byte("+OK")):
		id, ok := ParsePOP3Greeting(b)
		if ok {
			id.StartTLS = r.capaList(s, "CAPA\r\n", "STLS")
			res.id = id
			_ = s.sendString("QUIT\r\n")
		}
		res.id = id
		return res, ok
	case bytes.HasPrefix(b, []byte("* ")):
		id, caps, ok := ParseIMAPGreeting(b)
		if !ok {
			return res, false
		}
		if !HasCapability([]string{strings.Join(caps, " ")}, "STARTTLS", true) {
			caps = r.imapCaps(s)
		}
		id.StartTLS = HasCapability([]string{strings.Join(caps, " ")}, "STARTTLS", true)
		_ = s.sendString("a2 LOGOUT\r\n")
		res.id = id
		return res, true
	}
	if rep, complete := ParseReply(b); complete && (rep.Code == 220 || rep.Code == 421 || rep.Code == 554 || rep.Code == 120) {
		return r.smtpOrFTP(s, b, rep, local)
	}
	return res, false
}

// smtpOrFTP tells SMTP from FTP (both greet with 220) by the greeting's
// words, then the port, then by asking: FTP answers FEAT with 211.
func (r *run) smtpOrFTP(s *session, b []byte, rep Reply, local time.Time) (result, bool) {
	kind := SMTPLike(rep)
	if kind == "" {
		switch r.t.Port {
		case 21, 990, 2121:
			kind = "ftp"
		case 25, 465, 587, 2525:
			kind = "smtp"
		}
	}
	if kind == "" && rep.Code == 220 {
		feat, ok := r.exchange(s, "FEAT\r\n")
		if ok && (feat.Code == 211 || feat.Code == 214) {
			kind = "ftp"
			return r.ftp(s, b, &feat)
		}
		ehlo, ok := r.exchange(s, "EHLO "+r.cfg.helo+"\r\n")
		if ok && ehlo.Code == 250 {
			return r.smtp(s, b, local, &ehlo)
		}
		return result{banner: b}, false
	}
	switch kind {
	case "smtp":
		return r.smtp(s, b, local, nil)
	case "ftp":
		return r.ftp(s, b, nil)
	}
	return result{banner: b}, false
}

// exchange sends one command and reads one SMTP/FTP-style reply.
func (r *run) exchange(s *session, cmd string) (Reply, bool) {
	if s.sendString(cmd) != nil {
		return Reply{}, false
	}
	b, _ := s.recv(r.cfg.timeout, replyDone)
	return ParseReply(b)
}

// smtp learns STARTTLS from EHLO (RFC 3207) and leaves with QUIT.
func (r *run) smtp(s *session, b []byte, local time.Time, ehlo *Reply) (result, bool) {
	id, date, ok := ParseSMTPGreeting(b)
	if !ok {
		return result{banner: b}, false
	}
	res := result{id: id, banner: b, method: "banner"}
	if !date.IsZero() {
		res.date, res.local = date, local
	}
	if ehlo == nil && (id.Attrs["greeting-code"] == "") {
		if rep, ok := r.exchange(s, "EHLO "+r.cfg.helo+"\r\n"); ok {
			ehlo = &rep
		}
	}
	if ehlo != nil && ehlo.Code == 250 {
		res.id.StartTLS = HasCapability(ehlo.Lines, "STARTTLS", false)
		res.id.set("esmtp", "yes")
	}
	_ = s.sendString("QUIT\r\n")
	return res, true
}

// ftp learns AUTH TLS from FEAT (RFC 2389, 4217) and whether anonymous
// login is accepted (USER anonymous; PASS only when asked), then QUITs
// without touching a file.
func (r *run) ftp(s *session, b []byte, feat *Reply) (result, bool) {
	id, ok := ParseFTPGreeting(b)
	if !ok {
		return result{banner: b}, false
	}
	res := result{id: id, banner: b, method: "banner"}
	if feat == nil {
		if rep, ok := r.exchange(s, "FEAT\r\n"); ok {
			feat = &rep
		}
	}
	authTLS := false
	if feat != nil && feat.Code == 211 {
		for _, l := range feat.Lines {
			f := strings.Fields(strings.ToUpper(l))
			if len(f) >= 2 && f[0] == "AUTH" && (strings.Contains(l, "TLS") || strings.Contains(l, "SSL")) {
				authTLS = true
			}
		}
	}
	res.id.StartTLS = authTLS
	res.id.set("auth-tls", yesNo(authTLS))
	if id.Attrs["greeting-code"] == "" {
		res.id.set("anonymous", r.ftpAnonymous(s))
	}
	_ = s.sendString("QUIT\r\n")
	return res, true
}

// ftpAnonymous returns "yes", "no" or "unknown".
func (r *run) ftpAnonymous(s *session) string {
	rep, ok := r.exchange(s, "USER anonymous\r\n")
	if !ok {
		return "unknown"
	}
	if rep.Code == 331 {
		if rep, ok = r.exchange(s, "PASS shindan@example.invalid\r\n"); !ok {
			return "unknown"
		}
	}
	switch {
	case rep.Code == 230:
		return "yes"
	case rep.Code >= 500 || rep.Code == 332 || rep.Code == 331:
		return "no"
	}
	return "unknown"
}

// capaList sends a POP3 CAPA-style command and looks for word.
func (r *run) capaList(s *session, cmd, word string) bool {
	if s.sendString(cmd) != nil {
		return false
	}
	b, _ := s.recv(r.cfg.timeout, func(b []byte) bool {
		return bytes.HasPrefix(b, []byte("-ERR")) && lineDone(b) || bytes.HasSuffix(b, []byte("\r\n.\r\n"))
	})
	return HasCapability(lines(b), word, false)
}

// imapCaps asks for CAPABILITY (RFC 9051 §6.1.1).
func (r *run) imapCaps(s *session) []string {
	if s.sendString("a1 CAPABILITY\r\n") != nil {
		return nil
	}
	b, _ := s.recv(r.cfg.timeout, func(b []byte) bool {
		return bytes.Contains(b, []byte("\na1 ")) || bytes.HasPrefix(b, []byte("a1 "))
	})
	for _, l := range lines(b) {
		if strings.HasPrefix(l, "* CAPABILITY ") {
			return strings.Fields(l[len("* CAPABILITY "):])
		}
	}
	return nil
}

// vnc answers the version and reads the offered security types (RFC 6143
// §7.1.2); it never picks one, so no authentication happens.
func (r *run) vnc(s *session, b []byte) (result, bool) {
	major, minor, ok := ParseRFBVersion(b)
	if !ok {
		return result{banner: b}, false
	}
	id := Ident{Name: "vnc"}
	id.set("rfb-version", strconv.Itoa(major)+"."+strconv.Itoa(minor))
	res := result{id: id, banner: []byte(firstLine(b)), method: "banner"}
	switch {
	case minor >= 8 || major > 3:
		minor = 8
	case minor == 7:
	default:
		minor = 3
	}
	if s.sendString("RFB 003.00"+strconv.Itoa(minor)+"\n") != nil {
		return res, true
	}
	sec, _ := s.recv(r.cfg.timeout, func(p []byte) bool {
		_, _, ok := ParseRFBSecurity(p, minor)
		return ok
	})
	types, reason, ok := ParseRFBSecurity(sec, minor)
	if !ok {
		return res, true
	}
	var names []string
	tls := false
	for _, t := range types {
		names = append(names, strconv.Itoa(t))
		if t == rfbTLS || t == rfbVeNCrypt {
			tls = true
		}
		if t == 1 {
			res.id.set("auth", "none")
		}
	}
	res.id.set("security-types", strings.Join(names, ","))
	if reason != "" {
		res.id.set("refused", reason)
	} else {
		res.id.set("vnc-tls", yesNo(tls))
	}
	return res, true
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
