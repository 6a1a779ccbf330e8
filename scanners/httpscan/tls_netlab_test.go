//go:build netlab

package httpscan_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"shindan/checks"
	"shindan/checks/webcheck"
	"shindan/internal/netlab"
	"shindan/scanners"
	"shindan/scanners/httpscan"
	"shindan/scanners/svcscan"
)

// visit identifies tg as the engine would (svc.ident), then runs http.site
// with that identification and the web checks on the result.
func visit(t *testing.T, tg scanners.Target) (*scanners.Service, scanners.Observation, []checks.Finding) {
	t.Helper()
	env := &scanners.Env{IOTimeout: 3 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	id, err := svcscan.IdentProbe{}.Run(ctx, env, tg)
	if err != nil || len(id) != 1 || id[0].Status != scanners.OK {
		t.Fatalf("svc.ident %s: %+v %v", tg, id, err)
	}
	svc := id[0].Data.(*scanners.Service)
	t.Logf("svc.ident %s: %s", tg, id[0].Evidence[0].Summary)
	env.Prior = func(string, scanners.Target) []scanners.Observation { return id }
	start := time.Now()
	obs, err := httpscan.Site{}.Run(ctx, env, tg)
	if err != nil || len(obs) != 1 {
		t.Fatalf("http.site %s: %+v %v", tg, obs, err)
	}
	t.Logf("http.site %s in %v: %s %s", tg, time.Since(start).Round(time.Millisecond), obs[0].Status, obs[0].Reason)
	in := &checks.Input{Obs: obs, Policy: checks.DefaultPolicy()}
	var fs []checks.Finding
	for _, cid := range webcheck.IDs() {
		if !strings.HasPrefix(cid, "http.") {
			continue
		}
		c, _ := checks.Default.Get(cid)
		fs = append(fs, c.Evaluate(in)...)
	}
	return svc, obs[0], fs
}

// The lab's TLS stacks that crypto/tls reaches only with a fallback hello
// are visited, and every web verdict there says which hello it took.
func TestLabLegacyTLSReached(t *testing.T) {
	l := netlab.Require(t)
	for _, c := range []struct{ host, profile string }{
		{"tlsmodern", "modern"},
		{"tlslegacy", "modern"}, // TLS 1.0 ECDHE-RSA-AES128-SHA is in crypto/tls's defaults
		{"tls3des", "modern"},
		{"tlscamel", "legacy"}, // Camellia and CBC-SHA256/384 only: AES128-SHA256 is legacy-only in crypto/tls
		{"tlsintol", "short"},  // resets segments over 300 bytes
	} {
		for _, a := range l.Host(c.host).Addrs() {
			tg := ep(a, 443, "")
			svc, o, fs := visit(t, tg)
			site, _ := o.Data.(*scanners.HTTPSite)
			if svc.Name != "http" && svc.Name != "https" || o.Status != scanners.OK || site == nil || site.Root.Status == 0 {
				t.Errorf("%s %s: svc %q, site %s %s", c.host, tg, svc.Name, o.Status, o.Reason)
				continue
			}
			t.Logf("%s: %s over %+v", tg, site.Root.Proto, site.TLS)
			if site.TLS == nil || site.TLS.Profile != c.profile {
				t.Errorf("%s %s: tls %+v, want profile %s", c.host, tg, site.TLS, c.profile)
			}
			for _, f := range fs {
				noted := false
				for _, ev := range f.Evidence {
					noted = noted || ev.Kind == "tls" && strings.Contains(ev.Summary, "fallback")
				}
				if noted != site.TLS.Fallback() {
					t.Errorf("%s %s %s %s: fallback note %v", c.host, f.Check, f.Subject, f.Status, noted)
				}
				if f.Status == checks.Error && f.Check != "http.methods" {
					t.Errorf("%s %s: error %s", c.host, f.Check, f.Detail.EN)
				}
			}
		}
	}
}

// Where no crypto/tls hello gets in, svc.ident names HTTPS from the port
// and each web check's error says what the server wants.
func TestLabTLSGaps(t *testing.T) {
	l := netlab.Require(t)
	for _, c := range []struct{ host, kind, what string }{
		{"tlsdhe", scanners.GapKeyExchange, "TLS_DHE_RSA_"},
		{"tlsx448", scanners.GapGroup, "x448"},
		{"tlswolf", scanners.GapHello, ""},
		{"tlssni", scanners.GapAlert, ""}, // by address: no server name
	} {
		for _, a := range l.Host(c.host).Addrs() {
			tg := ep(a, 443, "")
			svc, o, fs := visit(t, tg)
			if why, ok := svc.InnerUnreachable(); !ok || svc.Name != "https" || why == "" {
				t.Errorf("%s %s: svc %+v", c.host, tg, svc)
			}
			site, _ := o.Data.(*scanners.HTTPSite)
			if o.Status != scanners.ProtocolError || site == nil || site.TLS == nil || site.TLS.Gap == nil {
				t.Errorf("%s %s: %s %s", c.host, tg, o.Status, o.Reason)
				continue
			}
			g := site.TLS.Gap
			if g.Kind != c.kind || !strings.HasPrefix(g.What, c.what) || c.host == "tlssni" && !g.NoSNI {
				t.Errorf("%s %s: gap %+v", c.host, tg, g)
			}
			for _, f := range fs {
				if f.Status != checks.Error || !strings.Contains(f.Detail.EN, "TLS incompatible") || !strings.Contains(f.Detail.JA, "TLS 非互換") {
					t.Errorf("%s %s: %s %s", c.host, f.Check, f.Status, f.Detail.EN)
				}
			}
			t.Logf("%s: %s", c.host, fs[0].Detail.EN)
		}
	}
	// By name, the strict-SNI server is visited over the default hello.
	h := l.Host("tlssni")
	svc, o, _ := visit(t, ep(h.IPv4, 443, "tlssni"))
	if site, _ := o.Data.(*scanners.HTTPSite); o.Status != scanners.OK || site.TLS == nil || site.TLS.Fallback() || svc.Method == "port:tls" {
		t.Errorf("tlssni by name: %s %s %+v", o.Status, o.Reason, svc)
	}
}
