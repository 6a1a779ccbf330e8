package tlsclient

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"shindan/scanners"
	"shindan/scanners/scantest"
	"shindan/scanners/tlsscan"
)

var (
	certOnce sync.Once
	testCert tls.Certificate
)

// rsaCert is a self-signed RSA certificate: RSA key exchange needs one.
func rsaCert(t *testing.T) tls.Certificate {
	t.Helper()
	certOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "legacy"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &k.PublicKey, k)
		if err != nil {
			panic(err)
		}
		testCert = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k}
	})
	return testCert
}

// tlsServer serves cfg on loopback; each connection answers "ok" after
// the handshake. It counts the connections it accepted.
func tlsServer(t *testing.T, cfg *tls.Config) (netip.AddrPort, *atomic.Int32) {
	var n atomic.Int32
	ap := scantest.Serve(t, func(c net.Conn) {
		n.Add(1)
		tc := tls.Server(c, cfg)
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if tc.Handshake() == nil {
			tc.Write([]byte("ok"))
		}
	})
	return ap, &n
}

func dialer(ap netip.AddrPort) func(context.Context) (net.Conn, error) {
	return func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", ap.String())
	}
}

func dialOnce(t *testing.T, ap netip.AddrPort, d *Dialer) (*tls.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tc, err := d.Dial(ctx, dialer(ap))
	if err == nil {
		t.Cleanup(func() { tc.Close() })
	}
	return tc, err
}

// A server limited to TLS 1.0 and RSA key exchange (an old appliance)
// refuses crypto/tls's default hello; the legacy one gets in, and the
// dialer says so.
func TestLegacyFallbackTLS10RSA(t *testing.T) {
	ap, n := tlsServer(t, &tls.Config{Certificates: []tls.Certificate{rsaCert(t)},
		MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10,
		CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}})
	d := &Dialer{Timeout: 3 * time.Second, ALPN: []string{"h2", "http/1.1"}}
	tc, err := dialOnce(t, ap, d)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	if st := tc.ConnectionState(); st.Version != tls.VersionTLS10 || st.CipherSuite != tls.TLS_RSA_WITH_AES_128_CBC_SHA {
		t.Errorf("negotiated %x %x", st.Version, st.CipherSuite)
	}
	info := d.Info()
	if !info.Fallback() || info.Profile != "legacy" || info.Version != "TLS 1.0" || info.Suite != "TLS_RSA_WITH_AES_128_CBC_SHA" {
		t.Errorf("info: %+v", info)
	}
	if len(info.Refused) != 1 || !strings.HasPrefix(info.Refused[0], "modern: ") {
		t.Errorf("refused: %q", info.Refused)
	}
	// The next connection goes straight to the profile that worked.
	before := n.Load()
	if _, err := dialOnce(t, ap, d); err != nil {
		t.Fatal(err)
	}
	if got := n.Load() - before; got != 1 {
		t.Errorf("second dial took %d connections, want 1", got)
	}
}

// 3DES and RC4 are reached too (crypto/tls implements them when named).
func TestLegacyFallback3DESRC4(t *testing.T) {
	for _, s := range []uint16{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA, tls.TLS_RSA_WITH_RC4_128_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256} {
		ap, _ := tlsServer(t, &tls.Config{Certificates: []tls.Certificate{rsaCert(t)},
			MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{s}})
		d := &Dialer{Timeout: 3 * time.Second}
		tc, err := dialOnce(t, ap, d)
		if err != nil {
			t.Fatalf("%s: %v", tls.CipherSuiteName(s), err)
		}
		if tc.ConnectionState().CipherSuite != s || d.Info().Profile != "legacy" {
			t.Errorf("%s: got %+v", tls.CipherSuiteName(s), d.Info())
		}
	}
}

// A modern server sees one hello, the default one.
func TestModernNoFallback(t *testing.T) {
	ap, n := tlsServer(t, &tls.Config{Certificates: []tls.Certificate{rsaCert(t)}, NextProtos: []string{"h2"}})
	d := &Dialer{Timeout: 3 * time.Second, ALPN: []string{"h2", "http/1.1"}}
	tc, err := dialOnce(t, ap, d)
	if err != nil {
		t.Fatal(err)
	}
	if info := d.Info(); info.Fallback() || info.Profile != "modern" || len(info.Refused) != 0 || info.Version != "TLS 1.3" {
		t.Errorf("info: %+v", info)
	}
	if tc.ConnectionState().NegotiatedProtocol != "h2" || n.Load() != 1 {
		t.Errorf("alpn %q, %d connections", tc.ConnectionState().NegotiatedProtocol, n.Load())
	}
}

// A middlebox that resets hellos longer than 255 bytes: only the short
// hello passes.
func TestShortHelloForIntolerantServer(t *testing.T) {
	cfg := &tls.Config{Certificates: []tls.Certificate{rsaCert(t)}, MinVersion: tls.VersionTLS10}
	var longest atomic.Int32
	ap := scantest.Serve(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		hello, err := readRecord(c)
		if err != nil {
			return
		}
		if len(hello) > 255 {
			c.(*net.TCPConn).SetLinger(0) // reset, as the lab's nftables rule does
			return
		}
		longest.Store(int32(len(hello)))
		tc := tls.Server(&prefixConn{Conn: c, r: io.MultiReader(strings.NewReader(string(hello)), c)}, cfg)
		if tc.Handshake() == nil {
			tc.Write([]byte("ok"))
		}
	})
	d := &Dialer{Timeout: 3 * time.Second, ALPN: []string{"h2", "http/1.1"}}
	if _, err := dialOnce(t, ap, d); err != nil {
		t.Fatal(err)
	}
	info := d.Info()
	if info.Profile != "short" || len(info.Refused) != 2 {
		t.Errorf("info: %+v", info)
	}
	t.Logf("short hello: %d bytes", longest.Load())
}

// readRecord reads one TLS record (header included).
func readRecord(c net.Conn) ([]byte, error) {
	h := make([]byte, 5)
	if _, err := io.ReadFull(c, h); err != nil {
		return nil, err
	}
	b := make([]byte, 5+int(h[3])<<8|int(h[4]))
	copy(b, h)
	_, err := io.ReadFull(c, b[5:])
	return b, err
}

type prefixConn struct {
	net.Conn
	r io.Reader
}

func (p *prefixConn) Read(b []byte) (int, error) { return p.r.Read(b) }

// serverHello is a ServerHello record choosing suite at TLS 1.2.
func serverHello(suite uint16) []byte {
	body := []byte{0x03, 0x03}
	body = append(body, make([]byte, 32)...)
	body = append(body, 0, byte(suite>>8), byte(suite), 0)
	msg := append([]byte{2, 0, 0, byte(len(body))}, body...)
	return append([]byte{22, 3, 3, 0, byte(len(msg))}, msg...)
}

// A DHE-only server answers every hello with its DHE suite: crypto/tls
// gives up, and the raw hello names the gap.
func TestGapDHE(t *testing.T) {
	var n atomic.Int32
	ap := scantest.Serve(t, func(c net.Conn) {
		n.Add(1)
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := readRecord(c); err == nil {
			c.Write(serverHello(0x009E)) // TLS_DHE_RSA_WITH_AES_128_GCM_SHA256
			io.Copy(io.Discard, c)
		}
	})
	d := &Dialer{Timeout: 2 * time.Second}
	_, err := dialOnce(t, ap, d)
	var he *HandshakeError
	if !errors.As(err, &he) || he.Gap == nil {
		t.Fatalf("want a HandshakeError with a gap, got %v", err)
	}
	if he.Gap.Kind != scanners.GapKeyExchange || he.Gap.What != "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256" || !he.Gap.NoSNI {
		t.Errorf("gap: %+v", he.Gap)
	}
	// modern and legacy (an alert-free refusal of another kind does not
	// call for the short hello), then the raw diagnosis hello.
	if len(he.Tried) != 2 || n.Load() != 3 {
		t.Errorf("tried %q over %d connections", he.Tried, n.Load())
	}
	if d.Info() != nil {
		t.Error("no profile worked, Info must be nil")
	}
	t.Log(err)
}

// A tarpit costs one handshake, and an answer that is not TLS is no
// reason to try other hellos.
func TestNoFallbackOnTimeoutOrNotTLS(t *testing.T) {
	var n atomic.Int32
	silent := scantest.Serve(t, func(c net.Conn) { n.Add(1); io.Copy(io.Discard, c) })
	d := &Dialer{Timeout: 300 * time.Millisecond}
	_, err := dialOnce(t, silent, d)
	var he *HandshakeError
	if err == nil || errors.As(err, &he) || n.Load() != 1 {
		t.Errorf("silent server: %v after %d connections", err, n.Load())
	}
	var m atomic.Int32
	plain := scantest.Serve(t, func(c net.Conn) {
		m.Add(1)
		c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
	})
	_, err = dialOnce(t, plain, &Dialer{Timeout: time.Second})
	if err == nil || errors.As(err, &he) || m.Load() != 1 {
		t.Errorf("plain server: %v after %d connections", err, m.Load())
	}
}

// The short hello stays under 256 bytes even with a long server name.
func TestShortHelloSize(t *testing.T) {
	got := make(chan int, 1)
	ap := scantest.Serve(t, func(c net.Conn) {
		b, _ := readRecord(c)
		got <- len(b)
	})
	conn, err := dialer(ap)(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tc := tls.Client(conn, Short.Config("a-rather-long-host-name.example.com", []string{"h2"}))
	tc.SetDeadline(time.Now().Add(time.Second))
	go tc.Handshake()
	if n := <-got; n > 255 {
		t.Errorf("short hello is %d bytes", n)
	}
}

func TestGapOf(t *testing.T) {
	for _, c := range []struct {
		rep  tlsscan.IdentReply
		kind string
		what string
	}{
		{tlsscan.IdentReply{TLS: true, Alert: &tlsscan.AlertError{Level: 2, Desc: 70}}, scanners.GapProtocol, "SSL"},
		{tlsscan.IdentReply{TLS: true, Alert: &tlsscan.AlertError{Level: 2, Desc: 40}}, scanners.GapAlert, "handshake_failure"},
		{tlsscan.IdentReply{TLS: true, Version: tlsscan.VersionSSL30, Suite: 0x000A}, scanners.GapProtocol, "SSL3.0"},
		{tlsscan.IdentReply{TLS: true, Version: tls.VersionTLS13, Suite: 0x1302, HRR: true, Group: 0x001E}, scanners.GapGroup, "x448"},
		{tlsscan.IdentReply{TLS: true, Version: tls.VersionTLS13, Suite: 0x1302, Group: 0x0101}, scanners.GapGroup, "ffdhe3072"},
		{tlsscan.IdentReply{TLS: true, Version: tls.VersionTLS12, Suite: 0x0041}, scanners.GapCipher, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA"},
		{tlsscan.IdentReply{TLS: true, Version: tls.VersionTLS12, Suite: 0xC028}, scanners.GapCipher, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"},
		{tlsscan.IdentReply{TLS: true, Version: tls.VersionTLS12, Suite: 0x0033}, scanners.GapKeyExchange, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"},
		{tlsscan.IdentReply{TLS: true, Version: tls.VersionTLS13, Suite: 0x1301, Group: 0x001D}, scanners.GapHello, ""},
		{tlsscan.IdentReply{TLS: true, Version: tls.VersionTLS12, Suite: 0xC02F}, scanners.GapHello, ""},
	} {
		g := gapOf(c.rep, "name")
		if g.Kind != c.kind || g.What != c.what || g.Server != c.rep.Summary() || g.NoSNI {
			t.Errorf("%s: got %+v, want %s %s", c.rep.Summary(), g, c.kind, c.what)
		}
		if g.String() == "" {
			t.Error("empty text")
		}
	}
}
