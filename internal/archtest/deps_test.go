package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

type pkg struct {
	ImportPath string
	Imports    []string
	Doc        string
	Name       string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "shindan/...")
	cmd.Dir = "../.."
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("go list: %v", err)
	}
	return pkgs
}

func isStd(imp string) bool {
	return !strings.Contains(strings.Split(imp, "/")[0], ".") && !strings.HasPrefix(imp, "shindan")
}

func under(p, prefix string) bool { return p == prefix || strings.HasPrefix(p, prefix+"/") }

// TestImportRules: checks are pure (no network libraries), reports depend
// on nothing but themselves, probes never reach into checks or reports, and
// the heavy or raw libraries stay inside the one package that owns them.
func TestImportRules(t *testing.T) {
	owners := map[string][]string{
		"github.com/projectdiscovery/nuclei/v3": {"shindan/scanners/nucleiscan"},
		"github.com/gopacket/gopacket":          {"shindan/scanners/portscan", "shindan/scanners/ndpscan", "shindan/scanners/rawio"},
		"github.com/miekg/dns":                  {"shindan/scanners/dnsclient", "shindan/scanners/dnsscan", "shindan/scanners/mailscan"},
		"github.com/urfave/cli/v2":              {"shindan/cmd/shindan"},
		"github.com/xuri/excelize/v2":           {"shindan/reports/xlsxreport"},
		"github.com/chromedp":                   {"shindan/internal/pdfreport"},
	}
	for _, p := range listPackages(t) {
		for _, imp := range p.Imports {
			for lib, allowed := range owners {
				if under(imp, lib) && !contains(allowed, p.ImportPath) {
					t.Errorf("%s imports %s; only %v may", p.ImportPath, imp, allowed)
				}
			}
			switch {
			case under(p.ImportPath, "shindan/checks"):
				if !isStd(imp) && !under(imp, "shindan/checks") && imp != "shindan/scanners" && imp != "go.yaml.in/yaml/v3" &&
					!(p.ImportPath == "shindan/checks/checktest" && imp == "golang.org/x/tools/txtar") {
					t.Errorf("%s imports %s: checks may import only shindan/scanners, shindan/checks and the standard library", p.ImportPath, imp)
				}
				if imp == "net/http" || imp == "os/exec" {
					t.Errorf("%s imports %s: checks do no I/O", p.ImportPath, imp)
				}
			case under(p.ImportPath, "shindan/reports"):
				if !isStd(imp) && !under(imp, "shindan/reports") && !(p.ImportPath == "shindan/reports/reporttest" && under(imp, "github.com/santhosh-tekuri/jsonschema/v6")) && !(p.ImportPath == "shindan/reports/xlsxreport" && under(imp, "github.com/xuri/excelize/v2")) {
					t.Errorf("%s imports %s: reports depend only on reports and the standard library", p.ImportPath, imp)
				}
			case under(p.ImportPath, "shindan/scanners"):
				if under(imp, "shindan/checks") || under(imp, "shindan/reports") {
					t.Errorf("%s imports %s: probes never depend on checks or reports", p.ImportPath, imp)
				}
			}
		}
	}
}

// TestPackageDocs: every package says what it is for.
func TestPackageDocs(t *testing.T) {
	for _, p := range listPackages(t) {
		if p.Name != "main" && strings.TrimSpace(p.Doc) == "" {
			t.Errorf("package %s has no package doc comment", p.ImportPath)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestMainBinaryWithoutNuclei: the shindan binary does not link nuclei,
// not even through a dependency: its package inits cost every process
// about 60 ms of CPU at start. vuln.nuclei runs it in cmd/shindan-nuclei
// (scanners/nucleiproc), and only that command may reach it.
func TestMainBinaryWithoutNuclei(t *testing.T) {
	const bin = "shindan/cmd/shindan"
	cmd := exec.Command("go", "list", "-deps", bin)
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", bin, err)
	}
	deps := strings.Fields(string(out))
	if !contains(deps, "shindan/scanners/nucleiproc") {
		t.Fatalf("go list -deps %s: %d packages, nucleiproc missing: the rule would hold vacuously", bin, len(deps))
	}
	for _, d := range deps {
		if under(d, "github.com/projectdiscovery/nuclei/v3") || d == "shindan/scanners/nucleiscan" {
			t.Errorf("%s links %s; only cmd/shindan-nuclei may", bin, d)
		}
	}
}
