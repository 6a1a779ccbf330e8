package tlscheck

import (
	"bytes"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"shindan/checks"
	"shindan/checks/tlscheck/internal/genpolicy"
	"shindan/scanners"
)

var now = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func target() scanners.Target {
	return scanners.Target{Addr: netip.MustParseAddr("198.51.100.50"), Port: 443, Proto: scanners.TCP}
}

func obs(r *scanners.TLSScan) scanners.Observation {
	return scanners.Observation{Probe: scanners.ProbeTLSScan, Target: target(), At: now, Status: scanners.OK, Data: r}
}

func failedObs() scanners.Observation {
	return scanners.Observation{Probe: scanners.ProbeTLSScan, Target: target(), At: now, Status: scanners.Timeout, Reason: "read tcp: i/o timeout"}
}

func clean() *scanners.TLSScan {
	return &scanners.TLSScan{
		Mode: "implicit",
		Protocols: []scanners.TLSProtocol{
			{Name: "SSL2.0", Status: "not-supported"}, {Name: "SSL3.0", Status: "not-supported"},
			{Name: "TLS1.0", Status: "not-supported"}, {Name: "TLS1.1", Status: "not-supported"},
			{Name: "TLS1.2", Status: "supported", ServerOrder: "server", Suites: []scanners.TLSSuite{
				{Code: "0xC02B", Name: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", Kx: "ECDHE", KxGroup: "x25519", KxBits: 253}}},
			{Name: "TLS1.3", Status: "supported", Suites: []scanners.TLSSuite{{Code: "0x1301", Name: "TLS_AES_128_GCM_SHA256", Kx: "TLS13"}}},
		},
		Groups: []scanners.TLSGroup{{Code: "0x001D", Name: "x25519"}, {Code: "0x0017", Name: "secp256r1"}},
		Certificate: &scanners.TLSChain{Trusted: true, NameChecked: "198.51.100.50", NameMatch: true, TrustStore: "custom", OCSPStapled: true,
			Certs: []scanners.TLSCert{{Subject: "CN=good", Issuer: "CN=lab CA", NotBefore: "2026-01-01T00:00:00Z", NotAfter: "2026-12-31T00:00:00Z",
				KeyType: "EC", KeyBits: 256, SigAlg: "SHA256-RSA", SigAlgOID: "1.2.840.113549.1.1.11"}}},
		Vulns: scanners.TLSVulns{Heartbleed: scanners.TLSVuln{Status: "not-vulnerable"}, SecureRenegotiation: scanners.TLSVuln{Status: "not-vulnerable"},
			Compression: scanners.TLSVuln{Status: "not-vulnerable"}, FallbackSCSV: scanners.TLSVuln{Status: "not-applicable"}},
	}
}

func legacyScan() *scanners.TLSScan {
	r := clean()
	r.Protocols[2] = scanners.TLSProtocol{Name: "TLS1.0", Status: "supported", ServerOrder: "client", Suites: []scanners.TLSSuite{
		{Code: "0x000A", Name: "TLS_RSA_WITH_3DES_EDE_CBC_SHA", Kx: "RSA"},
		{Code: "0x0033", Name: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", Kx: "DHE", KxBits: 1024},
		{Code: "0x0005", Name: "TLS_RSA_WITH_RC4_128_SHA", Kx: "RSA"}}}
	r.Protocols[4] = scanners.TLSProtocol{Name: "TLS1.2", Status: "not-supported"}
	r.Protocols[5] = scanners.TLSProtocol{Name: "TLS1.3", Status: "not-supported"}
	r.Groups = append(r.Groups, scanners.TLSGroup{Code: "0x0013", Name: "secp192r1"})
	r.Certificate = &scanners.TLSChain{SelfSigned: true, NameChecked: "198.51.100.50", NameMatch: false, TrustError: "x509: unknown authority",
		Certs: []scanners.TLSCert{{Subject: "CN=old", Issuer: "CN=old", NotBefore: "2020-01-01T00:00:00Z", NotAfter: "2021-01-01T00:00:00Z",
			KeyType: "RSA", KeyBits: 1024, SigAlg: "SHA1-RSA", SigAlgOID: "1.2.840.113549.1.1.5", SelfIssued: true}}}
	r.Vulns.Heartbleed = scanners.TLSVuln{Status: "vulnerable", Detail: "heartbeat response of 35 bytes"}
	r.Vulns.Compression = scanners.TLSVuln{Status: "vulnerable", Detail: "DEFLATE"}
	r.Vulns.SecureRenegotiation = scanners.TLSVuln{Status: "vulnerable"}
	r.Vulns.FallbackSCSV = scanners.TLSVuln{Status: "error", Detail: "i/o timeout"}
	return r
}

func run(c checks.Check, p *checks.Policy, o ...scanners.Observation) map[string]checks.Finding {
	out := map[string]checks.Finding{}
	for _, f := range c.Evaluate(&checks.Input{Obs: o, Policy: p, Now: now}) {
		if f.Detail.JA == "" || f.Detail.EN == "" || f.Title.JA == "" {
			panic("finding without JA/EN text: " + f.Subject)
		}
		if (f.Status == checks.Fail || f.Status == checks.Warn) && (f.Remediation.JA == "" || f.Remediation.EN == "") {
			panic("fail without remediation: " + f.Subject)
		}
		out[f.Subject] = f
	}
	return out
}

func want(t *testing.T, got map[string]checks.Finding, subj string, st checks.Status) {
	t.Helper()
	f, ok := got[subj]
	if !ok {
		t.Errorf("no finding %q; have %v", subj, keys(got))
		return
	}
	if f.Status != st {
		t.Errorf("%s: status %s, want %s (%s)", subj, f.Status, st, f.Detail.EN)
	}
}

func keys(m map[string]checks.Finding) []string {
	var k []string
	for s, f := range m {
		k = append(k, s+"="+string(f.Status))
	}
	return k
}

func TestProtocols(t *testing.T) {
	c := protocols{}
	got := run(c, nil, obs(clean()))
	want(t, got, "protocols", checks.Pass)
	got = run(c, nil, obs(legacyScan()))
	want(t, got, "TLS1.0", checks.Fail)
	want(t, got, "TLS1.2", checks.Fail)
	if _, ok := got["protocols"]; ok {
		t.Error("pass finding next to failures")
	}
	// security_exception allows TLS 1.0, still requires TLS 1.2.
	p := checks.DefaultPolicy()
	p.TLSSettingType = "security_exception"
	got = run(c, p, obs(legacyScan()))
	if _, ok := got["TLS1.0"]; ok {
		t.Error("TLS1.0 fails under security_exception")
	}
	want(t, got, "TLS1.2", checks.Fail)
	// high_security requires TLS 1.3.
	r := clean()
	r.Protocols[5].Status = "not-supported"
	p.TLSSettingType = "high_security"
	want(t, run(c, p, obs(r)), "TLS1.3", checks.Fail)
	want(t, run(c, nil, failedObs()), "protocols", checks.Error)
	r = clean()
	r.Protocols[1] = scanners.TLSProtocol{Name: "SSL3.0", Status: "error", Reason: "timeout"}
	want(t, run(c, nil, obs(r)), "SSL3.0", checks.Error)
}

func TestCiphers(t *testing.T) {
	c := ciphers{}
	want(t, run(c, nil, obs(clean())), "ciphers", checks.Pass)
	got := run(c, nil, obs(legacyScan()))
	want(t, got, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", checks.Fail)
	want(t, got, "TLS_RSA_WITH_RC4_128_SHA", checks.Fail)
	want(t, got, "kx:DH-1024", checks.Fail)
	want(t, got, "group:secp192r1", checks.Fail)
	want(t, got, "server-order", checks.Fail)
	if got["TLS_RSA_WITH_RC4_128_SHA"].Severity != checks.High || got["server-order"].Severity != checks.Low {
		t.Errorf("severities: %v %v", got["TLS_RSA_WITH_RC4_128_SHA"].Severity, got["server-order"].Severity)
	}
	if _, ok := got["TLS_DHE_RSA_WITH_AES_128_CBC_SHA"]; ok {
		t.Error("DHE-CBC is allowed under recommended_security")
	}
	// Under security_exception 3DES is allowed, DH-1024 only warns, RC4 still fails.
	p := checks.DefaultPolicy()
	p.TLSSettingType = "security_exception"
	got = run(c, p, obs(legacyScan()))
	if _, ok := got["TLS_RSA_WITH_3DES_EDE_CBC_SHA"]; ok {
		t.Error("3DES fails under security_exception")
	}
	want(t, got, "kx:DH-1024", checks.Warn)
	want(t, got, "TLS_RSA_WITH_RC4_128_SHA", checks.Fail)
	// Unknown code points are forbidden (default_classification_for_unknown_suites).
	r := clean()
	r.Protocols[4].Suites = append(r.Protocols[4].Suites, scanners.TLSSuite{Code: "0x00B0", Name: "0x00B0"})
	want(t, run(c, nil, obs(r)), "0x00B0", checks.Fail)
	want(t, run(c, nil, failedObs()), "ciphers", checks.Error)
}

func TestCertificate(t *testing.T) {
	c := certificate{}
	got := run(c, nil, obs(clean()))
	want(t, got, "certificate", checks.Pass)
	got = run(c, nil, obs(legacyScan()))
	for _, s := range []string{"certificate:expired", "certificate:self-signed", "certificate:name-mismatch", "certificate:key-size", "certificate:signature"} {
		want(t, got, s, checks.Fail)
	}
	want(t, got, "certificate:ocsp-stapling", checks.InfoS)
	r := clean()
	r.Certificate.Certs[0].NotAfter = "2026-06-20T00:00:00Z"
	want(t, run(c, nil, obs(r)), "certificate:expires-soon", checks.Warn)
	r = clean()
	r.Certificate.Trusted, r.Certificate.TrustError = false, "x509: certificate signed by unknown authority"
	want(t, run(c, nil, obs(r)), "certificate:untrusted", checks.Fail)
	// A SHA-1 self-signature of a trust anchor the server sends is not graded.
	r = clean()
	r.Certificate.Certs = append(r.Certificate.Certs, scanners.TLSCert{Subject: "CN=root", KeyType: "RSA", KeyBits: 2048, SigAlgOID: "1.2.840.113549.1.1.5", IsTrustAnchor: true})
	want(t, run(c, nil, obs(r)), "certificate", checks.Pass)
	r = clean()
	r.Certificate = nil
	want(t, run(c, nil, obs(r)), "certificate", checks.Error)
	want(t, run(c, nil, failedObs()), "certificate", checks.Error)
}

func TestVulnerabilities(t *testing.T) {
	c := vulnerabilities{}
	want(t, run(c, nil, obs(clean())), "vulnerabilities", checks.Pass)
	got := run(c, nil, obs(legacyScan()))
	want(t, got, "heartbleed", checks.Fail)
	want(t, got, "compression", checks.Fail)
	want(t, got, "insecure-renegotiation", checks.Fail)
	want(t, got, "fallback-scsv", checks.Error)
	if got["heartbleed"].Severity != checks.Critical {
		t.Errorf("heartbleed severity %s", got["heartbleed"].Severity)
	}
	want(t, run(c, nil, failedObs()), "vulnerabilities", checks.Error)
}

// The embedded YAML is the spec's, and policy_gen.go is generated from it.
func TestPolicyInSync(t *testing.T) {
	if spec, err := os.ReadFile("../../../shared/spec/tls-policy.yaml"); err == nil {
		if !bytes.Equal(spec, policyYAML) {
			t.Error("checks/tlscheck/tls-policy.yaml differs from shared/spec/tls-policy.yaml: copy it and run go generate")
		}
	}
	src, err := genpolicy.Generate(policyYAML)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := os.ReadFile("policy_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(src, cur) {
		t.Error("policy_gen.go is stale: run go generate ./checks/tlscheck")
	}
	if !strings.Contains(string(cur), "TLS_RSA_WITH_3DES_EDE_CBC_SHA") {
		t.Error("table lacks 3DES")
	}
}

func TestRegistered(t *testing.T) {
	for _, id := range []string{"tls.protocols", "tls.ciphers", "tls.certificate", "tls.vulnerabilities"} {
		if _, ok := checks.Default.Get(id); !ok {
			t.Errorf("%s not registered", id)
		}
	}
}
