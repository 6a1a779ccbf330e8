// Package tlscheck grades the tls.scan observations: tls.protocols,
// tls.ciphers, tls.certificate and tls.vulnerabilities, against
// tls-policy.yaml for the policy's setting type.
package tlscheck

//go:generate go run ./internal/genpolicy/cmd -in tls-policy.yaml -out policy_gen.go

import (
	_ "embed"
	"strings"

	"shindan/checks"
)

// policyYAML is the copy of shared/spec/tls-policy.yaml the generated
// tables come from; tests keep the three in step.
//
//go:embed tls-policy.yaml
var policyYAML []byte

type settingType struct {
	NameJA                string
	Protocols             map[string]string // required, allowed, forbidden
	MinRSA, MinDH, MinECC int
	WarnDH                int // security_exception: warn below this DH size
}

type suiteRule struct {
	Name  string
	Class [3]string // high_security, recommended_security, security_exception
	// The suite's parts as tls-policy.yaml names them ("DH (anonymous)",
	// "3DES_EDE", "CBC", "HMAC-MD5"): forbidReason words the verdict from
	// them in both languages.
	Kx, Auth, Cipher, Mode, MAC string
	// Note is the policy's first reason, its authors' provenance note in
	// English with Japanese list names and [unverified] marks: evidence
	// for an auditor, never a finding's text.
	Note string
}

type sigAlgRule struct {
	Name, Class string
}

func typeIndex(t string) int {
	switch t {
	case "high_security":
		return 0
	case "security_exception":
		return 2
	}
	return 1
}

// settingOf returns the policy's setting type (the default when unset or unknown).
func settingOf(p *checks.Policy) (string, settingType) {
	name := defaultSettingType
	if p != nil && p.TLSSettingType != "" {
		if _, ok := settingTypes[p.TLSSettingType]; ok {
			name = p.TLSSettingType
		}
	}
	return name, settingTypes[name]
}

// suiteClass classifies a suite code for setting type t.
func suiteClass(code uint16, t string) (string, suiteRule) {
	r, ok := policySuites[code]
	if !ok {
		return unknownSuiteClass, suiteRule{}
	}
	return r.Class[typeIndex(t)], r
}

// groupClass classifies a named group; groups the policy does not list
// are forbidden (named_groups_rules.unknown).
func groupClass(name, t string) string {
	if c, ok := policyGroups[name]; ok {
		return c[typeIndex(t)]
	}
	return "forbidden"
}

// forbidReason says why setting type t forbids suite name with rule r, in
// both languages, from the suite's parts: the policy's own reasons are
// provenance notes for its authors (see suiteRule.Note), not texts an
// officer can read. sslv2 marks an SSL 2.0 cipher kind, which no policy
// entry covers. The first matching cause wins, gravest first; a suite the
// parts do not explain falls back to naming the policy's classification.
func forbidReason(name string, r suiteRule, t string, sslv2 bool) checks.Text {
	anyOf := func(s string, subs ...string) bool {
		for _, x := range subs {
			if strings.Contains(s, x) {
				return true
			}
		}
		return false
	}
	switch {
	case sslv2:
		return checks.T("SSL 2.0 の暗号種別です（SSL 2.0 は禁止）", "it is an SSL 2.0 cipher kind (SSL 2.0 is forbidden)")
	case r.Name == "":
		return checks.T("ポリシーの暗号スイート一覧にない暗号スイートです（一覧外は禁止）",
			"it is not in the policy's suite list (suites outside it are forbidden)")
	case r.Cipher == "NULL":
		return checks.T("通信を暗号化しません（NULL 暗号）", "it does not encrypt (NULL cipher)")
	case r.Auth == "anon" || r.Auth == "NULL" || strings.Contains(r.Kx, "anonymous"):
		return checks.T("サーバを認証しません（匿名の鍵交換）", "it does not authenticate the server (anonymous key exchange)")
	case strings.Contains(name, "EXPORT") || anyOf(r.Cipher, "_40", "RC4_56"):
		return checks.T("輸出規制時代の弱い暗号（EXPORT）です", "it is an export-grade cipher")
	case strings.HasPrefix(r.Cipher, "RC4"):
		return checks.T("RC4 は RFC 7465 により TLS での使用が禁止されています", "RC4 is prohibited in TLS by RFC 7465")
	case r.Cipher == "DES":
		return checks.T("DES（56 ビット鍵）は強度が不足しています", "DES (56-bit key) is too weak")
	case anyOf(r.Cipher, "ARIA", "SEED", "IDEA", "RC2"):
		alg, _, _ := strings.Cut(r.Cipher, "_")
		return checks.T(alg+" は CRYPTREC 暗号リストにない暗号です", alg+" is not on the CRYPTREC cipher list")
	case r.MAC == "HMAC-MD5":
		return checks.T("メッセージ認証に MD5 を使います", "its MAC uses MD5")
	case r.Cipher == "3DES_EDE":
		return checks.T("3DES は 64 ビットブロック暗号（Sweet32 攻撃）で、セキュリティ例外型でのみ使えます",
			"3DES is a 64-bit block cipher (Sweet32) allowed only in the security exception type")
	case r.Mode == "CCM_8":
		return checks.T("認証タグが 64 ビットの CCM_8 は、セキュリティ例外型でのみ使えます",
			"CCM_8 has a 64-bit tag and is allowed only in the security exception type")
	case strings.HasPrefix(r.Kx, "RSA"):
		return checks.T("RSA 鍵交換は前方秘匿性がなく、セキュリティ例外型でのみ使えます",
			"RSA key transport has no forward secrecy and is allowed only in the security exception type")
	case strings.Contains(r.Kx, "static"):
		return checks.T("固定鍵の (EC)DH 鍵交換は前方秘匿性がなく、セキュリティ例外型でのみ使えます",
			"static (EC)DH key exchange has no forward secrecy and is allowed only in the security exception type")
	case t == "high_security" && !strings.HasPrefix(r.MAC, "AEAD"):
		return checks.T("高セキュリティ型では AEAD（GCM など）が必須で、"+r.Mode+" モードは使えません",
			"the high security type requires AEAD (such as GCM), so "+r.Mode+" mode is not allowed")
	}
	return checks.T("ポリシー（tls-policy.yaml）で禁止に分類されています", "the policy (tls-policy.yaml) classifies it as forbidden")
}
