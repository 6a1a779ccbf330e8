package csvreport

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"shindan/reports"
	"shindan/reports/reporttest"
)

// The baseline column carries each finding's state, and the baseline's
// problems this scan no longer has are rows of their own.
func TestBaselineColumnAndGoneRows(t *testing.T) {
	r := reporttest.Full(t)
	r.Findings[0].Baseline = reports.BaselineUnchanged
	r.Baseline = &reports.Baseline{ScanID: "b1", Gone: []reports.GoneFinding{
		{ID: "Fgone", Check: "http.methods", Target: "198.51.100.7:80", Status: "fail", Severity: "medium", State: reports.BaselineFixed,
			Title: &reports.Text{JA: "危険なメソッド", EN: "Dangerous methods"}},
	}}
	var b bytes.Buffer
	if err := (Writer{Lang: "en"}).Write(&b, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := len(Header) - 1
	if Header[col] != "baseline" {
		t.Fatalf("last column %q", Header[col])
	}
	var unchanged, fixed bool
	for _, row := range rows[1:] {
		switch {
		case row[0] == "Fgone":
			fixed = row[col] == "fixed" && row[9] == "Dangerous methods" && row[7] == "fail"
		case row[col] == "unchanged":
			unchanged = true
		}
	}
	if !unchanged || !fixed {
		t.Errorf("unchanged row %v, fixed row %v:\n%s", unchanged, fixed, b.String())
	}
}
