package sarifreport

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"shindan/reports"
	"shindan/reports/reporttest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func loadFull(t *testing.T) *reports.Report { return reporttest.Full(t) }

func render(t *testing.T, lang string, r *reports.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := (Writer{Lang: lang}).Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	got := render(t, "en", loadFull(t))
	golden := filepath.Join("testdata", "full.sarif.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s; rerun with -update and review the diff", golden)
	}
}

func TestStructure(t *testing.T) {
	r := loadFull(t)
	var doc struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Invocations []struct {
				ExecutionSuccessful bool `json:"executionSuccessful"`
			} `json:"invocations"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Message   struct {
					Text string `json:"text"`
				} `json:"message"`
				Locations []struct {
					LogicalLocations []struct {
						Name string `json:"name"`
					} `json:"logicalLocations"`
				} `json:"locations"`
				PartialFingerprints map[string]string `json:"partialFingerprints"`
				Suppressions        []struct {
					Status string `json:"status"`
				} `json:"suppressions"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(render(t, "ja", r), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2.1.0" || len(doc.Runs) != 1 {
		t.Fatalf("version %q, %d runs", doc.Version, len(doc.Runs))
	}
	run := doc.Runs[0]
	if run.Invocations[0].ExecutionSuccessful {
		t.Error("incomplete scan reported as successful")
	}
	rules := run.Tool.Driver.Rules
	if len(rules) != 10 {
		t.Errorf("%d rules, want one per check ID (10)", len(rules))
	}
	want := map[string]string{ // finding ID → level
		"f-fail-crit": "error", "f-fail-high": "error", "f-physical": "warning",
		"f-warn-med": "warning", "f-warn-low": "warning",
	}
	if len(run.Results) != len(want) {
		t.Fatalf("%d results, want one per fail/warn (%d)", len(run.Results), len(want))
	}
	for _, res := range run.Results {
		id := res.PartialFingerprints["shindanFindingId/v1"]
		if res.Level != want[id] {
			t.Errorf("%s: level %q, want %q", id, res.Level, want[id])
		}
		if rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("%s: ruleIndex points at %s, not %s", id, rules[res.RuleIndex].ID, res.RuleID)
		}
		if len(res.Locations) != 1 || res.Locations[0].LogicalLocations[0].Name == "" {
			t.Errorf("%s: no logical location", id)
		}
		if (id == "f-warn-med") != (len(res.Suppressions) == 1) {
			t.Errorf("%s: suppressions %+v", id, res.Suppressions)
		}
		if id == "f-fail-crit" && res.Message.Text != "メールの不正中継 (198.51.100.25:25): 外部から外部宛てのRCPTが受理され、DATAに354で応答しました。 — mynetworks と smtpd_relay_restrictions を見直してください。" {
			t.Errorf("message %q", res.Message.Text)
		}
	}
	if r.Findings[0].ID != "f-pass-1" || r.Summary != nil {
		t.Error("Write changed the caller's report")
	}
}
