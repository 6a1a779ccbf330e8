package webcheck

import (
	"strings"
	"testing"

	"shindan/checks"
	"shindan/scanners"
)

// siteObs is an http.site observation of an HTTPS site.
func siteObs(s *scanners.HTTPSite, st scanners.Status) scanners.Observation {
	return scanners.Observation{Probe: scanners.ProbeHTTPSite, Status: st, Data: s,
		Target: scanners.Target{Port: 443, Proto: scanners.TCP}}
}

// Every web verdict reached over a fallback hello says so in its
// evidence; one over the default hello does not.
func TestFallbackInEveryVerdict(t *testing.T) {
	root := x("/", 200, "<html>hi</html>", "Server", "old/1.0")
	mk := func(tl *scanners.HTTPTLS) *scanners.HTTPSite {
		return &scanners.HTTPSite{URL: "https://192.0.2.1:443", Scheme: "https", Root: root,
			Baseline: scanners.HTTPBaseline{Stable: true, Status: 404}, TLS: tl}
	}
	legacy := &scanners.HTTPTLS{Profile: "legacy", Version: "TLS 1.0", Suite: "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
		Refused: []string{"modern: remote error: tls: handshake failure"}}
	for _, id := range IDs() {
		c, _ := checks.Default.Get(id)
		if !strings.HasPrefix(id, "http.") {
			continue
		}
		for _, tc := range []struct {
			tls  *scanners.HTTPTLS
			note bool
		}{{legacy, true}, {&scanners.HTTPTLS{Profile: "modern", Version: "TLS 1.3"}, false}, {nil, false}} {
			in := &checks.Input{Obs: []scanners.Observation{siteObs(mk(tc.tls), scanners.OK)}, Policy: checks.DefaultPolicy()}
			fs := c.Evaluate(in)
			if len(fs) == 0 {
				t.Errorf("%s: no finding", id)
			}
			for _, f := range fs {
				has := false
				for _, ev := range f.Evidence {
					if ev.Kind == "tls" && strings.Contains(ev.Summary, "legacy TLS hello fallback (TLS 1.0 TLS_RSA_WITH_3DES_EDE_CBC_SHA)") &&
						strings.Contains(ev.Data, "modern: remote error") {
						has = true
					}
				}
				if has != tc.note {
					t.Errorf("%s %s %s (profile %+v): fallback note %v, want %v", id, f.Subject, f.Status, tc.tls, has, tc.note)
				}
			}
		}
	}
}

// A site no crypto/tls hello could reach gives each web check one error
// that says what the server wants, in both languages.
func TestTLSGapError(t *testing.T) {
	gaps := map[string]*scanners.TLSGap{
		"TLS_DHE_RSA_WITH_AES_128_GCM_SHA256": {Kind: scanners.GapKeyExchange, What: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", Server: "ServerHello TLS1.2 TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"},
		"x448":                                {Kind: scanners.GapGroup, What: "x448", Server: "HelloRetryRequest TLS1.3 TLS_AES_128_GCM_SHA256"},
		"status_request":                      {Kind: scanners.GapHello, Server: "ServerHello TLS1.3 TLS_AES_128_GCM_SHA256"},
		"SNI":                                 {Kind: scanners.GapAlert, What: "handshake_failure", Server: "alert 40 (handshake_failure)", NoSNI: true},
		"unrecognized_name":                   {Kind: scanners.GapAlert, What: "unrecognized_name", Server: "alert 112 (unrecognized_name)", NoSNI: true},
		"SSL":                                 {Kind: scanners.GapProtocol, What: "SSL3.0", Server: "ServerHello SSL3.0 TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
		"Camellia":                            {Kind: scanners.GapCipher, What: "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA", Server: "ServerHello TLS1.2 TLS_RSA_WITH_CAMELLIA_128_CBC_SHA"},
	}
	for want, g := range gaps {
		o := siteObs(&scanners.HTTPSite{URL: "https://192.0.2.1:443", Scheme: "https",
			TLS: &scanners.HTTPTLS{Refused: []string{"modern: EOF"}, Gap: g}}, scanners.ProtocolError)
		o.Reason = "httpscan: GET / on https://192.0.2.1:443: " + g.String()
		for _, id := range IDs() {
			c, _ := checks.Default.Get(id)
			if !strings.HasPrefix(id, "http.") {
				continue
			}
			fs := c.Evaluate(&checks.Input{Obs: []scanners.Observation{o}, Policy: checks.DefaultPolicy()})
			if len(fs) != 1 || fs[0].Status != checks.Error {
				t.Fatalf("%s: %+v", id, fs)
			}
			d := fs[0].Detail
			if !strings.Contains(d.EN, want) || !strings.Contains(d.JA, want) || !strings.Contains(d.JA, "TLS 非互換") ||
				!strings.Contains(d.EN, g.Server) || !strings.Contains(d.JA, g.Server) {
				t.Errorf("%s %s: %q / %q", id, g.Kind, d.EN, d.JA)
			}
		}
	}
}
