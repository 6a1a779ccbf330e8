package svcscan

import (
	"net"
	"strings"
	"testing"
	"time"

	"shindan/scanners"
	"shindan/scanners/scantest"
)

// cannedServerHello is a TLS 1.2 ServerHello choosing
// TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, with no extensions.
func cannedServerHello() []byte {
	body := append([]byte{3, 3}, make([]byte, 32)...)
	body = append(body, 0, 0xC0, 0x2F, 0)
	msg := append([]byte{2, 0, 0, byte(len(body))}, body...)
	return append([]byte{22, 3, 3, 0, byte(len(msg))}, msg...)
}

// TestIdentifyTLSWithoutGo: what crypto/tls cannot handshake with is TLS
// all the same, decided from the answer to the raw hello.
func TestIdentifyTLSWithoutGo(t *testing.T) {
	cases := []struct {
		name    string
		handler func(net.Conn)
		check   func(*scanners.Service) bool
	}{
		{"alert", func(c net.Conn) {
			// strict SNI, a dropped status_request: an alert to anything.
			_, _ = c.Read(make([]byte, 4096))
			_, _ = c.Write([]byte{21, 3, 3, 0, 2, 2, 112})
		}, func(s *scanners.Service) bool {
			return s.TLS && s.Method == "probe:tls" && strings.Contains(s.Attrs["tls-alert"], "unrecognized_name")
		}},
		{"intolerant", func(c net.Conn) {
			// Resets a hello of 256 bytes or more, answers a short one with a
			// ServerHello nothing in Go's list would complete.
			b := make([]byte, 4096)
			n, _ := c.Read(b)
			if n < 5 || b[0] != 22 || n >= 256 {
				if tc, ok := c.(*net.TCPConn); ok {
					_ = tc.SetLinger(0)
				}
				return
			}
			_, _ = c.Write(cannedServerHello())
		}, func(s *scanners.Service) bool {
			return s.TLS && s.Attrs["tls-version"] == "TLS 1.2"
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ap := scantest.Serve(t, func(c net.Conn) {
				_ = c.SetDeadline(time.Now().Add(3 * time.Second))
				tc.handler(c)
			})
			o := identify(t, testEnv(time.Second), scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP})
			s := service(t, o)
			if !tc.check(s) {
				t.Errorf("service %+v\n%s", *s, o.Evidence[0].Data)
			}
		})
	}
}
