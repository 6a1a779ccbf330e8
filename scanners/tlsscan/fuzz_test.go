package tlsscan

import (
	"bytes"
	"testing"
)

func FuzzServerHello(f *testing.F) {
	f.Add(append(append([]byte{3, 3}, make([]byte, 33)...), 0xC0, 0x2F, 0))
	sh := append([]byte{3, 3}, make([]byte, 32)...)
	sh = append(sh, 0, 0x13, 0x01, 0, 0, 6, 0, 43, 0, 2, 3, 4)
	f.Add(sh)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseServerHello(b)
		if err == nil && s.Extensions == nil {
			t.Fatal("nil extensions without error")
		}
	})
}

func FuzzFlight(f *testing.F) {
	f.Add([]byte{22, 3, 3, 0, 4, 14, 0, 0, 0})
	f.Add([]byte{21, 3, 3, 0, 2, 2, 40})
	f.Add([]byte{22, 3, 3, 0xFF, 0xFF})
	f.Add([]byte{22, 3, 3, 0, 4, 2, 0xFF, 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, b []byte) {
		rr := newRecordReader(bytes.NewReader(b))
		_, _ = readFlight(rr, true)
		// At most one record beyond the input is ever charged (and
		// allocated): a length field never buys more than maxRecordLen.
		if maxConnBytes-rr.left > len(b)+maxRecordLen+5 {
			t.Fatalf("charged %d bytes for %d", maxConnBytes-rr.left, len(b))
		}
	})
}

func FuzzCertificateMsg(f *testing.F) {
	f.Add([]byte{0, 0, 6, 0, 0, 3, 1, 2, 3})
	f.Add([]byte{0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		certs, err := parseCertificateMsg(b)
		if err == nil {
			if len(certs) > maxChainCerts {
				t.Fatalf("%d certs", len(certs))
			}
			// The chain summary must cope with any DER.
			summarizeChain(certs, "x.example", nil, "test", timeZero)
		}
	})
}

func FuzzServerKeyExchange(f *testing.F) {
	f.Add([]byte{3, 0, 0x1D, 32}, "ECDHE")
	f.Add([]byte{0, 1, 0xFF, 0, 1, 2, 0, 1, 5}, "DHE")
	f.Fuzz(func(t *testing.T, b []byte, kx string) {
		_, _ = parseServerKeyExchange(b, kx)
	})
}

func FuzzSSLv2ServerHello(f *testing.F) {
	f.Add([]byte{4, 0, 1, 0, 2, 0, 0, 0, 3, 0, 16, 1, 0, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = parseSSLv2ServerHello(b)
	})
}

func FuzzSTARTTLS(f *testing.F) {
	f.Add("smtp", []byte("220 x\r\n250-x\r\n250 STARTTLS\r\n220 go\r\n"))
	f.Add("imap", []byte("* OK\r\na1 OK\r\n"))
	f.Fuzz(func(t *testing.T, proto string, b []byte) {
		c := &fakeConn{r: bytes.NewReader(b)}
		_ = starttls(c, proto, "h", 0)
	})
}

// FuzzIdentReply: the identification parser reads a server's first bytes
// (TLS or not) without panicking, and IdentDone agrees with it on whole
// answers.
func FuzzIdentReply(f *testing.F) {
	f.Add([]byte{21, 3, 3, 0, 2, 2, 112})
	f.Add([]byte("SSH-2.0-OpenSSH_9.2\r\n"))
	f.Add([]byte{22, 3, 3, 0, 42, 2, 0, 0, 38, 3, 3})
	f.Add(IdentHello("example.test", true))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, ok := ParseIdentReply(b)
		if ok && !IdentDone(b) {
			t.Fatalf("parsed %+v from bytes IdentDone calls incomplete", r)
		}
		if ok != r.TLS {
			t.Fatalf("ok=%v but TLS=%v", ok, r.TLS)
		}
		_ = r.Summary()
	})
}

func FuzzCertificate13(f *testing.F) {
	f.Add([]byte{0, 0, 0, 9, 0, 0, 3, 1, 2, 3, 0, 0})
	f.Add([]byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		certs, _, err := parseCertificate13(b)
		if err == nil && (len(certs) == 0 || len(certs) > maxChainCerts) {
			t.Fatalf("%d certificates without error", len(certs))
		}
	})
}
