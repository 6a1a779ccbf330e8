// Package htmlreport renders a report as one self-contained HTML file:
// inline CSS, no script, no external resource, printable to PDF. Sections:
// header, the article-by-article compliance matrix, hosts, findings.
package htmlreport

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"shindan/reports"
	"shindan/reports/internal/rendutil"
)

//go:embed report.html.tmpl
var tmplText string

var tmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"join": strings.Join,
}).Parse(tmplText))

// Writer renders the HTML report in Lang ("ja" or "en"; anything else is
// English).
type Writer struct {
	Lang string
}

type row struct {
	Article string
	reports.Counts
	Verdict string
}

type view struct {
	Lang string
	R    *reports.Report
	Rows []row
	// Groups are the findings by status, worst first.
	Groups []rendutil.Group
}

// L, St, Sev, Tx and Time are the template's localisation helpers; they
// are methods so the template reads the language from the view.
func (v *view) L(key string) string       { return rendutil.Label(v.Lang, key) }
func (v *view) St(s string) string        { return rendutil.Status(v.Lang, s) }
func (v *view) Sev(s string) string       { return rendutil.Severity(v.Lang, s) }
func (v *view) Tx(t *reports.Text) string { return t.Lang(v.Lang) }

// Time formats a timestamp; TimeP an optional one.
func (v *view) Time(t time.Time) string { return rendutil.Time(t) }

// TimeP formats an optional timestamp.
func (v *view) TimeP(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return rendutil.Time(*t)
}

// Stats renders the counters line.
func (v *view) Stats(s *reports.Stats) string {
	return fmt.Sprintf(v.L("stats.line"), s.HostsAlive, s.PortsOpen, s.ProbesSent, s.DurationMS)
}

// Write renders r. r is not modified.
func (w Writer) Write(out io.Writer, r *reports.Report) error {
	lang := w.Lang
	if lang != "ja" {
		lang = "en"
	}
	c := rendutil.PrepareText(r)
	v := &view{Lang: lang, R: c, Groups: rendutil.ByStatus(c.Findings)}
	for _, a := range rendutil.SummaryArticles(c.Summary) {
		cnt := c.Summary[a]
		v.Rows = append(v.Rows, row{Article: a, Counts: cnt, Verdict: rendutil.Verdict(cnt)})
	}
	if err := tmpl.Execute(out, v); err != nil {
		return fmt.Errorf("htmlreport: %w", err)
	}
	return nil
}
