// Package jsonreport writes the canonical JSON report
// (shared/spec/report.schema.json): a normalised copy of the report,
// two-space indent, a trailing newline, the same bytes for the same report.
package jsonreport

import (
	"encoding/json"
	"fmt"
	"io"

	"shindan/reports"
	"shindan/reports/internal/rendutil"
)

// Writer writes the JSON report. It normalises a deep copy, so the
// caller's report keeps its order and summary.
type Writer struct{}

// Write renders r as canonical JSON.
func (Writer) Write(w io.Writer, r *reports.Report) error {
	c := rendutil.Prepare(r)
	if c.SchemaVersion == "" {
		c.SchemaVersion = reports.SchemaVersion
	}
	enc := json.NewEncoder(w)
	// Evidence holds HTML and SMTP transcripts; "<" stays readable as is,
	// JSON needs no HTML escaping.
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c); err != nil {
		return fmt.Errorf("jsonreport: %w", err)
	}
	return nil
}
