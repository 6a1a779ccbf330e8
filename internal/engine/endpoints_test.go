package engine

import (
	"context"
	"fmt"
	"testing"

	"shindan/internal/targets"
	"shindan/scanners"
)

// A URL target scans its endpoint, not the profile's ports of its host.
func TestURLTargetScansItsEndpointOnly(t *testing.T) {
	p1, stop1 := listen(t)
	defer stop1()
	p2, stop2 := listen(t)
	defer stop2()
	reg := scanners.NewRegistry()
	reg.Add(fakeIdent{})
	reg.Add(fakeBanner{})
	cfg := config(t, reg, p1, p2)
	u := fmt.Sprintf("http://127.0.0.1:%d/", p2)
	sp, err := targets.Parse(u, "arg")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Targets, cfg.RawTargets = []targets.Spec{sp}, []string{u}
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Assets) != 1 || len(r.Assets[0].Services) != 1 || r.Assets[0].Services[0].Port != int(p2) {
		t.Fatalf("assets %+v, want only port %d", r.Assets, p2)
	}
	if len(r.Findings) != 1 {
		t.Fatalf("findings %+v", r.Findings)
	}
}
