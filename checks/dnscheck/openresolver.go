package dnscheck

import (
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(openResolver{}) }

var _ checks.Check = openResolver{}

// openResolver implements dns.open-resolver (Art. 64-3, 38): recursive
// queries (RD=1) for a name the server is not authoritative for, over UDP
// and TCP (each address family is its own target). Fails when the server
// answers with RA=1 and the expected answer (NOERROR) from the scanner's
// outside vantage and also resolves a fresh random name; REFUSED passes;
// RA=1 with SERVFAIL is warn (recursion allowed, upstream broken), as are a
// cache-only server and an unexpected answer with RA=1. An answer with AA=1
// means the server holds the probe name's zone and passes for this test.
// When the probe name does not resolve (RA=1 with SERVFAIL or another
// answer, as on a network without internet egress), names the scan
// resolved itself and the server does not hold are asked instead; the
// same answer as the scanner's own resolver, plus a fresh random name
// resolved, is proof of open recursion and fails. A truncated UDP reply
// (TC=1) is no evidence: the probe judges its TCP retry, and a test that
// got no complete answer, or only an rcode that did not take the query
// (FORMERR, NOTIMP), is no-answer; no decidable answer over UDP or TCP is
// error.
type openResolver struct{}

func (openResolver) Info() checks.Info {
	return checks.Info{
		ID: "dns.open-resolver", Articles: []string{"64-3", "38"}, Needs: []string{scanners.ProbeDNSServer, scanners.ProbeDNSUDP},
		Severity: checks.High,
		Title:    checks.T("DNS オープンリゾルバ", "Open DNS resolver"),
		Remediation: checks.T(
			"キャッシュサーバの再帰問い合わせは組織内のアドレスからのみ許可してください（BIND: `allow-recursion { 内部; };`、Unbound: `access-control` で内部のみ `allow`）。コンテンツサーバでは再帰を無効にしてください（`recursion no;`）。",
			"Allow recursion only from the organisation's own addresses (BIND: allow-recursion { internal; }; Unbound: access-control allow for internal ranges only). Disable recursion on content servers (recursion no;)."),
	}
}

// Evaluate does not take RA=1 for proof (pitfalls §2.1): a fail needs a
// real answer for a name the server is not authoritative for plus a fresh
// random name resolved, so a cached answer cannot make a cache-only
// server look open. The classes are decided by scanners/dnsscan; this ranks them,
// strongest evidence first, over all transports of the target.
func (c openResolver) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	return checks.EachOf(in, info, []string{scanners.ProbeDNSServer, scanners.ProbeDNSUDP}, "", func(o scanners.Observation, s *scanners.DNSServer) []checks.Finding {
		var out []checks.Finding
		by := map[string][]checks.Text{}
		var ev []scanners.Evidence
		for _, r := range s.Recursion {
			by[r.Class] = append(by[r.Class], recursionText(r, r.Transport))
			ev = append(ev, dnsEvidence(r.Transport+" "+r.QName+" A, RD=1: "+r.Class, r.Text))
		}
		// Known-name proof: the canary did not resolve (no internet egress
		// for the server), so names the scan resolved itself were asked.
		var proof []checks.Text
		for _, r := range s.Proof {
			d := recursionText(r, r.Transport+" "+r.QName)
			if r.Class == scanners.ResolverOpen {
				proof = append(proof, d)
			} else {
				by[r.Class] = append(by[r.Class], checks.T("既知の名前 "+d.JA, "known name "+d.EN))
			}
			ev = append(ev, dnsEvidence(r.Transport+" "+r.QName+" A, RD=1 (a name the scan resolved itself): "+r.Class, r.Text))
		}
		all := func(classes ...string) []checks.Text {
			var x []checks.Text
			for _, cl := range classes {
				x = append(x, by[cl]...)
			}
			return x
		}
		var f checks.Finding
		switch {
		case len(by[scanners.ResolverOpen]) > 0:
			f = checks.Observed(info, o, "", checks.Fail, checks.T(
				"外部から再帰問い合わせに応答しました（"+s.ProbeName+" を解決し、新規のランダム名も再帰解決）: "+joinJA(by[scanners.ResolverOpen]),
				"the server resolved "+s.ProbeName+" recursively for an outside client, and a fresh random name too: "+joinEN(by[scanners.ResolverOpen])))

		case len(proof) > 0:
			f = checks.Observed(info, o, "", checks.Fail, checks.T(
				"プローブ名 "+s.ProbeName+" は解決できませんでした（インターネットへの経路がない可能性）が、スキャナ自身が解決した名前をスキャナと同じアドレスに再帰解決し、新規のランダム名も再帰解決しました（このサーバのゾーン外の名前）: "+joinJA(proof),
				"the probe name "+s.ProbeName+" did not resolve (the server may have no internet egress), but names the scanner resolved itself, outside the server's own zones, were resolved recursively to the same addresses for an outside client, and a fresh random name too: "+joinEN(proof)))

		case len(all(scanners.ResolverCacheOnly, scanners.ResolverServfail, scanners.ResolverUnexpected)) > 0:
			x := all(scanners.ResolverCacheOnly, scanners.ResolverServfail, scanners.ResolverUnexpected)
			f = checks.Observed(info, o, "", checks.Warn, checks.T(
				"再帰（RA=1）が外部に提供されていますが、正しい回答は得られませんでした（上位の障害、キャッシュのみ応答、またはフィルタ）: "+joinJA(x),
				"recursion (RA=1) is offered to outside clients but did not yield the expected answer (upstream failure, cache-only answers, or filtering): "+joinEN(x)))

			f.Severity = checks.Medium
		case len(all(scanners.ResolverRefused, scanners.ResolverNoRecursion, scanners.ResolverAuthoritative)) > 0:
			ok := all(scanners.ResolverRefused, scanners.ResolverNoRecursion, scanners.ResolverAuthoritative)
			ja, en := "外部からの再帰問い合わせは提供されていません: "+joinJA(ok), "recursion is not offered to outside clients: "+joinEN(ok)
			if na := by[scanners.ResolverNoAnswer]; len(na) > 0 {
				ja += "（応答なし: " + joinJA(na) + "）"
				en += " (no answer: " + joinEN(na) + ")"
			}
			f = checks.Observed(info, o, "", checks.Pass, checks.T(ja, en))
		default:
			f = checks.Observed(info, o, "", checks.Error, checks.T(
				"再帰問い合わせの試験に判定できる応答がありませんでした（UDP・TCP とも）: "+joinJA(by[scanners.ResolverNoAnswer]),
				"no usable reply to the recursion test over udp or tcp: "+joinEN(by[scanners.ResolverNoAnswer])))

		}
		f.Evidence = ev
		out = append(out, f)
		return out
	})
}

// resolverClassJA names dnsscan's recursion classes in Japanese; English
// texts keep the class tokens.
var resolverClassJA = map[string]string{
	scanners.ResolverOpen: "再帰解決", scanners.ResolverCacheOnly: "キャッシュのみ応答", scanners.ResolverRefused: "拒否",
	scanners.ResolverServfail: "SERVFAIL", scanners.ResolverAuthoritative: "権威応答のみ", scanners.ResolverNoRecursion: "再帰なし",
	scanners.ResolverUnexpected: "想定外の回答", scanners.ResolverNoAnswer: "応答なし",
}

// recursionText is one recursion test's outcome as the texts list it:
// "udp: open (rcode NOERROR, ra=1, aa=0)"; the header fields are written
// as dig shows them in both languages.
func recursionText(r scanners.DNSRecursion, what string) checks.Text {
	cl := resolverClassJA[r.Class]
	if cl == "" {
		cl = r.Class
	}
	ja, en := what+": "+cl, what+": "+r.Class
	switch {
	case r.Rcode != "":
		flags := "rcode " + r.Rcode + ", ra=" + b01(r.RA) + ", aa=" + b01(r.AA)
		ja += "（" + flags
		en += " (" + flags
		if r.Fresh != "" {
			ja += "、新規のランダム名 " + r.Fresh
			en += ", fresh name " + r.Fresh
		}
		if r.Truncated {
			ja += "、UDP の応答は切り詰め（TC=1）のため TCP の再試行で判定"
			en += ", udp reply truncated (TC=1): judged from the tcp retry"
		}
		if r.Class == scanners.ResolverNoAnswer && r.Error != "" {
			ja += "、" + checks.Raw(r.Error)
			en += ", " + r.Error
		}
		ja += "）"
		en += ")"
	case r.Error != "":
		ja += "（" + checks.Raw(r.Error) + "）"
		en += " (" + r.Error + ")"
	}
	return checks.T(ja, en)
}

func joinJA(ts []checks.Text) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.JA
	}
	return strings.Join(s, "; ")
}

func joinEN(ts []checks.Text) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.EN
	}
	return strings.Join(s, "; ")
}

// b01 writes a DNS header flag as dig shows it in evidence (ra=1, aa=0).
func b01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
