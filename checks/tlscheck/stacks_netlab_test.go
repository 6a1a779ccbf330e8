//go:build netlab

package tlscheck_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"shindan/checks"
	"shindan/internal/netlab"
	"shindan/scanners"
	"shindan/scanners/svcscan"
	"shindan/scanners/tlsscan"
)

// stackRun is identification, tls.scan and the tls.* checks on one lab
// endpoint, the way the engine chains them: tls.scan runs only because
// svc.ident said TLS.
type stackRun struct {
	svc   *scanners.Service
	obs   scanners.Observation
	scan  *scanners.TLSScan
	found map[string]checks.Status // "check subject" → status
}

func runStack(t *testing.T, l *netlab.Lab, host, name string) stackRun {
	t.Helper()
	h := l.Host(host)
	tg := scanners.Target{Addr: h.IPv4, Port: 443, Proto: scanners.TCP, Name: name}
	env := &scanners.Env{IOTimeout: 3 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	id, err := svcscan.IdentProbe{}.Run(ctx, env, tg)
	if err != nil || len(id) != 1 || id[0].Status != scanners.OK {
		t.Fatalf("svc.ident %s: %+v %v", tg, id, err)
	}
	svc := id[0].Data.(*scanners.Service)
	t.Logf("svc.ident %s in %v: %s", tg, time.Since(start).Round(time.Millisecond), id[0].Evidence[0].Summary)
	if !svc.TLS {
		t.Fatalf("%s not identified as TLS: %+v\n%s", tg, *svc, id[0].Evidence[0].Data)
	}
	env.Prior = func(string, scanners.Target) []scanners.Observation { return id }
	obs, err := tlsscan.Probe{}.Run(ctx, env, tg)
	if err != nil || len(obs) != 1 {
		t.Fatalf("tls.scan %s: %+v %v", tg, obs, err)
	}
	run := stackRun{svc: svc, obs: obs[0], found: map[string]checks.Status{}}
	run.scan, _ = obs[0].Data.(*scanners.TLSScan)
	in := &checks.Input{Obs: obs, Policy: checks.DefaultPolicy(), Now: time.Now()}
	for _, cid := range []string{"tls.protocols", "tls.ciphers", "tls.certificate", "tls.vulnerabilities"} {
		c, _ := checks.Default.Get(cid)
		fs := c.Evaluate(in)
		if len(fs) == 0 {
			t.Errorf("%s: no finding", cid)
		}
		for _, f := range fs {
			run.found[cid+" "+f.Subject] = f.Status
		}
	}
	if run.scan != nil && len(obs[0].Evidence) > 0 {
		t.Logf("tls.scan: %s\n%s", obs[0].Evidence[0].Summary, obs[0].Evidence[0].Data)
	}
	return run
}

func codes(p scanners.TLSProtocol) []string {
	var out []string
	for _, s := range p.Suites {
		out = append(out, s.Code)
	}
	slices.Sort(out)
	return out
}

func protoOf(r *scanners.TLSScan, name string) scanners.TLSProtocol {
	for _, p := range r.Protocols {
		if p.Name == name {
			return p
		}
	}
	return scanners.TLSProtocol{}
}

func noErrors(t *testing.T, r stackRun, except ...string) {
	t.Helper()
	for k, st := range r.found {
		if st == checks.Error && !slices.Contains(except, k) {
			t.Errorf("%s: error", k)
		}
	}
}

// TestLabDHEOnly: openssl s_server with DHE suites only (Go has none).
func TestLabDHEOnly(t *testing.T) {
	r := runStack(t, netlab.Require(t), "tlsdhe", "")
	if got := codes(protoOf(r.scan, "TLS1.2")); !slices.Equal(got, []string{"0x0067", "0x006B", "0x009E", "0x009F", "0xCCAA"}) {
		t.Errorf("TLS1.2 suites %v", got)
	}
	if r.scan.DHBits != 2048 {
		t.Errorf("dh bits %d", r.scan.DHBits)
	}
	noErrors(t, r)
}

// TestLabX448: TLS 1.3 only, groups x448 and ffdhe3072 (HelloRetryRequest).
func TestLabX448(t *testing.T) {
	r := runStack(t, netlab.Require(t), "tlsx448", "")
	if got := codes(protoOf(r.scan, "TLS1.3")); !slices.Equal(got, []string{"0x1301", "0x1302", "0x1303"}) {
		t.Errorf("TLS1.3 suites %v", got)
	}
	var gs []string
	for _, g := range r.scan.Groups {
		gs = append(gs, g.Name)
	}
	if !slices.Equal(gs, []string{"x448", "ffdhe3072"}) {
		t.Errorf("groups %v", gs)
	}
	// TLS 1.2 is required by the default setting type. The certificate,
	// encrypted at TLS 1.3, is read with an ffdhe3072 key share (crypto/tls
	// has neither group): self-signed, so a fail, not an error.
	if r.found["tls.protocols TLS1.2"] != checks.Fail || r.found["tls.vulnerabilities vulnerabilities"] != checks.Pass || r.found["tls.certificate certificate:self-signed"] != checks.Fail {
		t.Errorf("findings %v", r.found)
	}
	if c := r.scan.Certificate; c == nil || c.Protocol != "TLS1.3" || len(c.Certs) != 1 || c.Certs[0].Subject != "CN=tlsx448" {
		t.Errorf("certificate %+v", c)
	}
	noErrors(t, r)
}

// TestLabCamellia: stunnel with Camellia and CBC-SHA256/384 suites, TLS 1.1/1.2.
func TestLabCamellia(t *testing.T) {
	r := runStack(t, netlab.Require(t), "tlscamel", "")
	if got := codes(protoOf(r.scan, "TLS1.1")); !slices.Equal(got, []string{"0x0041", "0x0045", "0x0084", "0x0088"}) {
		t.Errorf("TLS1.1 suites %v", got)
	}
	if got := codes(protoOf(r.scan, "TLS1.2")); len(got) != 13 || !slices.Contains(got, "0xC028") || !slices.Contains(got, "0x00BA") {
		t.Errorf("TLS1.2 suites %v", got)
	}
	if r.found["tls.protocols TLS1.1"] != checks.Fail {
		t.Errorf("TLS1.1 accepted but %v", r.found)
	}
	noErrors(t, r)
}

// TestLabWolfSSL: lighttpd on wolfSSL, which drops hellos asking for an
// OCSP staple: enumeration does not ask, so it is graded in full.
func TestLabWolfSSL(t *testing.T) {
	r := runStack(t, netlab.Require(t), "tlswolf", "")
	if p := protoOf(r.scan, "TLS1.2"); p.Status != "supported" || len(p.Suites) < 4 {
		t.Errorf("TLS1.2 %+v", p)
	}
	if p := protoOf(r.scan, "TLS1.3"); p.Status != "supported" || len(p.Suites) < 3 {
		t.Errorf("TLS1.3 %+v", p)
	}
	if r.scan.Certificate == nil || r.scan.Certificate.OCSPStapled {
		t.Errorf("certificate %+v", r.scan.Certificate)
	}
	noErrors(t, r)
}

// TestLabStrictSNI: haproxy strict-sni refuses hellos without a name: by
// address every tls.* check says the server requires SNI; by name it is
// graded with the name.
func TestLabStrictSNI(t *testing.T) {
	l := netlab.Require(t)
	r := runStack(t, l, "tlssni", "")
	if r.obs.Status == scanners.OK || !strings.Contains(r.obs.Reason, "requires SNI") {
		t.Errorf("by address: %s %q", r.obs.Status, r.obs.Reason)
	}
	for k, st := range r.found {
		if st != checks.Error {
			t.Errorf("by address: %s %s", k, st)
		}
	}
	r = runStack(t, l, "tlssni", "tlssni")
	if r.scan == nil || r.scan.SNI != "tlssni" || protoOf(r.scan, "TLS1.2").Status != "supported" || protoOf(r.scan, "TLS1.3").Status != "supported" {
		t.Fatalf("by name: %+v", r.obs)
	}
	if c := r.scan.Certificate; c == nil || !c.NameMatch || c.NameChecked != "tlssni" {
		t.Errorf("certificate %+v", c)
	}
	noErrors(t, r)
}

// TestLabIntolerant: a middlebox resets hellos longer than 300 bytes; the
// server's TLS 1.2 is found with short hellos (testssl.sh and sslscan
// report nothing there).
func TestLabIntolerant(t *testing.T) {
	r := runStack(t, netlab.Require(t), "tlsintol", "")
	p := protoOf(r.scan, "TLS1.2")
	if got := codes(p); !slices.Equal(got, []string{"0xC02F", "0xC030", "0xCCA8", "0xCCAA"}) || !strings.Contains(p.Reason, "resets long hellos") {
		t.Errorf("TLS1.2 %+v", p)
	}
	if r.found["tls.protocols TLS1.2"] == checks.Fail {
		t.Errorf("TLS1.2 called not offered")
	}
	noErrors(t, r)
}
