// Package htmlreport renders a report as one self-contained HTML file:
// inline CSS and SVG, no script, no external resource (a CSP forbids
// them), printable to A4 PDF. It reads top-down: cover, contents,
// executive summary, charts, the article matrix, findings per host (passes
// and info collapsed), an index by article and the scan details.
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

// tmpl is parsed once at start-up, so a template error fails every test
// at once rather than one report at run time. html/template escapes by
// context, so report text (banners, page bodies) cannot add markup.
var tmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"join": strings.Join,
	"vis":  rendutil.Visible,
	"line": rendutil.OneLine,
	"pair": func(v *view, f reports.Finding) findingCtx { return findingCtx{V: v, F: f} },
}).Parse(tmplText))

// Writer renders the HTML report in Lang ("ja" or "en"; anything else is
// English).
type Writer struct {
	Lang string
	// Print lays the report out for paper (the PDF): evidence is cut to
	// its first lines and passes are counted rather than listed, so the
	// whole-lab report prints in tens of pages and seconds. The screen
	// report keeps everything.
	Print bool
}

// Evidence printed per block in Print mode.
const (
	printEvidenceLines = 8
	printEvidenceBytes = 700
)

// topProblems and hostsPerProblem bound the executive summary: it is a
// page, not a second findings list.
const (
	topProblems     = 10
	hostsPerProblem = 6
)

// findingCtx hands one finding and the view to the "finding" template.
type findingCtx struct {
	V *view
	F reports.Finding
}

// view is everything the template shows, computed in Go beforehand: the
// template only loops and prints, so counting and sorting are tested as
// code, not as markup.
type view struct {
	Lang     string
	Print    bool
	R        *reports.Report
	Verdict  string
	Status   reports.Counts
	Sev      []sevCount
	Articles []articleRow
	Top      []problem
	Remedies []problem // every failing or warning check, for print
	SevChart template.HTML
	HeatMap  template.HTML
	Legend   template.HTML
	Rows     []row
	Hosts    []hostView
	Index    []indexEntry
}

// L, Lf, St, Sv, Tx and Time are the template's localisation helpers;
// they are methods so the template reads the language from the view.
func (v *view) L(key string) string                 { return rendutil.Label(v.Lang, key) }
func (v *view) Lf(key string, a ...any) string      { return rendutil.Lf(v.Lang, key, a...) }
func (v *view) Src(s string) string                 { return rendutil.Source(v.Lang, s) }
func (v *view) EvK(k string) string                 { return rendutil.EvidenceKind(v.Lang, k) }
func (v *view) Rec(s string) string                 { return rendutil.Recorded(v.Lang, s) }
func (v *view) St(s string) string                  { return rendutil.Status(v.Lang, s) }
func (v *view) Sv(s string) string                  { return rendutil.Severity(v.Lang, s) }
func (v *view) Tx(t *reports.Text) string           { return rendutil.OneLine(t.Lang(v.Lang)) }
func (v *view) TxM(t *reports.Text) string          { return rendutil.Visible(t.Lang(v.Lang)) }
func (v *view) Time(t time.Time) string             { return rendutil.Time(t) }
func (v *view) FID(f reports.Finding) string        { return findingAnchor(&f) }
func (v *view) Problem(status string) bool          { return problemStatus(status) }
func (v *view) Ev(e reports.Evidence) template.HTML { return evidenceHTML(e, v.Lang, v.Print) }

// printItems bounds the subjects a print row names.
const printItems = 12

// ItemHead and ItemMore split a grouped finding's subjects for a print
// row: the first printItems (problems first, as Normalize sorts), and how
// many are left.
func (v *view) ItemHead(items []reports.Item) []reports.Item {
	return items[:min(len(items), printItems)]
}
func (v *view) ItemMore(items []reports.Item) int { return max(0, len(items)-printItems) }

// printBanner bounds a service banner in print; the screen shows it whole.
const printBanner = 90

// Banner is a service banner as one line, cut for print.
func (v *view) Banner(s string) string {
	s = rendutil.OneLine(s)
	if r := []rune(s); v.Print && len(r) > printBanner {
		return string(r[:printBanner]) + "…"
	}
	return s
}

// TimeP formats an optional timestamp.
func (v *view) TimeP(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return rendutil.Time(*t)
}

// Stats renders the counters line.
func (v *view) Stats(s *reports.Stats) string {
	return rendutil.StatsLine(v.Lang, s)
}

// FTitle is a finding's title, or its check ID when it has none.
func (v *view) FTitle(t *reports.Text, check string) string {
	if s := v.Tx(t); s != "" {
		return s
	}
	return check
}

// Write renders r. r is not modified.
func (w Writer) Write(out io.Writer, r *reports.Report) error {
	lang := w.Lang
	if lang != "ja" {
		lang = "en"
	}
	c := rendutil.PrepareText(r)
	v := &view{Lang: lang, R: c, Print: w.Print}
	for _, f := range c.Findings {
		v.Status.Add(f.Status)
	}
	v.Verdict = rendutil.Verdict(v.Status)
	if len(c.Findings) == 0 {
		v.Verdict = ""
	}
	v.Sev = buildSeverities(c)
	v.Articles = buildArticles(lang, c.Summary)
	v.Top = buildProblems(c, topProblems, hostsPerProblem)
	if w.Print {
		v.Remedies = buildProblems(c, len(c.Findings), 0)
	}
	v.Hosts = buildHosts(c)
	v.SevChart = severityChart(lang, v.Hosts)
	v.HeatMap = heatMap(lang, v.Hosts, v.Articles)
	v.Legend = heatLegend(lang)
	refs := rendutil.SummaryArticles(c.Summary)
	for _, a := range refs {
		cnt := c.Summary[a]
		v.Rows = append(v.Rows, row{Article: a, Title: title(lang, a), Anchor: anchor("a-", a), MAnchor: anchor("m-", a), Counts: cnt, Verdict: rendutil.Verdict(cnt)})
	}
	v.Index = buildIndex(lang, c, refs)
	if err := tmpl.Execute(out, v); err != nil {
		return fmt.Errorf("htmlreport: %w", err)
	}
	return nil
}
