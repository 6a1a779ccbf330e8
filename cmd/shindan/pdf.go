package main

import (
	"slices"

	"shindan/internal/pdfreport"
	"shindan/reports"
	"shindan/reports/render"
)

// The PDF format drives a browser, so its writer lives in internal/pdfreport
// and joins the format registry here, where the CLI is linked.
func init() {
	render.Register("pdf", "report.pdf", func(lang string) reports.Writer { return pdfreport.Writer{Lang: lang} })
}

// checkFormatTools fails before the first packet when a requested format
// needs a program that is not installed, rather than after the scan.
func checkFormatTools(formats []string) error {
	if slices.Contains(formats, "pdf") {
		if _, err := pdfreport.FindChromium(); err != nil {
			return usageErr("--format pdf: %v", err)
		}
	}
	return nil
}
