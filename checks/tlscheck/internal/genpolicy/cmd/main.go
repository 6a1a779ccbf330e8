// Command genpolicy writes checks/tlscheck/policy_gen.go from its copy of
// tls-policy.yaml (go generate ./checks/tlscheck).
package main

import (
	"flag"
	"log"
	"os"

	"shindan/checks/tlscheck/internal/genpolicy"
)

func main() {
	in := flag.String("in", "tls-policy.yaml", "policy YAML")
	out := flag.String("out", "policy_gen.go", "output")
	flag.Parse()
	b, err := os.ReadFile(*in)
	if err != nil {
		log.Fatal(err)
	}
	src, err := genpolicy.Generate(b)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatal(err)
	}
}
