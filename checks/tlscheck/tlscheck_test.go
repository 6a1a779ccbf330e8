package tlscheck

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"shindan/checks"
	"shindan/checks/tlscheck/internal/genpolicy"
)

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

// TestForbidReasonCoversPolicy: every suite the policy forbids in some
// setting type gets a cause worded from its parts, not the fallback that
// only names the classification, so an officer reads why in both
// languages. The fallback itself stays for a future policy entry.
func TestForbidReasonCoversPolicy(t *testing.T) {
	fallback := forbidReason("", suiteRule{Name: "x"}, "", false)
	n := 0
	for code, r := range policySuites {
		for i, tname := range []string{"high_security", "recommended_security", "security_exception"} {
			if r.Class[i] != "forbidden" {
				continue
			}
			n++
			why := forbidReason(r.Name, r, tname, false)
			if why == fallback {
				t.Errorf("0x%04X %s forbidden in %s: no cause from kx %q auth %q cipher %q mode %q mac %q",
					code, r.Name, tname, r.Kx, r.Auth, r.Cipher, r.Mode, r.MAC)
			}
			if why.JA == "" || why.EN == "" {
				t.Errorf("0x%04X %s: reason not in both languages: %+v", code, r.Name, why)
			}
		}
	}
	if n == 0 {
		t.Fatal("the policy forbids no suite: the table did not load")
	}
}
