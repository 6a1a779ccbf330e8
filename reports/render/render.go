// Package render looks up report writers by format name, for the CLI's
// --format and the report command. It lives outside package reports
// because it imports every renderer.
package render

import (
	"fmt"
	"slices"

	"shindan/reports"
	"shindan/reports/csvreport"
	"shindan/reports/htmlreport"
	"shindan/reports/internal/rendutil"
	"shindan/reports/jsonreport"
	"shindan/reports/junitreport"
	"shindan/reports/mdreport"
	"shindan/reports/sarifreport"
	"shindan/reports/xlsxreport"
)

// Formats are the implemented format names, in the order the CLI lists
// them.
var Formats = []string{"json", "html", "md", "csv", "xlsx", "sarif", "junit"}

// Langs are the report languages.
var Langs = []string{"ja", "en"}

var fileNames = map[string]string{
	"json":  "report.json",
	"html":  "report.html",
	"md":    "report.md",
	"csv":   "report.csv",
	"sarif": "report.sarif",
	"junit": "report.junit.xml",
	"xlsx":  "report.xlsx",
}

// Writer returns the writer for format in lang ("ja" or "en"). The JSON
// report is language-neutral: it carries both texts.
func Writer(format, lang string) (reports.Writer, error) {
	return WriterFailOn(format, lang, "")
}

// WriterFailOn is Writer for a scan's --fail-on severity, which decides
// whether a warn fails a JUnit test case ("" = the CLI default, high).
func WriterFailOn(format, lang, failOn string) (reports.Writer, error) {
	if !slices.Contains(Langs, lang) {
		return nil, fmt.Errorf("render: language %q is not one of ja, en", lang)
	}
	switch format {
	case "json":
		return jsonreport.Writer{}, nil
	case "html":
		return htmlreport.Writer{Lang: lang}, nil
	case "md":
		return mdreport.Writer{Lang: lang}, nil
	case "csv":
		return csvreport.Writer{Lang: lang}, nil
	case "sarif":
		return sarifreport.Writer{Lang: lang}, nil
	case "xlsx":
		return xlsxreport.Writer{Lang: lang}, nil
	case "junit":
		return junitreport.Writer{Lang: lang, FailOn: failOn}, nil
	}
	if x, ok := extra[format]; ok {
		return x.make(lang), nil
	}
	return nil, fmt.Errorf("render: unknown or unimplemented format %q (have %v)", format, Formats)
}

// StatusLabel is the report's own word for a status in lang ("不適合",
// "not decided"), for texts outside the report such as the CLI summary.
func StatusLabel(lang, status string) string { return rendutil.Status(lang, status) }

// SeverityLabel is the report's own word for a severity in lang ("高",
// "high"), for the same uses.
func SeverityLabel(lang, severity string) string { return rendutil.Severity(lang, severity) }

// FileName is the default file name of a format inside an output folder
// ("report.html"); empty for an unknown format.
func FileName(format string) string {
	if x, ok := extra[format]; ok {
		return x.fileName
	}
	return fileNames[format]
}
