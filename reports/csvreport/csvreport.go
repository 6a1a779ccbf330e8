// Package csvreport writes a row per finding as UTF-8 CSV with a byte
// order mark, so Excel opens Japanese text correctly. A grouped finding
// gives a row per subject (its items), each with its own ID, verdict and
// evidence and the group's ID in finding_id, so nothing of the JSON is
// lost. Cells are safe in Excel: article references are written as the
// text formula ="61-1-1" (Excel would read 61-1-1 as a date; the cell
// holds only digits, の and hyphens, checked against the schema's pattern),
// and any other cell that starts with = + - @, a tab or CR is prefixed
// with an apostrophe so it is never evaluated.
package csvreport

import (
	"encoding/csv"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"shindan/reports"
	"shindan/reports/internal/rendutil"
)

// Header is the column order; names are stable for scripts and do not
// change with the language.
// The columns after waived_until were added later; scripts that index by
// position keep working.
var Header = []string{"id", "check", "articles", "target", "host", "port", "proto", "status", "severity", "title", "detail", "remediation", "source", "waived_until",
	"finding_id", "subject", "scan_id", "observed_at", "evidence", "baseline"}

// articleRef is the schema's pattern for article references.
var articleRef = regexp.MustCompile(`^[0-9]+(の[0-9]+)?(-[0-9]+)*$`)

// articles joins references as an Excel text formula, or, should a value
// ever fall outside the pattern, as a defused plain cell.
func articles(refs []string) string {
	for _, a := range refs {
		if !articleRef.MatchString(a) {
			return cell(strings.Join(refs, " "))
		}
	}
	if len(refs) == 0 {
		return ""
	}
	return `="` + strings.Join(refs, " ") + `"`
}

// evidence is the evidence summaries in one cell; the data itself (full
// transcripts) stays in the JSON.
func evidence(evs []reports.Evidence) string {
	var parts []string
	for _, e := range evs {
		s := e.Summary
		if s == "" {
			s = e.Kind
		}
		if s != "" {
			parts = append(parts, s)
		}
	}
	return cell(strings.Join(parts, " | "))
}

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
	for _, f := range reports.Flatten(c.Findings) {
		port := ""
		if f.Port != 0 {
			port = strconv.Itoa(f.Port)
		}
		until := ""
		if f.Waiver != nil {
			until = f.Waiver.Until
		}
		group, at := f.ID, ""
		if f.Subject != "" {
			group = reports.FindingID(f.Check, f.Target, "")
		}
		if f.ObservedAt != nil {
			at = f.ObservedAt.UTC().Format(time.RFC3339)
		}
		row := []string{
			cell(f.ID), cell(f.Check), articles(f.Articles), cell(f.Target), cell(f.Host),
			port, cell(f.Proto), cell(f.Status), cell(f.Severity),
			cell(f.Title.Lang(lang)), cell(f.Detail.Lang(lang)), cell(f.Remediation.Lang(lang)),
			cell(f.Source), cell(until),
			cell(group), cell(f.Subject), cell(c.Scan.ID), at, evidence(f.Evidence), f.Baseline,
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("csvreport: %w", err)
		}
	}
	// Findings of the baseline scan that this scan no longer has: fixed,
	// or not tested this time (with the reason), so the sheet shows the
	// whole comparison, not only what is still there.
	if b := c.Baseline; b != nil {
		for _, g := range b.Gone {
			row := []string{
				cell(g.ID), cell(g.Check), "", cell(g.Target), "", "", "", cell(g.Status), cell(g.Severity),
				cell(g.Title.Lang(lang)), cell(g.Reason.Lang(lang)), "", "", "",
				cell(g.ID), "", cell(c.Scan.ID), "", "", g.State,
			}
			if err := cw.Write(row); err != nil {
				return fmt.Errorf("csvreport: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("csvreport: %w", err)
	}
	return nil
}
