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
