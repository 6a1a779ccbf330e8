package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shindan/reports"
)

func TestPlanOutput(t *testing.T) {
	dir := t.TempDir()
	if _, err := planOutput("-", []string{"json", "html"}, false, "s1"); err == nil || !strings.Contains(err.Error(), "one format") {
		t.Errorf("-o - with two formats: %v", err)
	}
	p, err := planOutput("-", []string{"sarif"}, false, "s1")
	if err != nil || !p.stdout {
		t.Errorf("-o - with one format: %+v %v", p, err)
	}
	if _, err := os.Stat("-"); err == nil {
		t.Error("-o - created a file or folder named -")
	}
	if _, err := planOutput(filepath.Join(dir, "r.json"), []string{"json", "html"}, false, "s1"); err == nil || !strings.Contains(err.Error(), "names a file") {
		t.Errorf("-o r.json with two formats: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "r.json")); err == nil {
		t.Error("a folder r.json was created")
	}
	// A folder: created before the scan, one file per format.
	out := filepath.Join(dir, "out")
	p, err = planOutput(out, []string{"html", "json"}, false, "s1")
	if err != nil || p.formats[0] != "json" || p.paths["html"] != filepath.Join(out, "report.html") {
		t.Fatalf("folder plan %+v %v", p, err)
	}
	if st, err := os.Stat(out); err != nil || !st.IsDir() {
		t.Error("output folder not created before the scan")
	}
	// An existing report is refused without --force, taken with it.
	os.WriteFile(filepath.Join(out, "report.json"), []byte("{}"), 0o644)
	if _, err := planOutput(out, []string{"json"}, false, "s1"); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("existing file without --force: %v", err)
	}
	if _, err := planOutput(out, []string{"json"}, true, "s1"); err != nil {
		t.Errorf("existing file with --force: %v", err)
	}
	// An unwritable folder is found before the scan.
	ro := filepath.Join(dir, "ro")
	os.Mkdir(ro, 0o555)
	if os.Geteuid() != 0 { // root writes anywhere
		if _, err := planOutput(ro, []string{"json"}, false, "s1"); err == nil || !strings.Contains(err.Error(), "not writable") {
			t.Errorf("read-only folder: %v", err)
		}
	}
	if _, err := planOutput(filepath.Join(dir, "a-file", "x"), []string{"json", "csv"}, false, "s1"); err != nil {
		t.Errorf("nested new folder: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "plain"), nil, 0o644)
	if _, err := planOutput(filepath.Join(dir, "plain", "sub"), []string{"json", "csv"}, false, "s1"); err == nil {
		t.Error("a folder below a regular file was accepted")
	}
	// The default folder is out/<scan-id>.
	wd, _ := os.Getwd()
	os.Chdir(dir)
	defer os.Chdir(wd)
	p, err = planOutput("", []string{"json"}, false, "20250101T000000Z-ab")
	if err != nil || p.paths["json"] != filepath.Join("out", "20250101T000000Z-ab", "report.json") {
		t.Errorf("default plan %+v %v", p, err)
	}
}

func TestScanOutputCheckedBeforeScan(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "r.json")
	os.WriteFile(existing, []byte("keep"), 0o644)
	// 192.0.2.1 would be refused by the scope guard anyway; the output
	// check must fire before any of that.
	code, out := run(t, context.Background(), "scan", "--format", "json", "-o", existing, "198.51.100.1")
	if code != exitError || !strings.Contains(out, "--force") {
		t.Fatalf("exit %d: %s", code, out)
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep" {
		t.Error("existing report overwritten")
	}
	code, out = run(t, context.Background(), "scan", "--format", "json,html", "-o", filepath.Join(dir, "x.json"), "198.51.100.1")
	if code != exitError || !strings.Contains(out, "names a file") {
		t.Fatalf("exit %d: %s", code, out)
	}
}

func TestReportOutputConventions(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SHINDAN_LANG", "en")
	code, out := run(t, context.Background(), "report", "../../reports/testdata/full.json", "--format", "csv", "-o", "-")
	if code != 0 || !strings.Contains(out, "Open mail relay") {
		t.Fatalf("SHINDAN_LANG=en, -o -: exit %d, %.300s", code, out)
	}
	t.Setenv("SHINDAN_LANG", "fr")
	if code, out := run(t, context.Background(), "report", "../../reports/testdata/full.json"); code != exitError || !strings.Contains(out, "SHINDAN_LANG") {
		t.Errorf("SHINDAN_LANG=fr: exit %d, %q", code, out)
	}
	t.Setenv("SHINDAN_LANG", "")
	f := filepath.Join(dir, "r.md")
	os.WriteFile(f, []byte("x"), 0o644)
	if code, out := run(t, context.Background(), "report", "../../reports/testdata/full.json", "--format", "md", "-o", f); code != exitError || !strings.Contains(out, "--force") {
		t.Errorf("existing -o without --force: exit %d, %q", code, out)
	}
	if code, _ := run(t, context.Background(), "report", "../../reports/testdata/full.json", "--format", "md", "-o", f, "--force"); code != 0 {
		t.Errorf("--force: exit %d", code)
	}
}

func TestReportSizeLimit(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.json")
	fh, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	// Sparse: 300 MiB on paper, no disk used.
	if err := fh.Truncate(300 << 20); err != nil {
		t.Fatal(err)
	}
	fh.Close()
	for _, args := range [][]string{{"report", big}, {"diff", big, "../../reports/testdata/full.json"}} {
		code, out := run(t, context.Background(), args...)
		if code != exitError || !strings.Contains(out, "256 MiB report size limit") {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
	// A stream (no size up front) is cut at the limit, not read whole.
	if _, err := readLimited("/dev/zero"); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("/dev/zero: %v", err)
	}
}

func TestVersionAndSummaryWords(t *testing.T) {
	code, out := run(t, context.Background(), "--version")
	if code != 0 || strings.Contains(out, "version dev\n") || !strings.Contains(out, "shindan version ") {
		t.Errorf("--version: exit %d, %q", code, out)
	}
	r := &reports.Report{Scan: reports.Scan{Stats: &reports.Stats{HostsAlive: 2, PortsOpen: 3}}, Findings: []reports.Finding{
		{Status: "fail"}, {Status: "error"}, {Status: "pass"}, {Status: "pass"}}}
	if got := summaryLine(r, "en"); got != "scan done: 2 hosts, 3 open ports, 4 findings (fail 1, warn 0, not decided 1, pass 2)" {
		t.Errorf("en summary %q", got)
	}
	if got := summaryLine(r, "ja"); got != "診断完了: ホスト 2、開放ポート 3、指摘 4 件（不適合 1、要注意 0、判定不能 1、適合 2）" {
		t.Errorf("ja summary %q", got)
	}
	one := &reports.Report{Scan: reports.Scan{Stats: &reports.Stats{HostsAlive: 1, PortsOpen: 1}}, Findings: []reports.Finding{{Status: "pass"}}}
	if got := summaryLine(one, "en"); got != "scan done: 1 host, 1 open port, 1 finding (fail 0, warn 0, not decided 0, pass 1)" {
		t.Errorf("en summary of one %q", got)
	}
}
