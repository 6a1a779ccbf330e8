//go:build netlab

package main

import (
	"context"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"shindan/internal/netlab"
	"shindan/reports"
)

// A top1000 scan does not reach Redis (6379) or memcached (11211) on the
// legacy host: service.database may pass on what it saw, and its pass must
// say those ports were not tested.
func TestLabTop1000PassNamesItsCoverage(t *testing.T) {
	lab := netlab.Require(t)
	legacy := lab.Hosts["legacy"]
	dir := t.TempDir()
	code, out := run(t, context.Background(), "scan", "--no-progress", "--ports", "top1000", "--checks", "service.database,service.cleartext-admin",
		"--format", "json", "-o", filepath.Join(dir, "r.json"), "--fail-on", "none", legacy.IPv4.String())
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	r, _ := readReport(t, filepath.Join(dir, "r.json"))
	found := false
	for _, f := range r.Findings {
		if f.Check == "service.database" && f.Target == legacy.IPv4.String() {
			found = true
			if f.Status != "pass" || !strings.Contains(f.Detail.EN, "not scanned, so not tested") || !strings.Contains(f.Detail.EN, "6379") ||
				!strings.Contains(f.Detail.EN, "11211") {
				t.Errorf("the pass must name the database ports it did not test: %s %q", f.Status, f.Detail.EN)
			}
		}
	}
	if !found {
		t.Fatalf("no service.database verdict for %s", legacy.IPv4)
	}
}

// A mostly empty IPv6 range: addresses that never answered get no finding
// and are counted in the stats.
func TestLabSilentRangeAddressesGetNoFinding(t *testing.T) {
	lab := netlab.Require(t)
	live := map[string]bool{lab.Router.DMZ.IPv6.String(): true} // the router answers too
	for _, h := range lab.Hosts {
		for _, a := range h.Addrs() {
			live[a.String()] = true
		}
	}
	pfx := netip.PrefixFrom(lab.Hosts["legacy"].IPv6, 120).Masked()
	dir := t.TempDir()
	args := append([]string{"scan", "--no-progress", "--ports", "22,80", "--checks", "ipv6.global-exposure,service.exposed",
		"--format", "json", "-o", filepath.Join(dir, "r.json"), "--fail-on", "none", pfx.String()}, lab.GuardExcludes()...)
	code, out := run(t, context.Background(), args...)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	r, _ := readReport(t, filepath.Join(dir, "r.json"))
	if len(r.Findings) == 0 {
		t.Fatal("no finding at all: the live hosts of the range must have verdicts")
	}
	for _, f := range r.Findings {
		if !live[f.Host] {
			t.Errorf("finding for an address that never answered: %s %s %s", f.Check, f.Target, f.Status)
		}
	}
	if r.Scan.Stats == nil || r.Scan.Stats.HostsSilent < 200 {
		t.Errorf("stats must count the silent addresses: %+v", r.Scan.Stats)
	}
}

// v6pair is scanned by address only: its IPv4 and IPv6 addresses share a
// MAC on the office link, so ipv6.parity pairs them and fails tcp/8080.
func TestLabParityPairsByMAC(t *testing.T) {
	lab := netlab.Require(t)
	h := lab.Hosts["v6pair"]
	dir := t.TempDir()
	code, out := run(t, context.Background(), "scan", "--no-progress", "--ports", "22,80,8080", "--checks", "ipv6.parity",
		"--format", "json", "-o", filepath.Join(dir, "r.json"), "--fail-on", "none", h.IPv4.String(), h.IPv6.String())
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	r, _ := readReport(t, filepath.Join(dir, "r.json"))
	var seen []string
	ok := false
	for _, f := range r.Findings {
		seen = append(seen, f.Status+" "+f.Target+" "+f.Detail.EN)
		if f.Check == "ipv6.parity" && f.Status == "fail" && strings.Contains(f.Detail.EN+itemsEN(f.Items), "8080") &&
			strings.Contains(f.Detail.EN+itemsEN(f.Items), "link-layer address") {
			ok = true
		}
	}
	if !ok {
		t.Fatalf("want ipv6.parity fail on tcp/8080 paired by link-layer address; got %v", seen)
	}
}

// itemsEN joins the English details of a grouped finding's items.
func itemsEN(items []reports.Item) string {
	var b strings.Builder
	for _, it := range items {
		b.WriteString(" " + it.Subject + " " + it.Detail.Lang("en"))
	}
	return b.String()
}

// service.version against the real daemons: every identified product has
// a CPE name in the inventory, and a feed made for the test (OpenSSH
// before 9.3p2, Redis before 7.0.12 …) fails the matching versions.
func TestLabServiceVersionWithFeed(t *testing.T) {
	lab := netlab.Require(t)
	clean, legacy := lab.Hosts["clean"], lab.Hosts["legacy"]
	dir := t.TempDir()
	code, out := run(t, context.Background(), "scan", "--no-progress", "--checks", "service.version",
		"--vuln-feed", "../../checks/vulnfeed/testdata", "--format", "json", "-o", filepath.Join(dir, "r.json"), "--fail-on", "none",
		clean.IPv4.String(), legacy.IPv4.String())
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	r, _ := readReport(t, filepath.Join(dir, "r.json"))
	products := 0
	for _, a := range r.Assets {
		for _, s := range a.Services {
			if s.Product != "" {
				products++
				if !strings.HasPrefix(s.CPE, "cpe:2.3:a:") {
					t.Errorf("%s:%d %s has no CPE name", a.Host, s.Port, s.Product)
				}
			}
		}
	}
	if products == 0 {
		t.Fatal("no product identified on clean and legacy")
	}
	var sshFail bool
	for _, f := range r.Findings {
		if f.Check != "service.version" {
			continue
		}
		text := f.Detail.EN + itemsEN(f.Items)
		if f.Target == clean.IPv4.String()+":22" && f.Status == "fail" && strings.Contains(text, "CVE-2099-0001") {
			sshFail = true
		}
		if f.Status == "pass" {
			t.Errorf("service.version never passes: %s %s", f.Target, text)
		}
	}
	if !sshFail {
		t.Errorf("OpenSSH 9.2p1 on clean must fail with CVE-2099-0001 from the test feed; findings: %+v", r.Findings)
	}
}

// clean serves SSH on its IPv4 and IPv6 addresses behind the lab router
// (no shared link, no name given): the host key it presents on both ties
// them together, and ipv6.parity compares them.
func TestLabParityPairsBySSHHostKey(t *testing.T) {
	lab := netlab.Require(t)
	h := lab.Hosts["clean"]
	dir := t.TempDir()
	code, out := run(t, context.Background(), "scan", "--no-progress", "--ports", "22,80", "--checks", "ipv6.parity",
		"--format", "json", "-o", filepath.Join(dir, "r.json"), "--fail-on", "none", h.IPv4.String(), h.IPv6.String())
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	r, _ := readReport(t, filepath.Join(dir, "r.json"))
	var seen []string
	for _, f := range r.Findings {
		seen = append(seen, f.Status+" "+f.Target+" "+f.Detail.EN)
		if f.Check == "ipv6.parity" && f.Status == "pass" && strings.Contains(f.Detail.EN+itemsEN(f.Items), "SSH host key SHA256:") {
			return
		}
	}
	t.Fatalf("want ipv6.parity pass paired by the SSH host key; got %v", seen)
}
