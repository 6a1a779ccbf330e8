package smtpscan

import (
	"bufio"
	"context"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"shindan/scanners"
)

// brokenTLSServer offers STARTTLS, says 220 to it and then sends bytes
// that are no TLS record, so every handshake fails. It records the
// commands of each connection.
func brokenTLSServer(t *testing.T) (netip.AddrPort, func() [][]string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var mu sync.Mutex
	var conns [][]string
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, nil)
			i := len(conns) - 1
			mu.Unlock()
			go func() {
				defer c.Close()
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
			}()
		}
	}()
	return netip.MustParseAddrPort(ln.Addr().String()), func() [][]string {
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
