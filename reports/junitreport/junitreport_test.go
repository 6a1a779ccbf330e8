package junitreport

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"shindan/reports"
	"shindan/reports/reporttest"
)

func render(t *testing.T, w Writer, r *reports.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := w.Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fixture is the full report plus a grouped finding whose items carry a
// hostile banner's control characters.
func fixture(t *testing.T) *reports.Report {
	r := reporttest.Full(t)
	for i, s := range []string{"Server", "X-Powered-By"} {
		r.Findings = append(r.Findings, reports.Finding{
			ID: reports.FindingID("http.headers", "www.example.go.jp:80", s), Check: "http.headers", Articles: []string{"61-1-1"},
			Target: "www.example.go.jp:80", Host: "198.51.100.9", Port: 80, Proto: "tcp", Subject: s,
			Status: []string{"warn", "pass"}[i], Severity: []string{"low", "none"}[i],
			Title:    &reports.Text{JA: "ヘッダ", EN: "Headers"},
			Detail:   &reports.Text{JA: s + " を開示", EN: s + " disclosed"},
			Evidence: []reports.Evidence{{Kind: "http", Summary: "HEAD / → 200", Data: "Server: evil\x1b[31m\x00\r\n"}},
		})
	}
	r.Findings = reports.Group(r.Findings, nil)
	return r
}

// TestValidatesAgainstXSD checks the output against testdata/junit-10.xsd
// (jenkinsci/xunit-plugin, the schema Jenkins, GitLab and most JUnit
// readers accept) with xmllint, which `lab install` provides
// (libxml2-utils).
func TestValidatesAgainstXSD(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("SHINDAN_REQUIRE_LAB") != "" {
			t.Fatal("xmllint missing: run testdata/lab/lab install (libxml2-utils)")
		}
		t.Skip("xmllint not installed (Debian libxml2-utils; testdata/lab/lab install brings it)")
	}
	dir := t.TempDir()
	cases := map[string][]byte{
		"full-ja":   render(t, Writer{Lang: "ja"}, fixture(t)),
		"full-en":   render(t, Writer{Lang: "en", FailOn: "low"}, fixture(t)),
		"empty":     render(t, Writer{}, &reports.Report{}),
		"broken":    []byte(`<?xml version="1.0"?><testsuites><testsuite name="x"/></testsuites>`),
		"bad-child": []byte(`<?xml version="1.0"?><testsuites><testsuite name="x" tests="1" failures="0" errors="0"><bogus/></testsuite></testsuites>`),
	}
	for name, b := range cases {
		f := filepath.Join(dir, name+".xml")
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(xmllint, "--noout", "--schema", "testdata/junit-10.xsd", f).CombinedOutput()
		invalid := strings.HasPrefix(name, "b")
		if invalid != (err != nil) {
			t.Errorf("%s: xmllint: %v\n%s", name, err, out)
		}
	}
}

type parsed struct {
	Tests  int `xml:"tests,attr"`
	Suites []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   int    `xml:"errors,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Cases    []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
				Body    string `xml:",chardata"`
			} `xml:"failure"`
			Error   *struct{} `xml:"error"`
			Skipped *struct {
				Type string `xml:"type,attr"`
			} `xml:"skipped"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestSuitesCasesAndOutcomes(t *testing.T) {
	r := fixture(t)
	for _, tc := range []struct {
		failOn       string
		headerFailed bool
	}{{"high", false}, {"low", true}, {"none", false}} {
		var doc parsed
		if err := xml.Unmarshal(render(t, Writer{Lang: "en", FailOn: tc.failOn}, r), &doc); err != nil {
			t.Fatal(err)
		}
		targets := map[string]bool{}
		cases := 0
		for _, f := range r.Findings {
			targets[f.Target] = true
		}
		for _, s := range doc.Suites {
			if !targets[s.Name] {
				t.Errorf("suite %q is not a target", s.Name)
			}
			delete(targets, s.Name)
			cases += len(s.Cases)
			if s.Tests != len(s.Cases) {
				t.Errorf("suite %s: tests=%d, %d cases", s.Name, s.Tests, len(s.Cases))
			}
			for _, c := range s.Cases {
				switch {
				case strings.HasPrefix(c.Name, "smtp.open-relay"):
					if c.Failure == nil || !strings.Contains(c.Failure.Body, "RCPT TO:<victim@elsewhere.example>") {
						t.Errorf("relay: failure with the transcript expected: %+v", c.Failure)
					}
				case strings.HasPrefix(c.Name, "http.directory-listing"):
					if c.Skipped == nil || c.Skipped.Type != "waived" {
						t.Errorf("waived warn must be skipped as waived: %+v", c)
					}
				case strings.HasPrefix(c.Name, "http.headers"):
					if (c.Failure != nil) != tc.headerFailed {
						t.Errorf("fail-on %s: low warn failure=%v", tc.failOn, c.Failure != nil)
					}
					out := c.SystemOut
					if c.Failure != nil {
						out = c.Failure.Body
					}
					if !strings.Contains(out, `evil\x1b[31m\x00`) || !strings.Contains(out, "- X-Powered-By [pass]") {
						t.Errorf("items or escaped control characters missing: %q", out)
					}
				}
			}
		}
		if len(targets) != 0 || cases != len(r.Findings) {
			t.Errorf("targets without a suite %v; %d cases for %d findings", targets, cases, len(r.Findings))
		}
	}
	var doc parsed
	xml.Unmarshal(render(t, Writer{Lang: "en"}, r), &doc)
	errs := 0
	for _, s := range doc.Suites {
		errs += s.Errors
	}
	want := 0
	for _, f := range r.Findings {
		if f.Status == "error" {
			want++
		}
	}
	if want == 0 || errs != want {
		t.Errorf("%d error cases, want %d (one per undecided finding)", errs, want)
	}
}
