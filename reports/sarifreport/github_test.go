package sarifreport

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"shindan/reports"
	"shindan/reports/reporttest"
)

// testdata/sarif-schema-2.1.0.json is the OASIS schema (errata01, from
// oasis-tcs/sarif-spec, sarif-2.1/schema/), kept verbatim as test data.
func officialSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const id = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// grouped is the full fixture plus a grouped finding on an IPv6 endpoint
// and one on a domain, the shapes the engine writes.
func grouped(t *testing.T) *reports.Report {
	r := reporttest.Full(t)
	var fs []reports.Finding
	for i, s := range []string{"TLS_RSA_WITH_RC4_128_SHA", "TLS_AES_128_GCM_SHA256"} {
		st := []string{"fail", "pass"}[i]
		fs = append(fs, reports.Finding{
			ID: reports.FindingID("tls.ciphers", "[2001:db8:100::53]:443", s), Check: "tls.ciphers", Articles: []string{"67-3"},
			Target: "[2001:db8:100::53]:443", Host: "2001:db8:100::53", Port: 443, Proto: "tcp", Subject: s, Status: st,
			Severity: map[string]string{"fail": "high", "pass": "none"}[st], Title: &reports.Text{JA: "暗号スイート", EN: "Cipher suites"},
			Remediation: &reports.Text{JA: "RC4 を無効化", EN: "Disable RC4 *now*"},
		})
	}
	fs = append(fs, reports.Finding{ID: "f-domain", Check: "mail.dmarc", Articles: []string{"59-3"}, Target: "example.go.jp",
		Status: "warn", Severity: "medium", Title: &reports.Text{JA: "DMARC", EN: "DMARC"}})
	r.Findings = reports.Group(append(r.Findings, fs...), nil)
	return r
}

func TestValidatesAgainstOfficialSchema(t *testing.T) {
	s := officialSchema(t)
	for _, lang := range []string{"ja", "en"} {
		for name, r := range map[string]*reports.Report{"full": reporttest.Full(t), "grouped": grouped(t), "empty": {}} {
			b := render(t, lang, r)
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Validate(inst); err != nil {
				t.Errorf("%s/%s: %v", name, lang, err)
			}
		}
	}
	// The validator is live: a result without a message is rejected.
	b := bytes.Replace(render(t, "en", grouped(t)), []byte(`"message"`), []byte(`"messagex"`), 1)
	inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if s.Validate(inst) == nil {
		t.Error("a result without message validates")
	}
}

type ghLog struct {
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID               string `json:"id"`
					ShortDescription struct{ Text string }
					FullDescription  struct{ Text string }
					Help             struct{ Text, Markdown string }
					HelpURI          string `json:"helpUri"`
					Properties       struct {
						Tags             []string `json:"tags"`
						SecuritySeverity string   `json:"security-severity"`
					} `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex int    `json:"ruleIndex"`
			Message   struct{ Text string }
			Locations []struct {
				PhysicalLocation *struct {
					ArtifactLocation struct {
						URI       string `json:"uri"`
						URIBaseID string `json:"uriBaseId"`
					} `json:"artifactLocation"`
					Region struct {
						StartLine int `json:"startLine"`
					} `json:"region"`
				} `json:"physicalLocation"`
				LogicalLocations []struct{ Name string } `json:"logicalLocations"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
		} `json:"results"`
	} `json:"runs"`
}

// TestGitHubUploadRequirements asserts what GitHub code scanning documents
// for third-party SARIF (docs "SARIF support for code scanning" and the
// GH rules of the SARIF multitool): at most 20 runs and 25,000 results and
// rules per run; every result has a message, a rule, 1–10 locations with a
// physical location whose artifact URI is relative (GH1005) and a start
// line (GH1003), and fingerprints; every rule has short and full
// descriptions, help text and markdown, a helpUri, tags (≤ 20, including
// "security" and the articles) and a security-severity between 0 and 10.
func TestGitHubUploadRequirements(t *testing.T) {
	for _, lang := range []string{"ja", "en"} {
		var doc ghLog
		if err := json.Unmarshal(render(t, lang, grouped(t)), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Version != "2.1.0" || len(doc.Runs) < 1 || len(doc.Runs) > 20 {
			t.Fatalf("version %q, %d runs", doc.Version, len(doc.Runs))
		}
		run := doc.Runs[0]
		if run.Tool.Driver.Name == "" || len(run.Results) > 25000 || len(run.Tool.Driver.Rules) > 25000 {
			t.Fatalf("driver %q, %d results, %d rules", run.Tool.Driver.Name, len(run.Results), len(run.Tool.Driver.Rules))
		}
		for _, ru := range run.Tool.Driver.Rules {
			p := ru.Properties
			if ru.ShortDescription.Text == "" || ru.FullDescription.Text == "" || ru.Help.Text == "" || ru.Help.Markdown == "" {
				t.Errorf("%s/%s: descriptions or help missing: %+v", lang, ru.ID, ru)
			}
			// SARIF §3.49.12 asks an absolute URI; GitHub links it as the
			// rule's documentation, so a URN would be a dead link there.
			if u, err := url.Parse(ru.HelpURI); ru.HelpURI != "" && (err != nil || !u.IsAbs() || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "") {
				t.Errorf("%s/%s: helpUri %q is not an absolute http(s) URL", lang, ru.ID, ru.HelpURI)
			}
			sev, err := strconv.ParseFloat(p.SecuritySeverity, 64)
			if err != nil || sev < 0 || sev > 10 {
				t.Errorf("%s/%s: security-severity %q", lang, ru.ID, p.SecuritySeverity)
			}
			if len(p.Tags) == 0 || len(p.Tags) > 20 || p.Tags[0] != "security" {
				t.Errorf("%s/%s: tags %v", lang, ru.ID, p.Tags)
			}
		}
		for _, res := range run.Results {
			id := res.PartialFingerprints["shindanFindingId/v1"]
			if res.Message.Text == "" || id == "" || run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
				t.Errorf("%s/%s: message, fingerprint or rule missing", lang, id)
			}
			if len(res.Locations) < 1 || len(res.Locations) > 10 {
				t.Errorf("%s/%s: %d locations", lang, id, len(res.Locations))
				continue
			}
			for _, l := range res.Locations {
				pl := l.PhysicalLocation
				if pl == nil || pl.ArtifactLocation.URI == "" || pl.Region.StartLine < 1 {
					t.Errorf("%s/%s: no physical location with a start line", lang, id)
					continue
				}
				u, err := url.Parse(pl.ArtifactLocation.URI)
				if err != nil || u.IsAbs() || strings.HasPrefix(pl.ArtifactLocation.URI, "/") {
					t.Errorf("%s/%s: artifact URI %q is not a relative reference", lang, id, pl.ArtifactLocation.URI)
				}
				if len(l.LogicalLocations) != 1 || l.LogicalLocations[0].Name == "" {
					t.Errorf("%s/%s: logical location lost", lang, id)
				}
			}
		}
		// Rule help carries the remediation, with Markdown escaped.
		for _, ru := range run.Tool.Driver.Rules {
			if ru.ID == "tls.ciphers" && lang == "en" && !strings.Contains(ru.Help.Markdown, `Disable RC4 \*now\*`) {
				t.Errorf("tls.ciphers help markdown %q", ru.Help.Markdown)
			}
		}
	}
}

func TestArtifactURI(t *testing.T) {
	for _, c := range []struct {
		f    reports.Finding
		want string
	}{
		{reports.Finding{Target: "198.51.100.9:443", Host: "198.51.100.9", Port: 443, Proto: "tcp"}, "198.51.100.9/tcp/443"},
		{reports.Finding{Target: "[2001:db8::1]:53", Host: "2001:db8::1", Port: 53, Proto: "udp"}, "2001%3Adb8%3A%3A1/udp/53"},
		{reports.Finding{Target: "www.example.go.jp:80", Host: "198.51.100.9", Port: 80}, "www.example.go.jp/tcp/80"},
		{reports.Finding{Target: "example.go.jp"}, "example.go.jp"},
		{reports.Finding{Target: "ウェブ.example.jp"}, "%E3%82%A6%E3%82%A7%E3%83%96.example.jp"},
	} {
		if got := ArtifactURI(c.f); got != c.want {
			t.Errorf("ArtifactURI(%s) = %q, want %q", c.f.Target, got, c.want)
		}
	}
}

// TestHelpURIReachesDocs: without a documentation address rules carry no
// helpUri (never a guessed or non-http one); with DocsRepo set at build
// time every rule links to its check's section of docs/checks.md
// (generated from the registry by checks/all, one anchor per check); a
// Writer's HelpBase replaces the default and still validates.
func TestHelpURIReachesDocs(t *testing.T) {
	doc, err := os.ReadFile("../../docs/checks.md")
	if err != nil {
		t.Fatal(err)
	}
	var d ghLog
	if DocsRepo != "" {
		t.Fatalf("DocsRepo %q is set in the source; it comes from the build (DOCS_URL)", DocsRepo)
	}
	if err := json.Unmarshal(render(t, "en", grouped(t)), &d); err != nil {
		t.Fatal(err)
	}
	for _, ru := range d.Runs[0].Tool.Driver.Rules {
		if ru.HelpURI != "" {
			t.Errorf("%s: helpUri %q without a documentation address", ru.ID, ru.HelpURI)
		}
	}
	DocsRepo = "https://git.example.org/shindan/blob/main/"
	t.Cleanup(func() { DocsRepo = "" })
	if err := json.Unmarshal(render(t, "en", grouped(t)), &d); err != nil {
		t.Fatal(err)
	}
	for _, ru := range d.Runs[0].Tool.Driver.Rules {
		if want := DocsRepo + "docs/checks.md#" + ru.ID; ru.HelpURI != want {
			t.Errorf("%s: helpUri %q, want %q", ru.ID, ru.HelpURI, want)
		}
		if !bytes.Contains(doc, []byte(`<a id="`+ru.ID+`"></a>`)) {
			t.Errorf("%s: docs/checks.md has no section for the rule (go test ./checks/all -update)", ru.ID)
		}
	}
	var buf bytes.Buffer
	const base = "https://docs.example.org/shindan/checks#"
	if err := (Writer{Lang: "ja", HelpBase: base}).Write(&buf, grouped(t)); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(buf.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	for _, ru := range d.Runs[0].Tool.Driver.Rules {
		if ru.HelpURI != base+ru.ID {
			t.Errorf("with HelpBase: %s: helpUri %q", ru.ID, ru.HelpURI)
		}
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := officialSchema(t).Validate(inst); err != nil {
		t.Errorf("with HelpBase: %v", err)
	}
}
