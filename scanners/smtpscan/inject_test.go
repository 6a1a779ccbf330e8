package smtpscan

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"shindan/scanners"
)

// recConn is an in-memory SMTP peer that accepts everything (an open
// relay) and records every Write the client makes.
type recConn struct {
	mu      sync.Mutex
	pending bytes.Buffer
	writes  *[][]byte
	closed  bool
}

func newRecConn(writes *[][]byte) *recConn {
	c := &recConn{writes: writes}
	c.pending.WriteString("220 fake.test ESMTP\r\n")
	return c
}

func (c *recConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, net.ErrClosed
	}
	if c.pending.Len() == 0 {
		return 0, &net.OpError{Op: "read", Err: timeoutErr{}}
	}
	return c.pending.Read(p)
}

func (c *recConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	*c.writes = append(*c.writes, bytes.Clone(p))
	verb := strings.ToUpper(strings.SplitN(string(p), " ", 2)[0])
	switch strings.TrimSpace(verb) {
	case "DATA":
		c.pending.WriteString("354 go ahead\r\n")
	case "QUIT":
		c.pending.WriteString("221 bye\r\n")
	default:
		c.pending.WriteString("250 ok\r\n")
	}
	return len(p), nil
}

func (c *recConn) Close() error                     { c.mu.Lock(); c.closed = true; c.mu.Unlock(); return nil }
func (c *recConn) LocalAddr() net.Addr              { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000} }
func (c *recConn) RemoteAddr() net.Addr             { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 25} }
func (c *recConn) SetDeadline(time.Time) error      { return nil }
func (c *recConn) SetReadDeadline(time.Time) error  { return nil }
func (c *recConn) SetWriteDeadline(time.Time) error { return nil }

type timeoutErr struct{}

func (timeoutErr) Error() string { return "i/o timeout" }
func (timeoutErr) Timeout() bool { return true }

// session runs the SMTP exchange (greeting, EHLO, every relay form) against
// an open relay with the given settings, skipping the settings check of
// Run, so that the writer's own refusal is what is tested.
func injectSession(helo, from, rcpt, own string) [][]byte {
	var writes [][]byte
	env := &scanners.Env{IOTimeout: time.Second,
		Dial:     func(context.Context, string, string) (net.Conn, error) { return newRecConn(&writes), nil },
		Settings: scanners.Settings{SMTP: scanners.SMTPSettings{HELO: helo, MailFrom: from, RcptTo: rcpt, MailDomain: own}}}
	r := &runner{env: env, t: scanners.Target{Addr: netip.MustParseAddr("127.0.0.1"), Port: 25, Proto: scanners.TCP}, tr: &transcript{}}
	r.opts()
	_ = r.run(context.Background(), &scanners.SMTPSession{})
	return writes
}

// oneCommand reports whether a write is exactly one command line: text
// without any control character, then CRLF.
func oneCommand(w []byte) bool {
	line, ok := bytes.CutSuffix(w, []byte("\r\n"))
	return ok && scanners.CheckWire(string(line)) == nil
}

func TestInjectionRefusedByWriter(t *testing.T) {
	for _, tc := range []struct{ name, helo, from, rcpt string }{
		{"helo CRLF", "a.example\r\nMAIL FROM:<x@y.example>\r\nRCPT TO:<v@w.example>\r\nDATA\r\nSubject: hi\r\n\r\nbody\r\n.", "", ""},
		{"mail_from LF", "", "a@b.example>\nRCPT TO:<v@w.example", ""},
		{"rcpt NUL", "", "", "v@w.example\x00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			writes := injectSession(tc.helo, tc.from, tc.rcpt, "")
			for _, w := range writes {
				if !oneCommand(w) {
					t.Fatalf("write %q is not one command", w)
				}
				if bytes.Contains(w, []byte("DATA")) && tc.helo != "" {
					t.Fatalf("the injected transaction reached the wire: %q", w)
				}
			}
		})
	}
	// And Run refuses such settings before dialling at all.
	env := &scanners.Env{IOTimeout: time.Second, Dial: func(context.Context, string, string) (net.Conn, error) {
		t.Fatal("Run dialled with a CRLF in the HELO name")
		return nil, nil
	}, Settings: scanners.Settings{SMTP: scanners.SMTPSettings{HELO: "a\r\nRSET"}}}
	if _, err := (Probe{}).Run(context.Background(), env, scanners.Target{Addr: netip.MustParseAddr("127.0.0.1"), Port: 25}); err == nil {
		t.Fatal("Run accepted a HELO name with CRLF")
	}
}

// FuzzCommandWrites: whatever the HELO name, sender, recipient and mail
// domain, every write the SMTP client makes is exactly one command.
func FuzzCommandWrites(f *testing.F) {
	f.Add("shindan.invalid", "a@b.example", "c@d.invalid", "")
	f.Add("x\r\nMAIL FROM:<a@b>", "a@b\r\nDATA", "c@d\nQUIT", "own.example\r\n")
	f.Add("[192.0.2.1]", "", "", "example.jp")
	f.Add("\x00\x7f\u0085", "\t", " ", "\r")
	f.Fuzz(func(t *testing.T, helo, from, rcpt, own string) {
		for _, w := range injectSession(helo, from, rcpt, own) {
			if !oneCommand(w) {
				t.Fatalf("write %q is not one command (helo %q from %q rcpt %q own %q)", w, helo, from, rcpt, own)
			}
		}
	})
}
