// Package csvreport writes a row per finding as UTF-8 CSV with a byte
// order mark, so Excel opens Japanese text correctly.
package csvreport

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"shindan/reports"
	"shindan/reports/internal/rendutil"
)

// Header is the column order; names are stable for scripts and do not
// change with the language.
var Header = []string{"id", "check", "articles", "target", "host", "port", "proto", "status", "severity", "title", "detail", "remediation", "source", "waived_until"}

// Writer writes the CSV; Lang picks the language of title, detail and
// remediation ("ja" or "en"; anything else is English).
type Writer struct {
	Lang string
}

// cell defuses spreadsheet formulas: a cell from a hostile banner that
// starts with = + - @ (or a tab/CR) would otherwise be evaluated by Excel.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Write renders r; r is not modified.
func (w Writer) Write(out io.Writer, r *reports.Report) error {
	lang := w.Lang
	if lang != "ja" {
		lang = "en"
	}
	c := rendutil.Prepare(r)
	if _, err := io.WriteString(out, "\ufeff"); err != nil {
		return fmt.Errorf("csvreport: %w", err)
	}
	cw := csv.NewWriter(out)
	cw.UseCRLF = true // what Excel writes and expects
	if err := cw.Write(Header); err != nil {
		return fmt.Errorf("csvreport: %w", err)
	}
	for _, f := range c.Findings {
		port := ""
		if f.Port != 0 {
			port = strconv.Itoa(f.Port)
		}
		until := ""
		if f.Waiver != nil {
			until = f.Waiver.Until
		}
		row := []string{
			cell(f.ID), cell(f.Check), cell(strings.Join(f.Articles, " ")), cell(f.Target), cell(f.Host),
			port, cell(f.Proto), cell(f.Status), cell(f.Severity),
			cell(f.Title.Lang(lang)), cell(f.Detail.Lang(lang)), cell(f.Remediation.Lang(lang)),
			cell(f.Source), cell(until),
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("csvreport: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("csvreport: %w", err)
	}
	return nil
}
