package tlscheck

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(ciphers{}) }

type ciphers struct{}

func (ciphers) Info() checks.Info {
	return checks.Info{
		ID: "tls.ciphers", Articles: []string{"29-1"}, Needs: []string{scanners.ProbeTLSScan}, Severity: checks.High,
		Title: checks.T("TLS暗号スイートと鍵交換", "TLS cipher suites and key exchange"),
		Detail: checks.T("受け付ける暗号スイートが CRYPTREC 暗号リスト／TLS暗号設定ガイドラインの設定区分に適合していること。",
			"Every accepted cipher suite conforms to the CRYPTREC list / IPA TLS guideline setting type."),
		Remediation: checks.T("ガイドラインの推奨暗号スイート（ECDHE + AES-GCM など）のみを有効にし、サーバ側の優先順位を適用してください。",
			"Enable only the guideline's suites (ECDHE with AES-GCM and the like) and enforce the server's order."),
	}
}

// weakKind names the always-forbidden primitive in a suite name, if any.
func weakKind(name string) string {
	for _, k := range []string{"NULL", "EXPORT", "anon", "RC4", "RC2", "IDEA", "MD5"} {
		if strings.Contains(name, k) {
			return k
		}
	}
	if strings.Contains(name, "_DES_") || strings.Contains(name, "DES40") || strings.Contains(name, "DES_64") {
		return "DES"
	}
	if strings.HasPrefix(name, "SSL_CK_") || strings.HasPrefix(name, "0x") {
		return "unknown"
	}
	return ""
}

func (c ciphers) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	tname, st := settingOf(in.EffectivePolicy())
	return eachScan(in, info, "ciphers", func(o scanners.Observation, scan *scanners.TLSScan) []checks.Finding {
		var out []checks.Finding
		bad := false
		type hit struct {
			suite  scanners.TLSSuite
			protos []string
		}
		var order []string
		hits := map[string]*hit{}
		var clientOrder []string
		for _, p := range scan.Protocols {
			if p.Status == "error" {
				out = append(out, checks.UnsureT(info, o, "suites:"+p.Name, checks.T(p.Name+": "+checks.Raw(p.Reason), p.Name+": "+p.Reason)))
				bad = true
			}
			if p.Status != "supported" {
				continue
			}
			if p.ServerOrder == "client" {
				clientOrder = append(clientOrder, p.Name)
			}
			for _, su := range p.Suites {
				h := hits[su.Name]
				if h == nil {
					h = &hit{suite: su}
					hits[su.Name] = h
					order = append(order, su.Name)
				}
				h.protos = append(h.protos, p.Name)
			}
		}
		for _, name := range order {
			h := hits[name]
			code, err := strconv.ParseUint(strings.TrimPrefix(h.suite.Code, "0x"), 16, 32)
			class, rule, sslv2 := "forbidden", suiteRule{}, true
			if err == nil && code <= 0xFFFF {
				class, rule = suiteClass(uint16(code), tname)
				sslv2 = false
			}
			if class != "forbidden" {
				continue
			}
			sev := checks.Medium
			if weakKind(name) != "" {
				sev = checks.High
			}
			ps := strings.Join(h.protos, ", ")
			why := forbidReason(name, rule, tname, sslv2)
			f := checks.Observed(info, o, name, checks.Fail,
				checks.T(fmt.Sprintf("%s（%s）を %s で受け付けます。設定区分 %s では禁止されています: %s。", name, h.suite.Code, ps, typeText(tname, st).JA, why.JA),
					fmt.Sprintf("%s (%s) is accepted over %s; setting type %s forbids it: %s.", name, h.suite.Code, ps, tname, why.EN)))
			if rule.Note != "" {
				// The policy authors' note on this suite (English, with
				// [unverified] marks) stays visible to an auditor as
				// evidence, apart from the officer's text.
				f.Evidence = append(slices.Clone(f.Evidence), scanners.Evidence{Kind: "note", Summary: "tls-policy.yaml " + h.suite.Code + ": " + rule.Note})
			}
			out = append(out, f.Graded(sev,
				checks.T(fmt.Sprintf("暗号スイート設定から %s（OpenSSL名 %s）を除外してください。", name, orName(h.suite)),
					fmt.Sprintf("Remove %s (OpenSSL: %s) from the cipher configuration.", name, orName(h.suite)))))
			bad = true
		}
		// Key exchange sizes: DHE primes and ECDHE groups.
		seenKx := map[string]bool{}
		for _, name := range order {
			su := hits[name].suite
			if su.Kx == "DHE" && su.KxBits > 0 && !seenKx[fmt.Sprint("DH", su.KxBits)] {
				seenKx[fmt.Sprint("DH", su.KxBits)] = true
				subj := fmt.Sprintf("kx:DH-%d", su.KxBits)
				switch {
				case su.KxBits < st.MinDH:
					out = append(out, checks.Observed(info, o, subj, checks.Fail,
						checks.T(fmt.Sprintf("DHE 鍵交換の素数長が %d ビットです（設定区分 %s の最小 %d ビット未満）。", su.KxBits, typeText(tname, st).JA, st.MinDH),
							fmt.Sprintf("DHE key exchange uses a %d-bit prime, below the %d bits setting type %s requires.", su.KxBits, st.MinDH, tname))).Graded(checks.High,
						checks.T(fmt.Sprintf("%d ビット以上の DH パラメータ（RFC 7919 ffdhe2048 など）を設定するか DHE を無効にしてください。", st.MinDH),
							fmt.Sprintf("Configure DH parameters of at least %d bits (e.g. RFC 7919 ffdhe2048) or disable DHE.", st.MinDH))))
					bad = true
				case st.WarnDH > 0 && su.KxBits < st.WarnDH:
					out = append(out, checks.Observed(info, o, subj, checks.Warn,
						checks.T(fmt.Sprintf("DHE 鍵交換の素数長が %d ビットです（%d ビット未満は例外的扱い）。", su.KxBits, st.WarnDH),
							fmt.Sprintf("DHE key exchange uses a %d-bit prime (below %d bits is a legacy exception).", su.KxBits, st.WarnDH))).Graded(checks.Low,
						checks.T("2048 ビット以上の DH パラメータを設定してください。", "Configure DH parameters of at least 2048 bits.")))
					bad = true
				}
			}
		}
		for _, g := range scan.Groups {
			if groupClass(g.Name, tname) == "forbidden" {
				out = append(out, checks.Observed(info, o, "group:"+g.Name, checks.Fail,
					checks.T(fmt.Sprintf("鍵交換グループ %s（%s）を受け付けます。設定区分 %s では禁止されています。", g.Name, g.Code, typeText(tname, st).JA),
						fmt.Sprintf("Key-exchange group %s (%s) is accepted; setting type %s forbids it.", g.Name, g.Code, tname))).Graded(checks.Medium,
					checks.T("鍵交換グループを x25519, secp256r1, secp384r1 などに限定してください。", "Limit key-exchange groups to x25519, secp256r1, secp384r1 and the like.")))
				bad = true
			}
		}
		if len(clientOrder) > 0 {
			out = append(out, checks.Observed(info, o, "server-order", checks.Fail,
				checks.T("サーバ側の暗号スイート優先順位が適用されていません（"+strings.Join(clientOrder, ", ")+"）。クライアントの順序で選ばれます。",
					"The server does not enforce its cipher-suite order ("+strings.Join(clientOrder, ", ")+"); the client's order wins.")).Graded(checks.Low,
				checks.T("サーバ側優先を有効にしてください（nginx `ssl_prefer_server_ciphers on;`、Postfix `tls_preempt_cipherlist = yes`）。",
					"Enforce the server's order (nginx `ssl_prefer_server_ciphers on;`, Postfix `tls_preempt_cipherlist = yes`).")))
			bad = true
		}
		if !bad {
			n := len(order)
			out = append(out, checks.Observed(info, o, "ciphers", checks.Pass,
				checks.T(fmt.Sprintf("受け付ける %d 種類の暗号スイートはすべて設定区分 %s に適合します。", n, typeText(tname, st).JA),
					allAccepted(n)+" to setting type "+tname+".")))
		}
		return out
	})
}

func orName(s scanners.TLSSuite) string {
	if s.OpenSSL != "" {
		return s.OpenSSL
	}
	return s.Name
}

// allAccepted opens the English pass text of n accepted suites ("All 3
// accepted suites conform", "The 1 accepted suite conforms").
func allAccepted(n int) string {
	if n == 1 {
		return "The 1 accepted suite conforms"
	}
	return "All " + checks.Count(n, "accepted suite", "accepted suites") + " conform"
}
