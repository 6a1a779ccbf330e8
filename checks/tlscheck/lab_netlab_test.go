//go:build netlab

package tlscheck_test

import (
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"shindan/checks"
	"shindan/internal/netlab"
	"shindan/scanners"
	"shindan/scanners/tlsscan"
)

// labScan runs tls.scan on host:port of the lab (both address families)
// and every tls.* check on the result: "subject" → status, per address.
func labScan(t *testing.T, l *netlab.Lab, host string, port uint16) (map[string]map[string]checks.Status, []*scanners.TLSScan) {
	t.Helper()
	h := l.Host(host)
	pem, err := os.ReadFile(filepath.Join(l.RunDir, "tlsmodern", "ca.pem"))
	if err != nil {
		t.Fatalf("lab CA (is tlsmodern up?): %v", err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	env := &scanners.Env{IOTimeout: 3 * time.Second, Settings: scanners.Settings{RootCAs: roots}}
	out := map[string]map[string]checks.Status{}
	var scans []*scanners.TLSScan
	for _, a := range h.Addrs() {
		tg := scanners.Target{Addr: a, Port: port, Proto: scanners.TCP}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		obs, err := tlsscan.Probe{}.Run(ctx, env, tg)
		cancel()
		if err != nil || len(obs) != 1 || obs[0].Status != scanners.OK {
			t.Fatalf("%s: %+v %v", tg, obs, err)
		}
		r := obs[0].Data.(*scanners.TLSScan)
		scans = append(scans, r)
		t.Logf("%s: %s", tg, obs[0].Evidence[0].Summary)
		got := map[string]checks.Status{}
		in := &checks.Input{Obs: obs, Policy: checks.DefaultPolicy(), Now: time.Now()}
		for _, id := range []string{"tls.protocols", "tls.ciphers", "tls.certificate", "tls.vulnerabilities"} {
			c, _ := checks.Default.Get(id)
			for _, f := range c.Evaluate(in) {
				got[id+" "+f.Subject] = f.Status
			}
		}
		out[tg.String()] = got
	}
	return out, scans
}

func TestLabLegacy(t *testing.T) {
	l := netlab.Require(t)
	res, scans := labScan(t, l, "tlslegacy", 443)
	for addr, got := range res {
		for _, k := range []string{
			"tls.protocols TLS1.0", "tls.protocols TLS1.1", "tls.protocols TLS1.2",
			"tls.ciphers TLS_RSA_WITH_AES_128_CBC_SHA", "tls.ciphers TLS_RSA_WITH_AES_256_CBC_SHA", "tls.ciphers kx:DH-1024", "tls.ciphers server-order",
			"tls.certificate certificate:expired", "tls.certificate certificate:self-signed", "tls.certificate certificate:key-size", "tls.certificate certificate:signature",
		} {
			if got[k] != checks.Fail {
				t.Errorf("%s: %s = %q, want fail", addr, k, got[k])
			}
		}
		// CBC with (EC)DHE is allowed by recommended_security: no finding.
		for _, k := range []string{"tls.ciphers TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "tls.ciphers TLS_DHE_RSA_WITH_AES_128_CBC_SHA", "tls.protocols protocols"} {
			if s, ok := got[k]; ok {
				t.Errorf("%s: unexpected %s = %s", addr, k, s)
			}
		}
		if got["tls.vulnerabilities vulnerabilities"] != checks.Pass {
			t.Errorf("%s: vulnerabilities = %q (OpenSSL 3 has none of them)", addr, got["tls.vulnerabilities vulnerabilities"])
		}
	}
	for _, r := range scans {
		if r.DHBits != 1024 || r.Certificate.Certs[0].KeyBits != 1024 {
			t.Errorf("dh %d, key %d", r.DHBits, r.Certificate.Certs[0].KeyBits)
		}
	}
}

// TestLabTripleDES runs against GnuTLS (Debian 12's OpenSSL no longer
// negotiates 3DES), so it is also a second TLS implementation for the scanner.
func TestLabTripleDES(t *testing.T) {
	l := netlab.Require(t)
	res, scans := labScan(t, l, "tls3des", 443)
	for addr, got := range res {
		for _, k := range []string{
			"tls.protocols TLS1.0", "tls.protocols TLS1.1",
			"tls.ciphers TLS_RSA_WITH_3DES_EDE_CBC_SHA", "tls.ciphers TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "tls.ciphers TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
			"tls.ciphers TLS_RSA_WITH_RC4_128_SHA", "tls.ciphers server-order",
			"tls.certificate certificate:self-signed",
		} {
			if got[k] != checks.Fail {
				t.Errorf("%s: %s = %q, want fail", addr, k, got[k])
			}
		}
		for _, k := range []string{"tls.protocols TLS1.2", "tls.protocols protocols", "tls.ciphers ciphers", "tls.ciphers TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"} {
			if s, ok := got[k]; ok {
				t.Errorf("%s: unexpected %s = %s", addr, k, s)
			}
		}
		if got["tls.vulnerabilities vulnerabilities"] != checks.Pass {
			t.Errorf("%s: vulnerabilities = %q (GnuTLS 3.7 has none of them)", addr, got["tls.vulnerabilities vulnerabilities"])
		}
	}
	for _, r := range scans {
		for _, p := range r.Protocols {
			want := p.Name == "TLS1.0" || p.Name == "TLS1.1" || p.Name == "TLS1.2"
			if (p.Status == "supported") != want {
				t.Errorf("%s: %s", p.Name, p.Status)
			}
			if !want {
				continue
			}
			if !slices.ContainsFunc(p.Suites, func(s scanners.TLSSuite) bool {
				return s.Code == "0x000A" && s.Name == "TLS_RSA_WITH_3DES_EDE_CBC_SHA"
			}) {
				t.Errorf("%s: no TLS_RSA_WITH_3DES_EDE_CBC_SHA (0x000A) in %v", p.Name, p.Suites)
			}
		}
	}
}

func TestLabModern(t *testing.T) {
	l := netlab.Require(t)
	res, scans := labScan(t, l, "tlsmodern", 443)
	for addr, got := range res {
		for _, k := range []string{"tls.protocols protocols", "tls.ciphers ciphers", "tls.certificate certificate", "tls.vulnerabilities vulnerabilities"} {
			if got[k] != checks.Pass {
				t.Errorf("%s: %s = %q, want pass; all: %v", addr, k, got[k], got)
			}
		}
		for k, s := range got {
			if s == checks.Fail || s == checks.Error || s == checks.Warn {
				t.Errorf("%s: %s = %s", addr, k, s)
			}
		}
	}
	for _, r := range scans {
		var tls12 []string
		for _, p := range r.Protocols {
			if p.Name == "TLS1.2" {
				for _, s := range p.Suites {
					tls12 = append(tls12, s.Name)
				}
			}
		}
		if !slices.Equal(tls12, []string{"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"}) {
			t.Errorf("TLS1.2 suites in server order = %v", tls12)
		}
	}
}

func TestLabSTARTTLS(t *testing.T) {
	l := netlab.Require(t)
	res, scans := labScan(t, l, "tlssmtp", 25)
	for addr, got := range res {
		for _, k := range []string{"tls.protocols protocols", "tls.certificate certificate", "tls.vulnerabilities vulnerabilities"} {
			if got[k] != checks.Pass {
				t.Errorf("%s: %s = %q, want pass; all: %v", addr, k, got[k], got)
			}
		}
	}
	for _, r := range scans {
		if r.Mode != "starttls" || r.StartTLS != "smtp" || r.Certificate == nil || !r.Certificate.Trusted {
			t.Errorf("starttls scan: %+v", r)
		}
	}
}
