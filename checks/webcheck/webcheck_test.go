package webcheck

import (
	"maps"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"shindan/checks"
	"shindan/scanners"
)

var tgt = scanners.Target{Addr: netip.MustParseAddr("198.51.100.120"), Port: 80, Proto: scanners.TCP, Name: "www.example.go.jp"}

const nginxListing = "<html>\r\n<head><title>Index of /files/</title></head>\r\n<body>\r\n<h1>Index of /files/</h1><hr><pre><a href=\"../\">../</a>\r\n<a href=\"a.txt\">a.txt</a>                                              26-Nov-2026 10:00                   5\r\n</pre><hr></body>\r\n</html>\r\n"

func x(path string, status int, body string, hdr ...string) scanners.HTTPExchange {
	e := scanners.HTTPExchange{Method: "GET", Path: path, Request: "GET " + path + " HTTP/1.1", Status: status,
		StatusLine: "HTTP/1.1 " + itoa(status), Body: []byte(body), Headers: map[string][]string{}}
	for i := 0; i+1 < len(hdr); i += 2 {
		e.Headers[hdr[i]] = append(e.Headers[hdr[i]], hdr[i+1])
	}
	return e
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

// goodSite is the hardened server: everything right.
func goodSite() *scanners.HTTPSite {
	return &scanners.HTTPSite{
		URL: "https://198.51.100.121:443", Scheme: "https", Host: "www.example.go.jp",
		Root: x("/", 200, "<html>welcome</html>", "Server", "nginx", "Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'",
			"X-Content-Type-Options", "nosniff", "Referrer-Policy", "no-referrer", "Strict-Transport-Security", "max-age=63072000; includeSubDomains"),
		Baseline: scanners.HTTPBaseline{Stable: true, Status: 200},
		Folders:  []scanners.HTTPExchange{soft(x("/files/", 200, "custom 404"))},
		Files:    []scanners.HTTPExchange{soft(kind(x("/.git/HEAD", 200, "custom 404"), "git-head")), soft(kind(x("/.env", 200, "custom 404"), "dotenv"))},
		Errors:   []scanners.HTTPExchange{x("/sdn.html", 200, "custom 404"), x("/%zz", 400, "<center>nginx</center>")},
		Robots:   ptr(soft(x("/robots.txt", 200, "custom 404"))),
		Methods: []scanners.HTTPMethodTest{
			{Method: "TRACE", Path: "/", Status: 405, Detail: "no echo"},
			{Method: "PUT", Path: "/sdn.txt", Status: 405},
			{Method: "PROPFIND", Path: "/", Status: 405},
		},
	}
}

// badSite is the listing server: everything wrong.
func badSite() *scanners.HTTPSite {
	return &scanners.HTTPSite{
		URL: "http://198.51.100.120:80", Scheme: "http", Host: "www.example.com",
		Root:     x("/", 200, `<form><input type="password" name="p"></form>`, "Server", "nginx/1.22.1", "X-Powered-By", "PHP/8.2.7"),
		Baseline: scanners.HTTPBaseline{Stable: true, Status: 404},
		Folders:  []scanners.HTTPExchange{x("/files/", 200, nginxListing)},
		Files: []scanners.HTTPExchange{kind(x("/.git/HEAD", 200, "ref: refs/heads/main\n"), "git-head"),
			kind(x("/index.html.bak", 200, "<!DOCTYPE html><html></html>"), "backup"),
			kind(x("/server-status", 200, "<h1>Apache Server Status for 198.51.100.122</h1>"), "server-status"),
			kind(x("/.env", 404, "nf"), "dotenv")},
		Errors: []scanners.HTTPExchange{x("/sdn.html", 404, "<hr><center>nginx/1.22.1</center>")},
		Robots: ptr(x("/robots.txt", 200, "User-agent: *\nDisallow: /\n")),
		Methods: []scanners.HTTPMethodTest{
			{Method: "TRACE", Path: "/", Status: 200, Enabled: true, Detail: "echo"},
			{Method: "PROPFIND", Path: "/dav/", Status: 207, Enabled: true, Detail: "dav"},
			{Method: "PUT", Path: "/dav/sdn.txt", Status: 201, Enabled: true, CleanedUp: true, Detail: "created"},
		},
		HTTPSChecked: true, HTTPSServed: true,
	}
}

func soft(e scanners.HTTPExchange) scanners.HTTPExchange { e.Soft404 = true; return e }
func kind(e scanners.HTTPExchange, k string) scanners.HTTPExchange {
	e.Kind = k
	return e
}
func ptr(e scanners.HTTPExchange) *scanners.HTTPExchange { return &e }

func obsOf(s *scanners.HTTPSite) scanners.Observation {
	t := tgt
	if s.Scheme == "https" {
		t.Port = 443
	}
	return scanners.Observation{Probe: scanners.ProbeHTTPSite, Target: t, At: time.Unix(0, 0), Status: scanners.OK, Data: s}
}

func failedObs() scanners.Observation {
	return scanners.Observation{Probe: scanners.ProbeHTTPSite, Target: tgt, Status: scanners.Timeout, Reason: "i/o timeout"}
}

func eval(c checks.Check, o scanners.Observation) []checks.Finding {
	return c.Evaluate(&checks.Input{Obs: []scanners.Observation{o}, Policy: checks.DefaultPolicy()})
}

// statuses counts finding statuses, keyed "status" and "status:subject".
func statuses(fs []checks.Finding) map[string]int {
	m := map[string]int{}
	for _, f := range fs {
		m[string(f.Status)]++
		m[string(f.Status)+":"+f.Subject]++
		if f.Title.JA == "" || f.Title.EN == "" || f.Detail.JA == "" || f.Detail.EN == "" {
			panic("finding without bilingual title/detail: " + f.Check)
		}
	}
	return m
}

func TestChecks(t *testing.T) {
	httpGood := goodSite()
	httpGood.Scheme, httpGood.URL = "http", "http://198.51.100.121:80"
	httpGood.RootChain = nil
	httpGood.Root = x("/", 301, "", "Location", "https://www.example.go.jp/")
	cases := []struct {
		check    checks.Check
		good     *scanners.HTTPSite
		wantFail string // status:subject expected on badSite
	}{
		{directoryListing{}, goodSite(), "fail:/files/"},
		{methods{}, goodSite(), "fail:TRACE /"},
		{exposedFiles{}, goodSite(), "fail:/.git/HEAD"},
		{infoDisclosure{}, goodSite(), "fail:header:Server"},
		{securityHeaders{}, goodSite(), "warn:Content-Security-Policy"},
		{httpsRedirect{}, goodSite(), "fail:redirect"},
		{httpsRedirect{}, httpGood, "fail:redirect"},
		{cleartextLogin{}, goodSite(), "fail:/"},
		{robots{}, goodSite(), "fail:/robots.txt"},
		{government{}, goodSite(), "fail:www.example.com"},
	}
	for _, tc := range cases {
		id := tc.check.Info().ID
		t.Run(id, func(t *testing.T) {
			good := statuses(eval(tc.check, obsOf(tc.good)))
			if good["fail"]+good["warn"]+good["error"] > 0 || good["pass"]+good["skipped"] == 0 {
				t.Errorf("good site: %v", good)
			}
			bo := obsOf(badSite())
			if id == "domain.government" {
				bo.Target.Name = "www.example.com"
			}
			bad := statuses(eval(tc.check, bo))
			if bad[tc.wantFail] == 0 || bad["pass"] > 0 && id != "http.security-headers" {
				t.Errorf("bad site: want %s, got %v", tc.wantFail, bad)
			}
			if id == "domain.government" {
				return // no name, no verdict: it has no error case of its own
			}
			errs := statuses(eval(tc.check, failedObs()))
			if errs["error"] != 1 || len(errs) != 2 {
				t.Errorf("failed observation: %v", errs)
			}
		})
	}
}

func TestExposedFilesUnstableBaseline(t *testing.T) {
	s := goodSite()
	s.Baseline = scanners.HTTPBaseline{Reason: "random paths answered 200 with different bodies"}
	for i := range s.Files {
		s.Files[i].Soft404 = false
	}
	got := statuses(eval(exposedFiles{}, obsOf(s)))
	if got["error"] != 1 {
		t.Errorf("unstable baseline: %v", got)
	}
}

func TestMethodDetails(t *testing.T) {
	fs := eval(methods{}, obsOf(badSite()))
	for _, f := range fs {
		if f.Subject == "PUT /dav/sdn.txt" && f.Severity != checks.High {
			t.Errorf("PUT severity %s", f.Severity)
		}
	}
	s := goodSite()
	s.Methods = append(s.Methods, scanners.HTTPMethodTest{Method: "TRACK", Path: "/", Error: "connection reset"})
	if got := statuses(eval(methods{}, obsOf(s))); got["error"] != 1 {
		t.Errorf("method error: %v", got)
	}
}

func TestMethodsAdvertised(t *testing.T) {
	opts := func(allow ...string) *scanners.HTTPExchange {
		o := x("/", 200, "")
		o.Method, o.Request, o.Kind = "OPTIONS", "OPTIONS / HTTP/1.1", "options"
		o.Headers["Allow"] = allow
		return &o
	}
	// Advertised, not verified: still a pass, with the methods as evidence.
	s := goodSite()
	s.Options = opts("GET,HEAD,OPTIONS,TRACE", "connect, PATCH")
	fs := eval(methods{}, obsOf(s))
	if got := statuses(fs); got["pass"] != 1 || len(fs) != 1 {
		t.Fatalf("advertised methods changed the verdict: %v", got)
	}
	d := fs[0].Detail
	if !strings.Contains(d.EN, "OPTIONS / advertises: CONNECT, PATCH, TRACE (not exploitable as tested") ||
		!strings.Contains(d.EN, "TRACE tried and found disabled") || !strings.Contains(d.EN, "service.reflector") ||
		!strings.Contains(d.JA, "CONNECT, PATCH, TRACE") || !strings.Contains(d.JA, "TRACE は試験の結果") {
		t.Errorf("detail: %+v", d)
	}
	last := fs[0].Evidence[len(fs[0].Evidence)-1]
	if !strings.HasPrefix(last.Summary, "OPTIONS / advertises: CONNECT") || !strings.Contains(last.Data, "OPTIONS / HTTP/1.1") {
		t.Errorf("evidence: %+v", last)
	}

	// Verified methods are findings already; the rest is noted on each.
	b := badSite()
	want := statuses(eval(methods{}, obsOf(b)))
	b.Options = opts("GET,POST,OPTIONS,HEAD,TRACE,PROPFIND")
	fs = eval(methods{}, obsOf(b))
	if got := statuses(fs); !maps.Equal(got, want) {
		t.Errorf("verdicts %v, want %v", got, want)
	}
	for _, f := range fs {
		if strings.Contains(f.Detail.EN, "advertises") {
			t.Errorf("verified methods reported as unverified: %s", f.Detail.EN)
		}
	}
	b.Options = opts("GET, TRACE, CONNECT")
	fs = eval(methods{}, obsOf(b))
	if got := statuses(fs); !maps.Equal(got, want) {
		t.Errorf("verdicts %v, want %v", got, want)
	}
	for _, f := range fs {
		if !strings.Contains(f.Detail.EN, "OPTIONS / advertises: CONNECT (") || !strings.Contains(f.Detail.JA, "CONNECT") {
			t.Errorf("%s: %+v", f.Subject, f.Detail)
		}
	}

	// A hostile Allow header: junk dropped, the list bounded.
	s = goodSite()
	s.Options = opts("<script>, X" + strings.Repeat("Y", 40) + ", " + strings.Repeat("M1, M2, M3, M4, M5, M6, M7, M8, M9, ", 5))
	tried, untried := advertised(s)
	if len(tried)+len(untried) != 9 || slices.Contains(untried, "<SCRIPT>") {
		t.Errorf("hostile allow: %v %v", tried, untried)
	}
	var many []string
	for i := range 40 {
		many = append(many, "M"+itoa(i+1))
	}
	s.Options = opts(strings.Join(many, ","))
	if _, untried := advertised(s); len(untried) != maxAdvertised {
		t.Errorf("bound: %d", len(untried))
	}
	// No OPTIONS answer: nothing to say.
	s.Options = &scanners.HTTPExchange{Method: "OPTIONS", Path: "/", Error: "timeout"}
	if _, ok := advertisedNote(s); ok {
		t.Error("note without an OPTIONS answer")
	}
}

func TestHTTPSRedirectNoHTTPS(t *testing.T) {
	s := badSite()
	s.HTTPSServed, s.HTTPSError = false, "connection refused"
	if got := statuses(eval(httpsRedirect{}, obsOf(s))); got["warn"] != 1 {
		t.Errorf("no https: %v", got)
	}
	s.HTTPSChecked = false
	if got := statuses(eval(httpsRedirect{}, obsOf(s))); got["error"] != 1 {
		t.Errorf("unchecked https: %v", got)
	}
	g := goodSite()
	g.Root.Headers["Strict-Transport-Security"] = []string{"max-age=300"}
	if got := statuses(eval(httpsRedirect{}, obsOf(g))); got["warn"] != 1 {
		t.Errorf("short hsts: %v", got)
	}
}

// TestGovernmentMailNames: mail hosts and mail domains are published names
// too; a go.jp domain passes, a mail host outside the suffixes fails.
func TestGovernmentMailNames(t *testing.T) {
	in := &checks.Input{Policy: checks.DefaultPolicy(), Obs: []scanners.Observation{
		{Probe: "mail.domain", Target: scanners.Target{Name: "example.go.jp"}, Status: scanners.OK},
		{Probe: "smtp.session", Target: scanners.Target{Name: "mx.example-mail.com", Port: 25}, Status: scanners.OK},
		{Probe: "smtp.session", Target: scanners.Target{Name: "198.51.100.81", Port: 25}, Status: scanners.OK},
	}}
	got := map[string]checks.Status{}
	for _, f := range (government{}).Evaluate(in) {
		got[f.Subject] = f.Status
	}
	if len(got) != 2 || got["example.go.jp"] != checks.Pass || got["mx.example-mail.com"] != checks.Fail {
		t.Fatalf("findings %v", got)
	}
}
