package mailscan

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"shindan/scanners"
)

func TestParseSPF(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		terms int
		errs  string
	}{
		{name: "good", in: "v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/32 include:_spf.good.test mx -all", terms: 5},
		{name: "redirect", in: "v=spf1 redirect=_spf.good.test", terms: 1},
		{name: "unknown mechanism", in: "v=spf1 foo:bar -all", terms: 1, errs: "unknown mechanism"},
		{name: "bad ip4", in: "v=spf1 ip4:300.1.1.1 -all", terms: 1, errs: "not an IPv4 address"},
		{name: "two redirects", in: "v=spf1 redirect=a.test redirect=b.test", terms: 2, errs: "more than once"},
		{name: "not spf", in: "v=spf10 -all", errs: "does not start"},
		{name: "all with arg", in: "v=spf1 all:x", terms: 0, errs: "no argument"},
		{name: "dual cidr", in: "v=spf1 a:mx.good.test/24//64 mx//48 -all", terms: 3},
		{name: "macro", in: "v=spf1 exists:%{ir}.%{v}.arpa.bl.good.test -all", terms: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			terms, errs := ParseSPF(tc.in)
			if len(terms) != tc.terms {
				t.Errorf("terms = %+v", terms)
			}
			if got := strings.Join(errs, "; "); (tc.errs == "") != (got == "") || !strings.Contains(got, tc.errs) {
				t.Errorf("errs = %q, want %q", got, tc.errs)
			}
		})
	}
}

func TestParseDMARC(t *testing.T) {
	tests := []struct {
		name, in, p, errs string
	}{
		{name: "reject", in: "v=DMARC1; p=reject; rua=mailto:d@good.test; pct=100", p: "reject"},
		{name: "none", in: "v=DMARC1;p=none", p: "none"},
		{name: "bad policy", in: "v=DMARC1; p=bogus", p: "bogus", errs: "not none, quarantine or reject"},
		{name: "no p", in: "v=DMARC1; rua=mailto:x@y.test", errs: "p is missing"},
		{name: "leading space", in: " v=DMARC1; p=reject", p: "reject", errs: "start with v=DMARC1"},
		{name: "p not second", in: "v=DMARC1; pct=50; p=reject", p: "reject", errs: "must follow v"},
		{name: "bad pct", in: "v=DMARC1; p=reject; pct=150", p: "reject", errs: "pct"},
		{name: "rua not mailto", in: "v=DMARC1; p=reject; rua=https://x", p: "reject", errs: "not mailto"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tags, errs := ParseDMARC(tc.in)
			if tags["p"] != tc.p {
				t.Errorf("p = %q", tags["p"])
			}
			if got := strings.Join(errs, "; "); (tc.errs == "") != (got == "") || !strings.Contains(got, tc.errs) {
				t.Errorf("errs = %q, want %q", got, tc.errs)
			}
		})
	}
}

func FuzzParseSPF(f *testing.F) {
	for _, s := range []string{"v=spf1 -all", "v=spf1 include:a.test ip4:1.2.3.4/33 redirect=", "v=spf1 ?ip6:: a/24 mx:x.test//64"} {
		f.Add(s)
	}
	f.Add("v=spf1 a:foo:bar/baz.good.test/24//64 ptr:%{d2}.x ?exists:%{l2r+-}.u.%{d} redirect=%{o}.good.test exp=%{r}.x")
	f.Add("v=spf1 ip6:::ffff:192.0.2.1/128 ip4:192.0.2.1/032 a:%%%_%-.x.y%")
	f.Fuzz(func(t *testing.T, s string) {
		terms, errs := parseSPF(s)
		if len(terms) > len(s) {
			t.Fatal("more terms than bytes")
		}
		if len(errs) > 0 {
			return
		}
		// An accepted record is printable ASCII, and every literal domain
		// it names is a DNS name a query can be built from.
		for i := 0; i < len(s); i++ {
			if s[i] < 0x20 || s[i] > 0x7e {
				t.Fatalf("accepted byte 0x%02x in %q", s[i], s)
			}
		}
		for _, tm := range terms {
			if tm.Domain == "" || tm.Macro {
				continue
			}
			if _, ok := dns.IsDomainName(tm.Domain); !ok || strings.Contains(tm.Domain, "..") {
				t.Fatalf("accepted domain %q in %q", tm.Domain, s)
			}
		}
	})
}

func FuzzParseDMARC(f *testing.F) {
	for _, s := range []string{"v=DMARC1; p=reject", "v=DMARC1;;;p=", "=;=;", "v=DMARC1; pct=-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tags, errs := ParseDMARC(s)
		if len(errs) == 0 && (tags["v"] != "DMARC1" || !policyValue(tags["p"])) {
			t.Fatalf("accepted invalid record %q: %v", s, tags)
		}
	})
}

func FuzzDKIMKey(f *testing.F) {
	f.Add("v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC")
	f.Add("k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
	f.Fuzz(func(t *testing.T, s string) { DKIMKey(s) })
}

// zone is a fake authoritative server's data: name → TXT strings.
type zone map[string][]string

func serve(t *testing.T, z zone, mx map[string]string) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		name := strings.TrimSuffix(strings.ToLower(q.Question[0].Name), ".")
		txt, okT := z[name]
		host, okM := mx[name]
		switch {
		case q.Question[0].Qtype == dns.TypeTXT && okT:
			for _, s := range txt {
				m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: q.Question[0].Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60}, Txt: []string{s}})
			}
		case q.Question[0].Qtype == dns.TypeMX && okM:
			m.Answer = append(m.Answer, &dns.MX{Hdr: dns.RR_Header{Name: q.Question[0].Name, Rrtype: dns.TypeMX, Class: dns.ClassINET, Ttl: 60}, Preference: 10, Mx: host + "."})
		case !okT && !okM:
			m.Rcode = dns.RcodeNameError
		}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

func runDomain(t *testing.T, server, domain string) *scanners.MailDomain {
	t.Helper()
	env := &scanners.Env{IOTimeout: time.Second, Settings: scanners.Settings{Resolver: server, Mail: scanners.MailSettings{DKIMSelectors: []string{"lab"}}}}
	obs, err := Probe{}.Run(context.Background(), env, scanners.Target{Name: domain})
	if err != nil || len(obs) != 1 || obs[0].Status != scanners.OK {
		t.Fatalf("Run = %+v, %v", obs, err)
	}
	return obs[0].Data.(*scanners.MailDomain)
}

const key1024 = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB"

func TestProbeDomain(t *testing.T) {
	z := zone{
		"good.test":                {"v=spf1 include:_spf.good.test -all", "unrelated"},
		"_spf.good.test":           {"v=spf1 ip4:198.51.100.81 -all"},
		"_dmarc.good.test":         {"v=DMARC1; p=reject"},
		"lab._domainkey.good.test": {"v=DKIM1; k=rsa; p=" + key1024},
		"_smtp._tls.good.test":     {"v=TLSRPTv1; rua=mailto:tls@good.test"},
		"loop.test":                {"v=spf1 include:a.loop.test -all"},
		"a.loop.test":              {"v=spf1 include:loop.test -all"},
		"many.test":                {"v=spf1 include:i1.many.test include:i2.many.test include:i3.many.test include:i4.many.test include:i5.many.test include:i6.many.test ~all"},
		"sub.org.test":             {"v=spf1 -all"},
		"_dmarc.org.test":          {"v=DMARC1; p=quarantine"},
		"void.test":                {"v=spf1 a:x1.void.test a:x2.void.test a:x3.void.test -all"},
	}
	for i := 1; i <= 6; i++ {
		z["i"+string(rune('0'+i))+".many.test"] = []string{"v=spf1 a mx -all"}
	}
	srv := serve(t, z, map[string]string{"good.test": "mx.good.test"})

	g := runDomain(t, srv, "good.test")
	if len(g.SPF.Records) != 1 || g.SPF.Lookups != 1 || len(g.SPF.Errors) != 0 || g.SPF.All != "-" {
		t.Errorf("good spf %+v", g.SPF)
	}
	if g.DMARC.Tags["p"] != "reject" || g.DMARC.Fallback || len(g.DKIM) != 1 || g.DKIM[0].Bits != 1024 || len(g.TLSRPT) != 1 || len(g.MX) != 1 {
		t.Errorf("good %+v", g)
	}
	if l := runDomain(t, srv, "loop.test"); !strings.Contains(strings.Join(l.SPF.Errors, ";"), "loop") {
		t.Errorf("loop not detected: %+v", l.SPF)
	}
	if m := runDomain(t, srv, "many.test"); m.SPF.Lookups <= MaxLookups || !strings.Contains(strings.Join(m.SPF.Errors, ";"), "DNS-querying") {
		t.Errorf("lookup limit: %+v", m.SPF)
	}
	if v := runDomain(t, srv, "void.test"); v.SPF.VoidLookups != 3 || !strings.Contains(strings.Join(v.SPF.Errors, ";"), "void") {
		t.Errorf("void limit: %+v", v.SPF)
	}
	if s := runDomain(t, srv, "sub.org.test"); !s.DMARC.Fallback || s.DMARC.Domain != "org.test" {
		t.Errorf("org fallback: %+v", s.DMARC)
	}
	n := runDomain(t, srv, "none.test")
	if len(n.SPF.Records) != 0 || len(n.DMARC.Records) != 0 || len(n.DNSErrors) != 0 {
		t.Errorf("none: %+v", n)
	}
}

func TestProbeResolverDown(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0") // silent server
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	env := &scanners.Env{IOTimeout: 200 * time.Millisecond, Settings: scanners.Settings{Resolver: pc.LocalAddr().String()}}
	obs, _ := Probe{}.Run(context.Background(), env, scanners.Target{Name: "good.test"})
	md := obs[0].Data.(*scanners.MailDomain)
	if md.DNSErrors["spf"] == "" || md.DNSErrors["dmarc"] == "" {
		t.Fatalf("timeouts not recorded: %+v", md.DNSErrors)
	}
}

// TestOrgDomainPublicSuffix: DMARC's organisational domain follows the
// Public Suffix List (RFC 7489 §3.2), so a go.jp agency falls back to its
// own registered domain, never to the registry suffix.
func TestOrgDomainPublicSuffix(t *testing.T) {
	for in, want := range map[string]string{
		"mail.example.go.jp":  "example.go.jp",
		"example.go.jp":       "example.go.jp",
		"go.jp":               "go.jp",
		"a.b.example.co.uk":   "example.co.uk",
		"sub.good.example":    "good.example",
		"good.test":           "good.test",
		"Mail.Example.GO.JP.": "example.go.jp",
		"localhost":           "localhost",
	} {
		if got := orgDomain(in); got != want {
			t.Errorf("orgDomain(%q) = %q, want %q", in, got, want)
		}
	}
}
