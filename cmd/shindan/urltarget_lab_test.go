//go:build netlab

package main

import (
	"context"
	"path/filepath"
	"testing"

	"shindan/internal/netlab"
)

// A URL names one endpoint: scanning http://webnpm:8080/ must not reach
// the serve instance the same host runs on 3000 (issue 15 §2), and the
// web checks run on 8080.
func TestLabURLTargetScansItsEndpoint(t *testing.T) {
	lab := netlab.Require(t)
	h := lab.Hosts["webnpm"]
	u := "http://" + h.IPv4.String() + ":8080/"
	dir := t.TempDir()
	code, out := run(t, context.Background(), "scan", "--no-progress", "--checks", "service.exposed,http.directory-listing",
		"--format", "json", "-o", filepath.Join(dir, "r.json"), "--fail-on", "none", u)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	r, _ := readReport(t, filepath.Join(dir, "r.json"))
	var ports []int
	for _, a := range r.Assets {
		for _, s := range a.Services {
			ports = append(ports, s.Port)
		}
	}
	if len(ports) != 1 || ports[0] != 8080 {
		t.Fatalf("services %v, want only 8080", ports)
	}
	listing := false
	for _, f := range r.Findings {
		if f.Port == 3000 {
			t.Errorf("finding on the port the URL does not name: %s %s", f.Check, f.Target)
		}
		listing = listing || f.Check == "http.directory-listing" && f.Status == "fail"
	}
	if !listing {
		t.Error("the listing of http-server on 8080 was not found")
	}
}
