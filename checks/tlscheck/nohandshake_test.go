package tlscheck

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"shindan/checks"
	"shindan/scanners"
	"shindan/scanners/scantest"
	"shindan/scanners/tlsscan"
)

// selfSigned is a throwaway certificate for the fake servers.
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// smtpPrelude plays an MTA up to "220 go ahead" after STARTTLS.
func smtpPrelude(c net.Conn) bool {
	br := bufio.NewReader(c)
	io.WriteString(c, "220 mx.test ESMTP\r\n")
	if l, _ := br.ReadString('\n'); !strings.HasPrefix(l, "EHLO ") {
		return false
	}
	io.WriteString(c, "250-mx.test\r\n250 STARTTLS\r\n")
	if l, _ := br.ReadString('\n'); l != "STARTTLS\r\n" {
		return false
	}
	io.WriteString(c, "220 go ahead\r\n")
	return true
}

// TestNoPassFromZeroHandshakes: a server that completes one handshake (the
// identification) and then resets, closes or answers an alert to every
// hello (an IPS, a connection rate limit) gets error from every tls.*
// check, never pass or fail, implicit and through STARTTLS (issue 13 §2).
func TestNoPassFromZeroHandshakes(t *testing.T) {
	cert := selfSigned(t)
	refuse := map[string]func(net.Conn){
		"reset": func(c net.Conn) {
			_, _ = c.Read(make([]byte, 1))
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // close with RST
			}
		},
		// The whole hello is read first, so the close is a FIN, not an RST
		// for unread data.
		"fin": func(c net.Conn) { _, _ = c.Read(make([]byte, 1<<16)) },
		"alert": func(c net.Conn) {
			_, _ = c.Read(make([]byte, 1))
			_, _ = c.Write([]byte{21, 3, 3, 0, 2, 2, 40})
		},
	}
	allChecks := []checks.Check{protocols{}, ciphers{}, certificate{}, vulnerabilities{}}
	for name, behave := range refuse {
		for _, st := range []string{"", "smtp"} {
			t.Run(name+"/"+st, func(t *testing.T) {
				var n atomic.Int64
				ap := scantest.Serve(t, func(c net.Conn) {
					_ = c.SetDeadline(time.Now().Add(5 * time.Second))
					if st == "smtp" && !smtpPrelude(c) {
						return
					}
					if n.Add(1) == 1 {
						_ = tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}}).Handshake()
						return
					}
					behave(c)
				})
				// The one handshake the server grants: identification.
				var d net.Dialer
				c, err := d.Dial("tcp", ap.String())
				if err != nil {
					t.Fatal(err)
				}
				if st == "smtp" {
					br := bufio.NewReader(c)
					br.ReadString('\n')
					io.WriteString(c, "EHLO x\r\n")
					br.ReadString('\n')
					br.ReadString('\n')
					io.WriteString(c, "STARTTLS\r\n")
					br.ReadString('\n')
				}
				if err := tls.Client(c, &tls.Config{InsecureSkipVerify: true}).Handshake(); err != nil {
					t.Fatalf("identification handshake: %v", err)
				}
				c.Close()

				svc := &scanners.Service{Proto: scanners.TCP, Port: ap.Port(), Name: "http", TLS: st == ""}
				if st == "smtp" {
					svc = &scanners.Service{Proto: scanners.TCP, Port: ap.Port(), Name: "smtp", StartTLS: true}
				}
				env := &scanners.Env{IOTimeout: 2 * time.Second, Prior: func(string, scanners.Target) []scanners.Observation {
					return []scanners.Observation{{Data: svc}}
				}}
				tgt := scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP}
				obs, err := tlsscan.Probe{}.Run(context.Background(), env, tgt)
				if err != nil || len(obs) != 1 {
					t.Fatalf("obs = %+v, %v", obs, err)
				}
				if obs[0].Status == scanners.OK {
					t.Fatalf("tls.scan status OK after zero handshakes: %+v", obs[0].Data)
				}
				t.Logf("tls.scan: %s: %s", obs[0].Status, obs[0].Reason)
				in := &checks.Input{Obs: obs, Now: time.Now()}
				for _, ch := range allChecks {
					fs := ch.Evaluate(in)
					if len(fs) == 0 {
						t.Errorf("%s: no finding at all", ch.Info().ID)
					}
					for _, f := range fs {
						if f.Status != checks.Error || !strings.Contains(f.Detail.EN, "no handshake") {
							t.Errorf("%s: %s %q, want error naming the missing handshake", ch.Info().ID, f.Status, f.Detail.EN)
						}
					}
				}
			})
		}
	}
}
