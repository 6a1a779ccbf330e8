// Package tlscheck grades the tls.scan observations: tls.protocols,
// tls.ciphers, tls.certificate and tls.vulnerabilities, against
// tls-policy.yaml for the policy's setting type.
package tlscheck

//go:generate go run ./internal/genpolicy/cmd -in tls-policy.yaml -out policy_gen.go

import (
	_ "embed"

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
	Name   string
	Class  [3]string // high_security, recommended_security, security_exception
	Reason string
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
		return unknownSuiteClass, suiteRule{Reason: "not in the policy's suite list"}
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
