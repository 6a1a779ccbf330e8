package smtpscan

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"shindan/scanners"
	"shindan/scanners/scantest"
)

// fakeServer is a scripted SMTP server on loopback.
type fakeServer struct {
	tls        *tls.Config // nil: no STARTTLS
	authPlain  bool        // AUTH offered before TLS
	authTLS    bool        // AUTH offered after TLS
	mail, rcpt int         // reply codes (0 = 250)
	data       int         // reply to DATA (0 = 354)
	greeting   string      // raw greeting (default "220 mx.good.test ESMTP\r\n")
	// afterData records whatever the client sent after a 354.
	mu        sync.Mutex
	afterData []string
	sessions  int
}

func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mx.good.test"},
		DNSNames: []string{"mx.good.test"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: k}}}
}

func (s *fakeServer) start(t *testing.T) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return netip.MustParseAddrPort(ln.Addr().String())
}

func code(c, def int) int {
	if c == 0 {
		return def
	}
	return c
}

func (s *fakeServer) serve(c net.Conn) {
	defer c.Close()
	s.mu.Lock()
	s.sessions++
	s.mu.Unlock()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	g := s.greeting
	if g == "" {
		g = "220 mx.good.test ESMTP fake\r\n"
	}
	w := func(l string) { c.Write([]byte(l)) }
	w(g)
	br := bufio.NewReader(c)
	inTLS, inData := false, false
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		if inData {
			s.mu.Lock()
			s.afterData = append(s.afterData, line)
			s.mu.Unlock()
			continue
		}
		v := strings.ToUpper(strings.Fields(line + " x")[0])
		switch v {
		case "EHLO":
			caps := []string{"mx.good.test", "PIPELINING", "SIZE 10240000"}
			if s.tls != nil && !inTLS {
				caps = append(caps, "STARTTLS")
			}
			if (s.authPlain && !inTLS) || (s.authTLS && inTLS) {
				caps = append(caps, "AUTH PLAIN LOGIN")
			}
			for i, cp := range caps {
				sep := "-"
				if i == len(caps)-1 {
					sep = " "
				}
				w("250" + sep + cp + "\r\n")
			}
		case "STARTTLS":
			w("220 2.0.0 Ready to start TLS\r\n")
			tc := tls.Server(c, s.tls)
			if tc.Handshake() != nil {
				return
			}
			c, br, inTLS = tc, bufio.NewReader(tc), true
		case "MAIL":
			w(itoa(code(s.mail, 250)) + " 2.1.0 Ok\r\n")
		case "RCPT":
			w(itoa(code(s.rcpt, 250)) + " reply\r\n")
		case "DATA":
			d := code(s.data, 354)
			w(itoa(d) + " data reply\r\n")
			inData = d == 354
		case "RSET":
			w("250 2.0.0 Ok\r\n")
		case "QUIT":
			w("221 2.0.0 Bye\r\n")
			return
		default:
			w("502 5.5.2 Error: command not recognized\r\n")
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func runProbe(t *testing.T, ap netip.AddrPort, timeout time.Duration) (scanners.Observation, *scanners.SMTPSession) {
	t.Helper()
	// The greeting wait is twice the I/O timeout here, so tests stay fast.
	env := &scanners.Env{IOTimeout: timeout, Settings: scanners.Settings{SMTP: scanners.SMTPSettings{GreetTimeout: 2 * timeout}}}
	tg := scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP, Name: "mx.good.test"}
	obs, err := Probe{}.Run(context.Background(), env, tg)
	if err != nil || len(obs) != 1 {
		t.Fatalf("Run = %v, %v", obs, err)
	}
	s, _ := obs[0].Data.(*scanners.SMTPSession)
	return obs[0], s
}

func verdicts(s *scanners.SMTPSession) string {
	var v []string
	for _, a := range s.Relay {
		v = append(v, a.Form+"="+a.Verdict)
	}
	return strings.Join(v, ",")
}

func TestProbeOpenRelay(t *testing.T) {
	srv := &fakeServer{}
	o, s := runProbe(t, srv.start(t), 2*time.Second)
	if o.Status != scanners.OK {
		t.Fatalf("status %s: %s", o.Status, o.Reason)
	}
	if len(s.Relay) != 1 || s.Relay[0].Verdict != scanners.RelayAccepted || s.Relay[0].Data != 354 {
		t.Fatalf("relay = %s", verdicts(s))
	}
	time.Sleep(50 * time.Millisecond) // let the server see the EOF
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.afterData) != 0 {
		t.Fatalf("client sent message content after 354: %q", srv.afterData)
	}
	if !strings.Contains(o.Evidence[0].Data, "C: RCPT TO:<relay-test@example.invalid>") {
		t.Errorf("transcript lacks RCPT: %s", o.Evidence[0].Data)
	}
}

func TestProbeClosedWithTLS(t *testing.T) {
	srv := &fakeServer{tls: selfSigned(t), authTLS: true, rcpt: 554}
	o, s := runProbe(t, srv.start(t), 2*time.Second)
	if o.Status != scanners.OK {
		t.Fatalf("status %s: %s", o.Status, o.Reason)
	}
	if !s.StartTLS.Offered || !s.StartTLS.HandshakeOK || s.StartTLS.Version == "" || s.StartTLS.CertSubject == "" {
		t.Errorf("starttls = %+v", s.StartTLS)
	}
	if len(s.Auth) != 0 || strings.Join(s.AuthTLS, " ") != "PLAIN LOGIN" || !s.TLSAfter {
		t.Errorf("auth before %q after %q", s.Auth, s.AuthTLS)
	}
	if len(s.Relay) != 7 {
		t.Fatalf("want 7 forms (own domain good.test), got %s", verdicts(s))
	}
	for _, a := range s.Relay {
		if a.Verdict != scanners.RelayRefused || a.Rcpt != 554 {
			t.Errorf("%s: %+v", a.Form, a)
		}
	}
	if s.OwnDomain != "good.test" || s.Relay[6].MailFrom != "shindan-probe@good.test" {
		t.Errorf("own domain %q, last form %+v", s.OwnDomain, s.Relay[6])
	}
}

func TestProbeDataReject(t *testing.T) {
	srv := &fakeServer{data: 554, authPlain: true}
	_, s := runProbe(t, srv.start(t), 2*time.Second)
	for _, a := range s.Relay {
		if a.Verdict != scanners.RelayRcptOnly {
			t.Errorf("%s: %+v", a.Form, a)
		}
	}
	if strings.Join(s.Auth, " ") != "PLAIN LOGIN" || s.StartTLS.Offered {
		t.Errorf("auth %q starttls %+v", s.Auth, s.StartTLS)
	}
}

func TestProbeGreylist(t *testing.T) {
	srv := &fakeServer{rcpt: 450}
	_, s := runProbe(t, srv.start(t), 2*time.Second)
	for _, a := range s.Relay {
		if a.Verdict != scanners.RelayUndecided || !strings.Contains(a.Reason, "greylisting") {
			t.Errorf("%s: %+v", a.Form, a)
		}
	}
}

func TestProbeGreeting421(t *testing.T) {
	srv := &fakeServer{greeting: "421 4.7.0 too many connections\r\n"}
	o, _ := runProbe(t, srv.start(t), 2*time.Second)
	if o.Status != scanners.RateLimited {
		t.Fatalf("status %s (%s), want rate-limited", o.Status, o.Reason)
	}
}

func TestProbeRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ap := netip.MustParseAddrPort(ln.Addr().String())
	ln.Close()
	o, _ := runProbe(t, ap, time.Second)
	if o.Status != scanners.Refused {
		t.Fatalf("status %s (%s), want refused", o.Status, o.Reason)
	}
}

// hostile starts a server that writes with the given function.
func hostile(t *testing.T, write func(c net.Conn)) netip.AddrPort { return scantest.Serve(t, write) }

func TestProbeTarpitBounded(t *testing.T) {
	// One byte every 50 ms, forever: a per-read deadline would never fire.
	ap := hostile(t, func(c net.Conn) {
		for i := 0; ; i++ {
			if _, err := c.Write([]byte{"220-slow\r\n"[i%10]}); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	start := time.Now()
	o, _ := runProbe(t, ap, 500*time.Millisecond)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("tarpit cost %v", d)
	}
	if o.Status != scanners.Timeout {
		t.Fatalf("status %s (%s), want timeout", o.Status, o.Reason)
	}
}

func TestProbeEndlessMultiline(t *testing.T) {
	ap := hostile(t, func(c net.Conn) {
		for {
			if _, err := c.Write([]byte("220-endless banner line\r\n")); err != nil {
				return
			}
		}
	})
	start := time.Now()
	o, _ := runProbe(t, ap, 2*time.Second)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("endless reply cost %v", d)
	}
	if o.Status != scanners.ProtocolError || !strings.Contains(o.Reason, "more than") {
		t.Fatalf("status %s (%s)", o.Status, o.Reason)
	}
	if n := len(o.Evidence[0].Data); n > maxTranscript+100 {
		t.Fatalf("transcript %d bytes", n)
	}
}

func TestProbeImplicitTLS(t *testing.T) {
	cfg := selfSigned(t)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	srv := &fakeServer{authPlain: true, rcpt: 554}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go srv.serve(c)
		}
	}()
	ap := netip.MustParseAddrPort(ln.Addr().String())
	env := &scanners.Env{IOTimeout: 2 * time.Second}
	// Port 465 decides implicit TLS; map it through Dial to the test port.
	env.Dial = func(ctx context.Context, n, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, n, ap.String())
	}
	obs, _ := Probe{}.Run(context.Background(), env, scanners.Target{Addr: ap.Addr(), Port: 465, Proto: scanners.TCP})
	s := obs[0].Data.(*scanners.SMTPSession)
	if obs[0].Status != scanners.OK || !s.StartTLS.Implicit || !s.StartTLS.HandshakeOK || strings.Join(s.AuthTLS, " ") != "PLAIN LOGIN" || len(s.Auth) != 0 {
		t.Fatalf("status %s %s session %+v", obs[0].Status, obs[0].Reason, s)
	}
}

// brokenTLSServer offers STARTTLS, says 220 to it and then sends bytes
// that are no TLS record, so every handshake fails. It records the
// commands of each connection.
func brokenTLSServer(t *testing.T) (netip.AddrPort, func() [][]string) {
	t.Helper()
	var mu sync.Mutex
	var conns [][]string
	ap := scantest.Serve(t, func(c net.Conn) {
		mu.Lock()
		conns = append(conns, nil)
		i := len(conns) - 1
		mu.Unlock()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		c.Write([]byte("220 mx.good.test ESMTP\r\n"))
		br := bufio.NewReader(c)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			cmd := strings.ToUpper(strings.TrimSpace(line))
			mu.Lock()
			conns[i] = append(conns[i], cmd)
			mu.Unlock()
			switch {
			case strings.HasPrefix(cmd, "EHLO"):
				c.Write([]byte("250-mx.good.test\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n"))
			case cmd == "STARTTLS":
				c.Write([]byte("220 go ahead\r\nthis is not a tls record\r\n"))
				return
			default:
				c.Write([]byte("250 ok\r\n"))
			}
		}
	})
	return ap, func() [][]string {
		mu.Lock()
		defer mu.Unlock()
		return append([][]string(nil), conns...)
	}
}

// TestOpenFactsAfterFailedStartTLS: the first connection's facts (greeting,
// cleartext capabilities, the STARTTLS failure) come back with the
// cleartext connection that replaces it, and neither that one nor a later
// one tries the STARTTLS that failed.
func TestOpenFactsAfterFailedStartTLS(t *testing.T) {
	ap, conns := brokenTLSServer(t)
	env := &scanners.Env{IOTimeout: time.Second}
	r := &runner{env: env, t: scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP, Name: "mx.good.test"}, tr: &transcript{}}
	r.opts()
	c, h, err := r.open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c.close()
	if h.greeting.Code != 220 || !h.ehloOK || !HasCap(h.caps, "STARTTLS") || len(h.auth) != 1 {
		t.Errorf("cleartext facts: %+v", h)
	}
	if !h.startTLS.Offered || h.startTLS.Reply != 220 || h.startTLS.Error == "" || h.startTLS.HandshakeOK || h.tlsAfter {
		t.Errorf("STARTTLS facts: %+v", h.startTLS)
	}
	if !strings.HasPrefix(h.source, "127.0.0.1:") {
		t.Errorf("source %q", h.source)
	}
	c, h2, err := r.open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c.close()
	if h2.startTLS.Offered {
		t.Errorf("a later connection tried STARTTLS again: %+v", h2.startTLS)
	}
	time.Sleep(50 * time.Millisecond) // the server records the last command after our close
	got := conns()
	if len(got) != 3 || !strings.Contains(strings.Join(got[0], " "), "STARTTLS") {
		t.Fatalf("connections: %q", got)
	}
	for _, cmds := range got[1:] {
		if strings.Contains(strings.Join(cmds, " "), "STARTTLS") {
			t.Fatalf("STARTTLS sent again after it failed: %q", got)
		}
	}
}

// TestOpenFactsOnRefusedGreeting: a 554 greeting fails the open and still
// reports what the server said.
func TestOpenFactsOnRefusedGreeting(t *testing.T) {
	s := &fakeServer{greeting: "554 go away\r\n"}
	ap := s.start(t)
	r := &runner{env: &scanners.Env{IOTimeout: time.Second}, t: scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP}, tr: &transcript{}}
	r.opts()
	c, h, err := r.open(context.Background())
	if err == nil || c != nil {
		t.Fatalf("open = %v, %v; want the refusal", c, err)
	}
	if statusOf(err) != scanners.HandshakeFailed || h.greeting.Code != 554 || h.ehloOK || h.source == "" {
		t.Fatalf("facts %+v, status %s", h, statusOf(err))
	}
}
