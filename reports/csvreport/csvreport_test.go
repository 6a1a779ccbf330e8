package csvreport

import (
	"bytes"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"strings"
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
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			got := render(t, lang, loadFull(t))
			golden := filepath.Join("testdata", "full."+lang+".csv.golden")
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
		})
	}
}

func TestRows(t *testing.T) {
	r := loadFull(t)
	out := render(t, "ja", r)
	if !bytes.HasPrefix(out, []byte("\xef\xbb\xbfid,check,")) {
		t.Fatalf("missing BOM or header: %q", out[:20])
	}
	recs, err := csv.NewReader(bytes.NewReader(out[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1+len(r.Findings) {
		t.Fatalf("%d rows for %d findings", len(recs), len(r.Findings))
	}
	byID := map[string][]string{}
	for _, rec := range recs[1:] {
		if len(rec) != len(Header) {
			t.Fatalf("row has %d columns: %q", len(rec), rec)
		}
		byID[rec[0]] = rec
	}
	relay := byID["f-fail-crit"]
	if relay[2] != `="59-1 38"` || relay[5] != "25" || relay[7] != "fail" || relay[8] != "critical" || relay[9] != "メールの不正中継" {
		t.Errorf("relay row %q", relay)
	}
	if w := byID["f-warn-med"]; w[13] != "2025-12-31" {
		t.Errorf("waiver column %q", w[13])
	}
	if p := byID["f-physical"]; p[2] != `="44の2-1 33-3"` || p[12] != "nuclei:CVE-2099-0001" {
		t.Errorf("article or source column %q", p)
	}
	// The fixture's remediation starts with "=": it must not reach Excel
	// as a formula.
	if en := render(t, "en", r); !strings.Contains(string(en), `,'=cmd|' /C calc'!A0`) {
		t.Error("formula-looking cell not defused")
	}
	if relay[14] != "f-fail-crit" || relay[15] != "" || relay[16] != "scan-20250401-0001" || relay[17] != "2025-04-01T09:02:00Z" || relay[18] != "RCPT accepted, DATA 354" {
		t.Errorf("finding_id, subject, scan_id, observed_at, evidence: %q", relay[14:])
	}
	if r.Findings[0].ID != "f-pass-1" || r.Summary != nil {
		t.Error("Write changed the caller's report")
	}
}

// TestGroupedRowsAndExcelSafety: a grouped finding gives a row per
// subject; no article cell is one Excel would turn into a date or number.
func TestGroupedRowsAndExcelSafety(t *testing.T) {
	r := loadFull(t)
	for _, s := range []string{"/.env", "-1+1", "/ok"} {
		st := map[string]string{"/.env": "fail", "-1+1": "warn", "/ok": "pass"}[s]
		r.Findings = append(r.Findings, reports.Finding{
			ID: reports.FindingID("http.exposed-files", "www.example:80", s), Check: "http.exposed-files", Articles: []string{"61-1-3"},
			Target: "www.example:80", Subject: s, Status: st, Severity: "high",
			Evidence: []reports.Evidence{{Kind: "http", Summary: "GET " + s + " → 200"}, {Kind: "note", Summary: "@SUM(1)"}},
		})
	}
	n := len(r.Findings)
	r.Findings = reports.Group(r.Findings, nil)
	recs, err := csv.NewReader(bytes.NewReader(render(t, "en", r)[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1+n {
		t.Fatalf("%d rows, want a row per subject (%d)", len(recs)-1, n)
	}
	gid := reports.FindingID("http.exposed-files", "www.example:80", "")
	subjects := 0
	for _, rec := range recs[1:] {
		if a := rec[2]; a != "" && !(strings.HasPrefix(a, `="`) && strings.HasSuffix(a, `"`)) {
			t.Errorf("article cell %q is not a text formula", a)
		}
		for i, v := range rec {
			if i != 2 && v != "" && strings.ContainsRune("=+-@", rune(v[0])) {
				t.Errorf("column %s: cell %q would be evaluated", Header[i], v)
			}
		}
		if rec[1] == "http.exposed-files" {
			subjects++
			if rec[14] != gid || rec[0] == gid || rec[15] == "" {
				t.Errorf("item row ids: %q", rec)
			}
			if rec[15] == "'-1+1" && (rec[7] != "warn" || rec[18] != "GET -1+1 → 200 | @SUM(1)") {
				t.Errorf("item row %q", rec)
			}
		}
	}
	if subjects != 3 {
		t.Errorf("%d item rows, want 3", subjects)
	}
}
