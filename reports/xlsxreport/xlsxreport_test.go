package xlsxreport

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"shindan/reports"
	"shindan/reports/reporttest"
)

func fixture(t *testing.T) *reports.Report {
	r := reporttest.Full(t)
	for i, s := range []string{"RC4-SHA", "AES128-GCM-SHA256"} {
		r.Findings = append(r.Findings, reports.Finding{
			ID: reports.FindingID("tls.ciphers", "198.51.100.9:443", s), Check: "tls.ciphers", Articles: []string{"61-1-5", "30"},
			Target: "198.51.100.9:443", Host: "198.51.100.9", Port: 443, Proto: "tcp", Subject: s,
			Status: []string{"fail", "pass"}[i], Severity: []string{"high", "none"}[i],
			Title:       &reports.Text{JA: "暗号スイート", EN: "Cipher suites"},
			Remediation: &reports.Text{JA: "RC4 を無効化", EN: "=disable RC4"},
			Evidence:    []reports.Evidence{{Kind: "tls", Summary: "ServerHello " + s}},
		})
	}
	r.Findings = reports.Group(r.Findings, nil)
	return r
}

func open(t *testing.T, lang string, r *reports.Report) (*excelize.File, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := (Writer{Lang: lang}).Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, buf.Bytes()
}

func cellType(t *testing.T, f *excelize.File, sheet, cell string) excelize.CellType {
	t.Helper()
	ct, err := f.GetCellType(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

func isString(ct excelize.CellType) bool {
	return ct == excelize.CellTypeSharedString || ct == excelize.CellTypeInlineString
}

func TestWorkbookTypedCells(t *testing.T) {
	r := fixture(t)
	for _, lang := range []string{"ja", "en"} {
		f, _ := open(t, lang, r)
		sheets := f.GetSheetList()
		summary, ch4 := "Summary", "Chapter 4"
		if lang == "ja" {
			summary, ch4 = "概要", "第4章"
		}
		if sheets[0] != summary || !slices.Contains(sheets, ch4) {
			t.Fatalf("%s: sheets %v", lang, sheets)
		}
		for _, s := range sheets {
			if strings.Contains(s, "Sheet") {
				t.Errorf("stray sheet %q", s)
			}
			p, err := f.GetPanes(s)
			if err != nil || !p.Freeze || p.YSplit != 1 || p.TopLeftCell != "A2" {
				t.Errorf("%s/%s: header not frozen: %+v %v", lang, s, p, err)
			}
			cf, err := f.GetConditionalFormats(s)
			if err != nil || len(cf) != 1 {
				t.Errorf("%s/%s: conditional formats %v %v", lang, s, cf, err)
			}
			for _, opts := range cf {
				if len(opts) != len(reports.Statuses) || opts[0].Type != "cell" {
					t.Errorf("%s/%s: verdict colours %+v", lang, s, opts)
				}
			}
		}
		names := f.GetDefinedName()
		filters := 0
		for _, n := range names {
			if n.Name == "_xlnm._FilterDatabase" {
				filters++
			}
		}
		if filters != len(sheets) {
			t.Errorf("%s: %d autofilters for %d sheets", lang, filters, len(sheets))
		}
		// Summary: article numbers are strings, counts are numbers.
		rows, _ := f.GetRows(summary)
		found := false
		for i, row := range rows[1:] {
			n := i + 2
			ref, _ := excelize.CoordinatesToCellName(1, n)
			fail, _ := excelize.CoordinatesToCellName(5, n)
			if !isString(cellType(t, f, summary, ref)) {
				t.Errorf("%s: summary %s (%q) is not a string cell", lang, ref, row[0])
			}
			if ct := cellType(t, f, summary, fail); ct != excelize.CellTypeNumber && ct != excelize.CellTypeUnset {
				t.Errorf("%s: count %s has type %v", lang, fail, ct)
			}
			if row[0] == "61-1-5" {
				found = true
				if !strings.Contains(row[1], map[string]string{"ja": "ウェブサーバ", "en": "web servers"}[lang]) || row[3] != map[string]string{"ja": "不適合", "en": "fail"}[lang] || row[4] != "1" {
					t.Errorf("%s: summary row %q", lang, row)
				}
			}
		}
		if !found {
			t.Errorf("%s: article 61-1-5 missing from the summary", lang)
		}
		// Chapter sheet: one row per article × target with the finding.
		rows, _ = f.GetRows(ch4)
		var hit []string
		hitRow := 0
		for i, row := range rows {
			if len(row) > 2 && row[0] == "61-1-5" && row[2] == "198.51.100.9:443" {
				hit, hitRow = row, i+1
			}
		}
		if hit == nil {
			t.Fatalf("%s: no 61-1-5 × 198.51.100.9:443 row", lang)
		}
		gid := reports.FindingID("tls.ciphers", "198.51.100.9:443", "")
		if hit[6] != gid || !strings.Contains(hit[8], "RC4-SHA: ServerHello RC4-SHA") || strings.Contains(hit[8], "AES128") {
			t.Errorf("%s: chapter row %q", lang, hit)
		}
		for col := 1; col <= 4; col++ {
			c, _ := excelize.CoordinatesToCellName(col, hitRow)
			if !isString(cellType(t, f, ch4, c)) {
				t.Errorf("%s: %s is not a string cell", lang, c)
			}
		}
		// A formula-looking text stays text: no cell is a formula.
		for _, s := range sheets {
			rows, _ := f.GetRows(s)
			for i := range rows {
				for j := range rows[i] {
					c, _ := excelize.CoordinatesToCellName(j+1, i+1)
					if fm, _ := f.GetCellFormula(s, c); fm != "" {
						t.Errorf("%s/%s: formula %q", s, c, fm)
					}
				}
			}
		}
	}
}

// TestObservedIsDate: observation times are date cells, not text.
func TestObservedIsDate(t *testing.T) {
	f, _ := open(t, "en", fixture(t))
	rows, _ := f.GetRows("Chapter 4")
	for i, row := range rows[1:] {
		if len(row) > 11 && row[11] != "" {
			c, _ := excelize.CoordinatesToCellName(12, i+2)
			if ct := cellType(t, f, "Chapter 4", c); isString(ct) {
				t.Errorf("observed %s is a string (%q)", c, row[11])
			}
			return
		}
	}
	t.Fatal("no observed time in chapter 4")
}

func TestDeterministic(t *testing.T) {
	r := fixture(t)
	_, a := open(t, "ja", r)
	_, b := open(t, "ja", r)
	if !bytes.Equal(a, b) {
		t.Error("two writes of the same report differ")
	}
	if os.Getenv("XLSX_OUT") != "" {
		os.WriteFile(os.Getenv("XLSX_OUT"), a, 0o644)
	}
}
