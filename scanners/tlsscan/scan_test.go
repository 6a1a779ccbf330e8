package tlsscan

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
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"shindan/scanners"
	"shindan/scanners/scantest"
)

// testCert makes a CA and a leaf for 127.0.0.1 signed by it.
func testCert(t *testing.T, notAfter time.Time) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: notAfter, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key}, pool
}

// serve runs handler for every connection on a loopback listener.
func serve(t *testing.T, handler func(net.Conn)) string { return scantest.Serve(t, handler).String() }

func tlsServer(t *testing.T, cfg *tls.Config, prelude func(net.Conn) bool) string {
	return serve(t, func(c net.Conn) {
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if prelude != nil && !prelude(c) {
			return
		}
		tc := tls.Server(c, cfg)
		_ = tc.Handshake()
	})
}

func suiteNames(p scanners.TLSProtocol) []string {
	var out []string
	for _, s := range p.Suites {
		out = append(out, s.Name)
	}
	return out
}

func proto(r *scanners.TLSScan, name string) scanners.TLSProtocol {
	for _, p := range r.Protocols {
		if p.Name == name {
			return p
		}
	}
	return scanners.TLSProtocol{}
}

func TestScanGoServer(t *testing.T) {
	cert, pool := testCert(t, time.Now().Add(10*24*time.Hour))
	addr := tlsServer(t, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS13,
		CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}}, nil)
	res, err := Scan(context.Background(), Config{Addr: addr, Timeout: 2 * time.Second, RootCAs: pool, TrustStore: "custom"})
	if err != nil {
		t.Fatal(err)
	}
	if p := proto(res, "TLS1.2"); p.Status != "supported" || !sameSet(suiteNames(p), []string{"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"}) {
		t.Errorf("TLS1.2 = %+v", p)
	}
	if p := proto(res, "TLS1.0"); p.Status != "supported" || !sameSet(suiteNames(p), []string{"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"}) {
		t.Errorf("TLS1.0 = %+v", p)
	}
	if p := proto(res, "TLS1.3"); p.Status != "supported" || len(p.Suites) != 3 {
		t.Errorf("TLS1.3 = %+v", p)
	}
	for _, n := range []string{"SSL2.0", "SSL3.0"} {
		if p := proto(res, n); p.Status != "not-supported" {
			t.Errorf("%s = %+v", n, p)
		}
	}
	if p := proto(res, "TLS1.2"); p.Suites[0].KxGroup != "x25519" {
		t.Errorf("TLS1.2 first suite kx group = %q, want x25519", p.Suites[0].KxGroup)
	}
	if len(res.Groups) < 3 {
		t.Errorf("groups = %+v", res.Groups)
	}
	c := res.Certificate
	if c == nil || !c.Trusted || !c.NameMatch || len(c.Certs) != 2 || c.Certs[0].KeyType != "EC" || c.Certs[0].KeyBits != 256 || c.SelfSigned || len(c.OrderProblems) != 0 {
		t.Errorf("certificate = %+v", c)
	}
	v := res.Vulns
	if v.Compression.Status != "not-vulnerable" || v.SecureRenegotiation.Status != "not-vulnerable" || v.Heartbleed.Status != "not-vulnerable" || v.FallbackSCSV.Status != "not-vulnerable" {
		t.Errorf("vulns = %+v", v)
	}
	t.Logf("%d connections; %s", res.Connections, summary(res))
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestScanUntrusted(t *testing.T) {
	cert, _ := testCert(t, time.Now().Add(time.Hour))
	addr := tlsServer(t, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12}, nil)
	res, err := Scan(context.Background(), Config{Addr: addr, SNI: "www.example.jp", Timeout: 2 * time.Second, RootCAs: x509.NewCertPool()})
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Certificate; c == nil || c.Trusted || c.NameMatch || c.TrustError == "" || c.NameChecked != "www.example.jp" {
		t.Errorf("certificate = %+v", c)
	}
	if res.Vulns.FallbackSCSV.Status != "not-applicable" {
		t.Errorf("fallback = %+v", res.Vulns.FallbackSCSV)
	}
}

func TestScanSTARTTLS(t *testing.T) {
	cert, pool := testCert(t, time.Now().Add(time.Hour))
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	preludes := map[string]func(net.Conn) bool{
		"smtp": func(c net.Conn) bool {
			br := bufio.NewReader(c)
			io.WriteString(c, "220 mx.test ESMTP\r\n")
			if l, _ := br.ReadString('\n'); !strings.HasPrefix(l, "EHLO ") {
				return false
			}
			io.WriteString(c, "250-mx.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n")
			if l, _ := br.ReadString('\n'); l != "STARTTLS\r\n" {
				return false
			}
			io.WriteString(c, "220 go ahead\r\n")
			return true
		},
		"imap": func(c net.Conn) bool {
			br := bufio.NewReader(c)
			io.WriteString(c, "* OK IMAP4rev1 ready\r\n")
			if l, _ := br.ReadString('\n'); l != "a1 STARTTLS\r\n" {
				return false
			}
			io.WriteString(c, "a1 OK begin TLS\r\n")
			return true
		},
		"pop3": func(c net.Conn) bool {
			br := bufio.NewReader(c)
			io.WriteString(c, "+OK POP3 ready\r\n")
			if l, _ := br.ReadString('\n'); l != "STLS\r\n" {
				return false
			}
			io.WriteString(c, "+OK begin TLS\r\n")
			return true
		},
		"ftp": func(c net.Conn) bool {
			br := bufio.NewReader(c)
			io.WriteString(c, "220 FTP ready\r\n")
			if l, _ := br.ReadString('\n'); l != "AUTH TLS\r\n" {
				return false
			}
			io.WriteString(c, "234 AUTH TLS ok\r\n")
			return true
		},
	}
	for name, pre := range preludes {
		t.Run(name, func(t *testing.T) {
			addr := tlsServer(t, cfg, pre)
			res, err := Scan(context.Background(), Config{Addr: addr, StartTLS: name, Timeout: 2 * time.Second, RootCAs: pool})
			if err != nil {
				t.Fatal(err)
			}
			if res.Mode != "starttls" || proto(res, "TLS1.2").Status != "supported" || proto(res, "TLS1.3").Status != "supported" || res.Certificate == nil || !res.Certificate.Trusted {
				t.Errorf("%s: %s", name, detail(res))
			}
		})
	}
	// A server that does not offer STARTTLS is not testable: an error, not "no TLS".
	addr := serve(t, func(c net.Conn) {
		io.WriteString(c, "220 mx.test ESMTP\r\n")
		bufio.NewReader(c).ReadString('\n')
		io.WriteString(c, "250 mx.test\r\n")
		time.Sleep(100 * time.Millisecond)
	})
	if _, err := Scan(context.Background(), Config{Addr: addr, StartTLS: "smtp", Timeout: time.Second}); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("no STARTTLS: err = %v", err)
	}
}

// Hostile servers cost bounded time and memory.
func TestScanHostile(t *testing.T) {
	cases := map[string]func(net.Conn){
		"stall": func(c net.Conn) { time.Sleep(3 * time.Second) },
		"garbage": func(c net.Conn) {
			b := make([]byte, 1<<16)
			rand.Read(b)
			b[0] = 'G'
			for range 64 {
				if _, err := c.Write(b); err != nil {
					return
				}
			}
		},
		"huge-record": func(c net.Conn) {
			c.Write([]byte{22, 3, 3, 0xFF, 0xFF})
			c.Write(make([]byte, 1<<16))
		},
		"huge-handshake": func(c net.Conn) {
			c.Write([]byte{22, 3, 3, 0x40, 0x00, 2, 0xFF, 0xFF, 0xFF})
			c.Write(make([]byte, 0x4000-4))
			time.Sleep(time.Second)
		},
		"dribble": func(c net.Conn) {
			for range 100 {
				if _, err := c.Write([]byte{22}); err != nil {
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		},
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			addr := serve(t, h)
			start := time.Now()
			res, err := Scan(context.Background(), Config{Addr: addr, Timeout: 500 * time.Millisecond})
			if err == nil {
				t.Fatalf("no error; %+v", res)
			}
			if d := time.Since(start); d > 1500*time.Millisecond {
				t.Errorf("took %v, want ≤ ~1 timeout", d)
			}
			if res.Connections != 1 {
				t.Errorf("%d connections to a dead endpoint, want 1", res.Connections)
			}
			t.Logf("%v", err)
		})
	}
}

func TestProbeMode(t *testing.T) {
	for _, c := range []struct {
		svc  *scanners.Service
		port uint16
		want string
		ok   bool
	}{
		{nil, 443, "", true},
		{nil, 25, "smtp", true},
		{nil, 110, "pop3", true},
		{nil, 8080, "", false},
		{&scanners.Service{Name: "smtp", StartTLS: true, Port: 2525}, 2525, "smtp", true},
		{&scanners.Service{Name: "http", TLS: true, Port: 8000}, 8000, "", true},
		{&scanners.Service{Name: "imap", StartTLS: true}, 143, "imap", true},
	} {
		got, ok := Mode(c.svc, c.port)
		if got != c.want || ok != c.ok {
			t.Errorf("Mode(%+v, %d) = %q %v, want %q %v", c.svc, c.port, got, ok, c.want, c.ok)
		}
	}
}

func TestProbeRun(t *testing.T) {
	cert, _ := testCert(t, time.Now().Add(time.Hour))
	addr := tlsServer(t, &tls.Config{Certificates: []tls.Certificate{cert}}, nil)
	ap := netip.MustParseAddrPort(addr)
	env := &scanners.Env{IOTimeout: 2 * time.Second}
	obs, err := Probe{}.Run(context.Background(), env, scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP})
	if err != nil {
		t.Fatal(err)
	}
	// An unknown port without svc.ident data is not guessed at.
	if len(obs) != 1 || obs[0].Status != scanners.ProtocolError {
		t.Errorf("unknown port: %+v", obs)
	}
	env.Prior = func(string, scanners.Target) []scanners.Observation {
		return []scanners.Observation{{Data: &scanners.Service{Proto: scanners.TCP, Port: ap.Port(), Name: "http", TLS: true}}}
	}
	obs, err = Probe{}.Run(context.Background(), env, scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP})
	if err != nil || len(obs) != 1 || obs[0].Status != scanners.OK {
		t.Fatalf("obs = %+v, %v", obs, err)
	}
	if r := obs[0].Data.(*scanners.TLSScan); proto(r, "TLS1.3").Status != "supported" {
		t.Errorf("%s", detail(r))
	}
	// Closed port on an implicit-TLS port number: refused, with a reason.
	env.Prior = nil
	env.Dial = func(ctx context.Context, network, _ string) (net.Conn, error) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		a := ln.Addr().String()
		ln.Close()
		var d net.Dialer
		return d.DialContext(ctx, network, a)
	}
	obs, _ = Probe{}.Run(context.Background(), env, scanners.Target{Addr: ap.Addr(), Port: 443, Proto: scanners.TCP})
	if len(obs) != 1 || obs[0].Status != scanners.Refused || obs[0].Reason == "" {
		t.Errorf("closed: %+v", obs)
	}
}

// TestScanTLS13Chain: a TLS 1.3-only server's encrypted certificate is
// read with tlsscan's own key share and key schedule (crypto/tls is not
// involved), and the staple asked for is absent.
func TestScanTLS13Chain(t *testing.T) {
	cert, pool := testCert(t, time.Now().Add(10*24*time.Hour))
	for _, curve := range []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384} {
		addr := tlsServer(t, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13, CurvePreferences: []tls.CurveID{curve}}, nil)
		s := &scanner{cfg: Config{Addr: addr, Timeout: 2 * time.Second, ChunkSize: 64, MaxConns: 10, Dial: (&net.Dialer{}).DialContext},
			sem: make(chan struct{}, 1), refusal: map[string]int{}, short: map[uint16]bool{}}
		for _, suite := range []uint16{0x1301, 0x1302, 0x1303} {
			ders, staple, err := s.tls13Chain(context.Background(), []uint16{uint16(curve)}, []uint16{suite}, true)
			if err != nil || len(ders) != 2 || staple != nil {
				t.Fatalf("curve %v suite %04X: %d certs, staple %v, %v", curve, suite, len(ders), staple, err)
			}
			if c := summarizeChain(ders, "127.0.0.1", pool, "custom", time.Now()); !c.Trusted || !c.NameMatch {
				t.Errorf("chain %+v", c)
			}
		}
	}
	res, err := Scan(context.Background(), Config{Addr: tlsServer(t, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}, nil),
		Timeout: 2 * time.Second, RootCAs: pool, TrustStore: "custom"})
	if err != nil || res.Certificate == nil || res.Certificate.Protocol != "TLS1.3" || !res.Certificate.Trusted || len(res.Errors) != 0 {
		t.Fatalf("scan: %+v %v", res, err)
	}
}

// offersSuite reports whether the ClientHello record b lists suite.
func offersSuite(b []byte, suite uint16) bool {
	for c := range offered(b) {
		if c == suite {
			return true
		}
	}
	return false
}

// TestFallbackSCSVClose: a server that closes the connection on a
// downgraded hello carrying TLS_FALLBACK_SCSV (instead of sending
// inappropriate_fallback) refuses the downgrade: not vulnerable, decided
// with that evidence, not "could not decide".
func TestFallbackSCSVClose(t *testing.T) {
	cert, _ := testCert(t, time.Now().Add(time.Hour))
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS11, MaxVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}}
	addr := serve(t, func(c net.Conn) {
		_ = c.SetDeadline(time.Now().Add(3 * time.Second))
		b := make([]byte, 16384)
		n, err := c.Read(b)
		if err != nil || offersSuite(b[:n], scsvFallback) {
			return // close, no alert
		}
		_ = tls.Server(&prefixConn{Conn: c, prefix: b[:n]}, cfg).Handshake()
	})
	res, err := Scan(context.Background(), Config{Addr: addr, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	v := res.Vulns.FallbackSCSV
	if v.Status != "not-vulnerable" || !strings.Contains(v.Detail, "closed") {
		t.Errorf("fallback SCSV = %+v", v)
	}
}

// prefixConn replays bytes already read before the connection's own.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (c *prefixConn) Read(b []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(b, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(b)
}

// TestScanIntolerant: a server that resets any hello of 256 bytes or more,
// or any hello listing a suite code its stack does not implement, still has
// its TLS 1.2 suites found (short hellos, reset chunks split in halves).
func TestScanIntolerant(t *testing.T) {
	cert, _ := testCert(t, time.Now().Add(time.Hour))
	goKnows := map[uint16]bool{scsvRenegotiation: true, scsvFallback: true}
	for _, cs := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		goKnows[cs.ID] = true
	}
	want := []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: want}
	addr := serve(t, func(c net.Conn) {
		_ = c.SetDeadline(time.Now().Add(3 * time.Second))
		b := make([]byte, 16384)
		n, err := c.Read(b)
		if err != nil {
			return
		}
		intolerable := n >= 256
		for code := range offered(b[:n]) {
			intolerable = intolerable || !goKnows[code]
		}
		if intolerable {
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			return
		}
		_ = tls.Server(&prefixConn{Conn: c, prefix: b[:n]}, cfg).Handshake()
	})
	res, err := Scan(context.Background(), Config{Addr: addr, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p := proto(res, "TLS1.2")
	var got []string
	for _, w := range want {
		got = append(got, LookupSuite(w).Name)
	}
	if p.Status != "supported" || !sameSet(suiteNames(p), got) || !strings.Contains(p.Reason, "resets long hellos") {
		t.Errorf("TLS1.2 = %+v", p)
	}
	t.Logf("%d connections", res.Connections)
}

// offered yields the suite codes of a ClientHello record.
func offered(b []byte) func(func(uint16) bool) {
	return func(yield func(uint16) bool) {
		if len(b) < 44 || b[0] != 22 || b[5] != 1 {
			return
		}
		i := 5 + 4 + 2 + 32
		i += 1 + int(b[i])
		if i+2 > len(b) {
			return
		}
		n := int(b[i])<<8 | int(b[i+1])
		for j := i + 2; j+1 < i+2+n && j+1 < len(b); j += 2 {
			if !yield(uint16(b[j])<<8 | uint16(b[j+1])) {
				return
			}
		}
	}
}
