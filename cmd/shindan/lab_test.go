//go:build netlab

package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shindan/internal/netlab"
	"shindan/reports"
	"shindan/reports/reporttest"
)

func readReport(t *testing.T, path string) (*reports.Report, []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r reports.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r, b
}

// TestLabScanLegacyAndClean runs the real CLI against the legacy and clean
// lab hosts: the JSON report must validate against the schema, identify
// every service, fail the service checks on legacy with evidence and pass
// them on clean; --fail-on high must exit 1.
func TestLabScanLegacyAndClean(t *testing.T) {
	lab := netlab.Require(t)
	legacy, clean := lab.Hosts["legacy"], lab.Hosts["clean"]
	dir := t.TempDir()
	code, out := run(t, context.Background(), "scan", "--no-progress", "--checks", "service.*,time.skew",
		"--format", "json,html,md,csv,sarif", "-o", dir, "--lang", "en",
		legacy.IPv4.String(), legacy.IPv6.String(), clean.IPv4.String(), clean.IPv6.String())
	if code != exitFindings {
		t.Fatalf("exit %d (want 1: critical findings at --fail-on high)\n%s", code, out)
	}
	r, raw := readReport(t, filepath.Join(dir, "report.json"))
	if err := reporttest.Validate(t, reporttest.Schema(t), raw); err != nil {
		t.Fatalf("the real report does not validate against report.schema.json: %v", err)
	}
	for _, f := range []string{"report.html", "report.md", "report.csv", "report.sarif"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s not written", f)
		}
	}
	if !r.Scan.Complete || r.Scan.Stats.HostsAlive != 4 {
		t.Fatalf("scan %+v", r.Scan)
	}
	want := map[string]string{"21": "ftp", "23": "telnet", "6379": "redis", "11211": "memcached"}
	for _, a := range r.Assets {
		got := map[string]string{}
		for _, s := range a.Services {
			got[itoa(s.Port)] = s.Service
		}
		switch a.Host {
		case legacy.IPv4.String(), legacy.IPv6.String():
			for p, name := range want {
				if got[p] != name {
					t.Errorf("%s port %s identified as %q, want %q", a.Host, p, got[p], name)
				}
			}
		case clean.IPv4.String(), clean.IPv6.String():
			if len(got) != 1 || got["22"] != "ssh" {
				t.Errorf("clean %s services %v, want only ssh", a.Host, got)
			}
		}
	}
	verdicts := map[string]string{}
	for _, f := range r.Findings {
		verdicts[f.Check+" "+f.Target] = f.Status
		ev := len(f.Evidence)
		for _, it := range f.Items { // a grouped finding keeps each subject's evidence
			ev += len(it.Evidence)
		}
		if f.Status == "fail" && ev == 0 {
			t.Errorf("fail without evidence: %s %s", f.Check, f.Target)
		}
	}
	for _, h := range []string{legacy.IPv4.String() + ":", "[" + legacy.IPv6.String() + "]:"} {
		for key, status := range map[string]string{
			"service.cleartext-admin " + h + "23": "fail", "service.cleartext-admin " + h + "21": "fail",
			"service.database " + h + "6379": "fail", "service.database " + h + "11211": "fail",
		} {
			if verdicts[key] != status {
				t.Errorf("%s: %q, want %s", key, verdicts[key], status)
			}
		}
	}
	for key, status := range map[string]string{
		"service.cleartext-admin " + clean.IPv4.String() + ":22": "pass",
		"service.database " + clean.IPv4.String():                "pass",
	} {
		if verdicts[key] != status {
			t.Errorf("%s: %q, want %s (all: %v)", key, verdicts[key], status, verdicts)
		}
	}
	// The stored report re-renders, and a second scan gives the same IDs.
	code, _ = run(t, context.Background(), "report", filepath.Join(dir, "report.json"), "--format", "md", "-o", filepath.Join(dir, "again.md"))
	if code != 0 {
		t.Fatalf("report re-render exit %d", code)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestLabInterruptWritesPartialReport cancels a slow scan (low rate, all
// ports) and expects a report marked incomplete, with error findings, and
// exit status 2.
func TestLabInterruptWritesPartialReport(t *testing.T) {
	lab := netlab.Require(t)
	legacy := lab.Hosts["legacy"]
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	code, out := run(t, ctx, "scan", "--no-progress", "--checks", "service.*", "--ports", "all", "--rate", "200",
		"--format", "json", "-o", filepath.Join(dir, "r.json"), legacy.IPv4.String())
	if code != exitError || !strings.Contains(out, "incomplete") {
		t.Fatalf("exit %d, output %q; want 2 and 'incomplete'", code, out)
	}
	r, raw := readReport(t, filepath.Join(dir, "r.json"))
	if err := reporttest.Validate(t, reporttest.Schema(t), raw); err != nil {
		t.Fatal(err)
	}
	if r.Scan.Complete || r.Scan.InterruptedReason == "" {
		t.Fatalf("scan %+v should be marked incomplete", r.Scan)
	}
	errs := 0
	for _, f := range r.Findings {
		if f.Status == "pass" {
			t.Errorf("interrupted scan passed %s %s: %s", f.Check, f.Target, f.Detail.EN)
		}
		if f.Status == "error" {
			errs++
		}
	}
	if errs == 0 {
		t.Fatal("no error finding for the unfinished work")
	}
}

// TestLabSegmentProfile runs the segment profile on the office segment,
// declared IPv4-only by the demo policy: the hosts that speak IPv6 and the
// rogue router must be found, the IPv6-disabled host must not.
func TestLabSegmentProfile(t *testing.T) {
	lab := netlab.Require(t)
	on, off, ra := lab.Hosts["v6on"], lab.Hosts["v6off"], lab.Hosts["radvd"]
	dir := t.TempDir()
	code, out := run(t, context.Background(), "scan", "--no-progress", "--profile", "segment", "--iface", lab.Scanner.Office.Iface,
		"--policy", "../../testdata/lab/demo-policy.yaml", "--format", "json", "-o", filepath.Join(dir, "r.json"), "--fail-on", "none",
		"203.0.113.0/25")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	r, _ := readReport(t, filepath.Join(dir, "r.json"))
	got := map[string]string{}
	for _, f := range r.Findings {
		got[f.Check+" "+f.Target] = f.Status
	}
	for key, want := range map[string]string{
		"ipv6.unintended " + on.IPv4.String(): "fail",
		"ipv6.unintended " + ra.IPv4.String(): "fail",
		// The RA is attributed to its machine through the ARP map.
		"ipv6.rogue-ra " + ra.IPv4.String(): "fail",
		// A quiet host passes by name, so the matrix has evidence for it.
		"ipv6.unintended " + off.IPv4.String(): "pass",
	} {
		if got[key] != want {
			t.Errorf("%s = %q, want %s (all: %v)", key, got[key], want, got)
		}
	}
}
