package htmlreport

import (
	"bytes"
	"strings"
	"testing"

	"shindan/reports"
)

// A report compared with a baseline shows the comparison: counts per
// state, a badge on each finding, and the baseline's problems that are
// gone, fixed or not tested (with the reason), in both languages.
func TestBaselineComparison(t *testing.T) {
	r := loadFull(t)
	r.Findings[0].Baseline = reports.BaselineNew
	r.Baseline = &reports.Baseline{ScanID: "20261101T000000Z-aaaa", Counts: map[string]int{"new": 1, "unchanged": 3, "fixed": 1, "not-tested": 1},
		Gone: []reports.GoneFinding{
			{ID: "Fgone1", Check: "http.methods", Target: "198.51.100.7:80", Status: "fail", Severity: "medium", State: reports.BaselineFixed},
			{ID: "Fgone2", Check: "smtp.auth", Target: "198.51.100.8:25", Status: "fail", Severity: "high", State: reports.BaselineNotTested,
				Reason: &reports.Text{JA: "ポート 25 は今回探索していません", EN: "port 25 was not scanned this time"}},
		}}
	for lang, want := range map[string][]string{
		"en": {"Comparison with the baseline", "20261101T000000Z-aaaa", `class="bl bl-new">new</span>`, "bl-fixed\">fixed", "port 25 was not scanned this time", "198.51.100.8:25"},
		"ja": {"ベースラインとの比較", "新規", "解消", "今回未検査", "ポート 25 は今回探索していません"},
	} {
		var b bytes.Buffer
		if err := (Writer{Lang: lang}).Write(&b, r); err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: missing %q", lang, w)
			}
		}
	}
}
