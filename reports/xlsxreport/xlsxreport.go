// Package xlsxreport writes the XLSX checklist that audit offices
// exchange: a summary sheet (article → verdict → counts, with the
// article's title) and one sheet per chapter of the standard with a row
// per article × target (verdict, severity, finding IDs, evidence summary,
// waiver, remediation). Every cell is typed: article numbers and IDs are
// strings (never dates), counts are numbers, observation times are dates.
// Headers are frozen, every sheet has a filter, and verdicts are coloured
// by conditional formatting, so a reviewer who edits a verdict sees the
// colour follow.
package xlsxreport

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"shindan/reports"
	"shindan/reports/internal/rendutil"
)

// Writer writes the workbook; Lang picks the language of sheet names,
// headers and texts ("ja" or "en"; anything else is English).
type Writer struct {
	Lang string
}

// maxCell is Excel's limit of characters in a cell.
const maxCell = 32767

// label is a sheet text in both languages; labels keeps every one in a
// single table, so a missing translation shows at a glance.
type label struct{ ja, en string }

var labels = map[string]label{
	"summary":   {"概要", "Summary"},
	"chapter":   {"第%d章", "Chapter %d"},
	"article":   {"条項", "Article"},
	"title":     {"条項名", "Article title"},
	"chapterno": {"章", "Chapter"},
	"verdict":   {"判定", "Verdict"},
	"fail":      {"不適合", "Fail"},
	"warn":      {"要注意", "Warn"},
	"error":     {"判定不能", "Not decided"},
	"info":      {"情報", "Info"},
	"pass":      {"適合", "Pass"},
	"skipped":   {"対象外", "Skipped"},
	"worst":     {"最大重大度", "Worst severity"},
	"target":    {"対象", "Target"},
	"host":      {"ホスト", "Host"},
	"severity":  {"重大度", "Severity"},
	"findings":  {"指摘ID", "Finding IDs"},
	"checks":    {"検査項目", "Checks"},
	"evidence":  {"証跡の要約", "Evidence summary"},
	"waiver":    {"適用除外", "Waiver"},
	"remedy":    {"対策", "Remediation"},
	"observed":  {"観測日時 (UTC)", "Observed (UTC)"},
	"scan":      {"診断ID", "Scan ID"},
	"nosheet":   {"この診断で記録された条項はありません。", "This scan recorded no article."},
}

// l is the label in the writer's language ("" for an unknown key).
func (w Writer) l(key string) string {
	if w.Lang == "ja" {
		return labels[key].ja
	}
	return labels[key].en
}

// row is one article × target of a chapter sheet.
type row struct {
	ref, target, host   string
	status, severity    string
	ids, checks         []string
	evidence, waiver    []string
	remediation, detail []string
	observed            *time.Time
}

// addOnce appends s unless it is empty or listed: a row merges the
// findings of several checks on one article and target.
func addOnce(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// worseStatus reports whether a ranks before b in reports.Statuses
// (worst first): a row's verdict is its worst finding's.
func worseStatus(a, b string) bool {
	return slices.Index(reports.Statuses, a) < slices.Index(reports.Statuses, b)
}

// Write renders r; r is not modified.
func (w Writer) Write(out io.Writer, r *reports.Report) error {
	lang := w.Lang
	if lang != "ja" {
		lang = "en"
	}
	w.Lang = lang
	c := rendutil.Prepare(r)
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return fmt.Errorf("xlsxreport: %w", err)
	}
	summary := w.l("summary")
	if err := f.SetSheetName("Sheet1", summary); err != nil {
		return fmt.Errorf("xlsxreport: %w", err)
	}
	if err := w.summarySheet(f, st, summary, c); err != nil {
		return fmt.Errorf("xlsxreport: %w", err)
	}

	rows := map[string]*row{}
	byChapter := map[int][]*row{}
	for _, fd := range c.Findings {
		for _, ref := range fd.Articles {
			n, _, ok := rendutil.Chapter(lang, ref)
			if !ok {
				continue
			}
			key := ref + "\x00" + fd.Target
			rw := rows[key]
			if rw == nil {
				rw = &row{ref: ref, target: fd.Target, host: fd.Host, status: fd.Status}
				rows[key] = rw
				byChapter[n] = append(byChapter[n], rw)
			}
			w.merge(rw, fd)
		}
	}
	var chapterNos []int
	for n := range byChapter {
		chapterNos = append(chapterNos, n)
	}
	slices.Sort(chapterNos)
	for _, n := range chapterNos {
		list := byChapter[n]
		slices.SortFunc(list, func(a, b *row) int {
			return cmp.Or(rendutil.CompareArticles(a.ref, b.ref), cmp.Compare(a.host, b.host), cmp.Compare(a.target, b.target))
		})
		if err := w.chapterSheet(f, st, n, list, c.Scan.ID); err != nil {
			return fmt.Errorf("xlsxreport: %w", err)
		}
	}
	f.SetActiveSheet(0)
	// Fixed document times keep the bytes the same for the same report.
	stamp := c.Scan.FinishedAt.UTC().Format(time.RFC3339)
	if c.Scan.FinishedAt.IsZero() {
		stamp = "2000-01-01T00:00:00Z"
	}
	if err := f.SetDocProps(&excelize.DocProperties{
		Title: c.Tool.Name + " " + c.Scan.ID, Creator: c.Tool.Name + " " + c.Tool.Version,
		Created: stamp, Modified: stamp, Language: lang,
	}); err != nil {
		return fmt.Errorf("xlsxreport: %w", err)
	}
	if err := f.Write(out); err != nil {
		return fmt.Errorf("xlsxreport: %w", err)
	}
	return nil
}

// merge folds one finding into its article × target row.
func (w Writer) merge(rw *row, fd reports.Finding) {
	if worseStatus(fd.Status, rw.status) {
		rw.status = fd.Status
	}
	if (fd.Status == "fail" || fd.Status == "warn") && reports.SeverityRank(fd.Severity) > reports.SeverityRank(rw.severity) {
		rw.severity = fd.Severity
	}
	rw.ids = addOnce(rw.ids, fd.ID)
	rw.checks = addOnce(rw.checks, fd.Check)
	if d := fd.Detail.Lang(w.Lang); d != "" {
		rw.detail = addOnce(rw.detail, d)
	}
	for _, e := range fd.Evidence {
		rw.evidence = addOnce(rw.evidence, e.Summary)
	}
	for _, it := range fd.Items {
		if it.Status == "fail" || it.Status == "warn" || it.Status == "error" {
			for _, e := range it.Evidence {
				rw.evidence = addOnce(rw.evidence, it.Subject+": "+e.Summary)
			}
		}
	}
	if wv := fd.Waiver; wv != nil {
		rw.waiver = addOnce(rw.waiver, strings.TrimSpace(wv.Reason+" ("+wv.Until+", "+wv.By+")"))
	}
	if fd.Status == "fail" || fd.Status == "warn" {
		rw.remediation = addOnce(rw.remediation, fd.Remediation.Lang(w.Lang))
	}
	if fd.ObservedAt != nil && (rw.observed == nil || fd.ObservedAt.After(*rw.observed)) {
		t := fd.ObservedAt.UTC()
		rw.observed = &t
	}
}

// styles are the workbook's style IDs, created once per file.
type styles struct {
	header, text, wrap, date, top int
	verdict                       map[string]int // conditional styles by status
}

// newStyles creates the cell styles and the conditional verdict styles.
// fail, warn and pass take the fills and font colours of Excel's own
// "Bad", "Neutral" and "Good" cell styles, which reviewers already read.
func newStyles(f *excelize.File) (*styles, error) {
	s := &styles{verdict: map[string]int{}}
	var err error
	if s.header, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}}); err != nil {
		return nil, err
	}
	// NumFmt 49 is Excel's "@" (text): a reviewer's edit of an article
	// cell stays text too.
	if s.text, err = f.NewStyle(&excelize.Style{NumFmt: 49, Alignment: &excelize.Alignment{Vertical: "top"}}); err != nil {
		return nil, err
	}
	if s.top, err = f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top"}}); err != nil {
		return nil, err
	}
	if s.wrap, err = f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}); err != nil {
		return nil, err
	}
	fmtDate := "yyyy-mm-dd hh:mm:ss"
	if s.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: &fmtDate, Alignment: &excelize.Alignment{Vertical: "top"}}); err != nil {
		return nil, err
	}
	colours := map[string][2]string{ // fill, font
		"fail": {"FFC7CE", "9C0006"}, "warn": {"FFEB9C", "9C5700"}, "error": {"D9D2E9", "3F3151"},
		"pass": {"C6EFCE", "006100"}, "info": {"DDEBF7", "1F4E78"}, "skipped": {"EDEDED", "595959"},
	}
	for _, status := range reports.Statuses { // in order: style IDs stay the same
		colors := colours[status]
		id, err := f.NewConditionalStyle(&excelize.Style{Font: &excelize.Font{Color: colors[1], Bold: status == "fail"},
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colors[0]}}})
		if err != nil {
			return nil, err
		}
		s.verdict[status] = id
	}
	return s, nil
}

// clip cuts a cell's text to maxCell runes, the last one an ellipsis so
// the cut shows.
func clip(s string) string {
	if len([]rune(s)) <= maxCell {
		return s
	}
	return string([]rune(s)[:maxCell-1]) + "…"
}

// sheetWriter fills one sheet row by row with typed cells.
type sheetWriter struct {
	f     *excelize.File
	name  string
	row   int
	err   error
	style *styles
}

// str writes a string cell. The writers keep the first error and make
// later calls no-ops, so a sheet is filled without an error check per
// cell and the error is read once, in finish.
func (s *sheetWriter) str(col int, v string, style int) {
	if s.err != nil {
		return
	}
	cell, _ := excelize.CoordinatesToCellName(col, s.row)
	if s.err = s.f.SetCellStr(s.name, cell, clip(v)); s.err == nil && style != 0 {
		s.err = s.f.SetCellStyle(s.name, cell, cell, style)
	}
}

// num writes a number cell, so counts sum and sort as numbers.
func (s *sheetWriter) num(col, v int) {
	if s.err != nil {
		return
	}
	cell, _ := excelize.CoordinatesToCellName(col, s.row)
	s.err = s.f.SetCellInt(s.name, cell, int64(v))
}

// date writes a date cell (a serial number with a date format), so the
// column sorts and filters by time; nil leaves the cell empty.
func (s *sheetWriter) date(col int, t *time.Time) {
	if s.err != nil || t == nil {
		return
	}
	cell, _ := excelize.CoordinatesToCellName(col, s.row)
	if s.err = s.f.SetCellValue(s.name, cell, *t); s.err == nil {
		s.err = s.f.SetCellStyle(s.name, cell, cell, s.style.date)
	}
}

// fitHeight sets the row's height to its tallest wrapped cell (at most 15
// lines): spreadsheet programs do not grow rows by themselves when they
// open a file, so wrapped text would overlap the next row.
func (s *sheetWriter) fitHeight(widths []float64, texts ...string) {
	if s.err != nil {
		return
	}
	lines := 1
	cols := []int{1, 2, 6, 7, 8, 9, 10} // title, target, ids, checks, evidence, waiver, remediation
	for i, t := range texts {
		width := widths[cols[i]]
		n := 0
		for _, seg := range strings.Split(t, "\n") {
			w := 0.0
			for _, r := range seg {
				if r >= 0x1100 {
					w += 2 // CJK glyphs are about two columns wide
				} else {
					w++
				}
			}
			n += max(1, int(w/width)+1)
		}
		lines = max(lines, n)
	}
	s.err = s.f.SetRowHeight(s.name, s.row, 15*float64(min(lines, 15)))
}

// finish freezes the header, sets the filter, widths and verdict colours.
func (s *sheetWriter) finish(widths []float64, verdictCol int, verdictWords map[string]string) error {
	if s.err != nil {
		return s.err
	}
	last, _ := excelize.CoordinatesToCellName(len(widths), max(s.row, 2))
	if err := s.f.SetPanes(s.name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := s.f.AutoFilter(s.name, "A1:"+last, nil); err != nil {
		return err
	}
	for i, wd := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := s.f.SetColWidth(s.name, col, col, wd); err != nil {
			return err
		}
	}
	vc, _ := excelize.ColumnNumberToName(verdictCol)
	rng := fmt.Sprintf("%s2:%s%d", vc, vc, max(s.row, 2))
	var opts []excelize.ConditionalFormatOptions
	for _, status := range reports.Statuses {
		id := s.style.verdict[status]
		opts = append(opts, excelize.ConditionalFormatOptions{Type: "cell", Criteria: "==", Format: &id,
			Value: `"` + verdictWords[status] + `"`})
	}
	return s.f.SetConditionalFormat(s.name, rng, opts)
}

// header writes row 1, which finish freezes and filters.
func (w Writer) header(s *sheetWriter, keys []string) {
	s.row = 1
	for i, k := range keys {
		s.str(i+1, w.l(k), s.style.header)
	}
}

// verdictWords are the verdicts as the sheet shows them: the conditional
// formats match these words, in the sheet's language.
func (w Writer) verdictWords() map[string]string {
	m := map[string]string{}
	for _, st := range reports.Statuses {
		m[st] = rendutil.Status(w.Lang, st)
	}
	return m
}

// summarySheet writes one row per article of the report's summary, in
// the standard's order, with its counts per status.
func (w Writer) summarySheet(f *excelize.File, st *styles, name string, c *reports.Report) error {
	s := &sheetWriter{f: f, name: name, style: st}
	w.header(s, []string{"article", "title", "chapterno", "verdict", "fail", "warn", "error", "info", "pass", "skipped", "worst"})
	for _, ref := range rendutil.SummaryArticles(c.Summary) {
		cnt := c.Summary[ref]
		s.row++
		title, _ := rendutil.ArticleTitle(w.Lang, ref)
		s.str(1, ref, st.text)
		s.str(2, title, st.wrap)
		if n, _, ok := rendutil.Chapter(w.Lang, ref); ok {
			// The sheet's name; the chapter's title heads that sheet.
			s.str(3, fmt.Sprintf(w.l("chapter"), n), 0)
		}
		s.str(4, rendutil.Status(w.Lang, rendutil.Verdict(cnt)), 0)
		for i, v := range []int{cnt.Fail, cnt.Warn, cnt.Error, cnt.Info, cnt.Pass, cnt.Skipped} {
			s.num(5+i, v)
		}
		if cnt.Worst != "" {
			s.str(11, rendutil.Severity(w.Lang, cnt.Worst), 0)
		}
	}
	if s.row == 1 {
		s.row++
		s.str(1, w.l("nosheet"), 0)
	}
	if err := s.finish([]float64{10, 44, 10, 12, 8, 8, 10, 8, 8, 8, 12}, 4, w.verdictWords()); err != nil {
		return err
	}
	// After the filter, which rewrites the sheet properties.
	return printSetup(f, name, w.l("summary")+" — "+c.Scan.ID)
}

// chapterSheet writes chapter n's rows, one per article and target. The
// evidence column falls back to the findings' details when no evidence
// was recorded, so no row is without its reason.
func (w Writer) chapterSheet(f *excelize.File, st *styles, n int, rows []*row, scanID string) error {
	_, ct, _ := rendutil.Chapter(w.Lang, rows[0].ref)
	name := fmt.Sprintf(w.l("chapter"), n)
	if _, err := f.NewSheet(name); err != nil {
		return err
	}
	s := &sheetWriter{f: f, name: name, style: st}
	w.header(s, []string{"article", "title", "target", "host", "verdict", "severity", "findings", "checks", "evidence", "waiver", "remedy", "observed"})
	widths := []float64{10, 30, 24, 16, 12, 10, 24, 22, 44, 24, 40, 20}
	for _, rw := range rows {
		s.row++
		title, _ := rendutil.ArticleTitle(w.Lang, rw.ref)
		s.str(1, rw.ref, st.text)
		s.str(2, title, st.wrap)
		s.str(3, rw.target, st.text)
		s.str(4, rw.host, st.text)
		s.str(5, rendutil.Status(w.Lang, rw.status), st.top)
		if rw.severity != "" {
			s.str(6, rendutil.Severity(w.Lang, rw.severity), st.top)
		}
		s.str(7, strings.Join(rw.ids, "\n"), st.wrap)
		s.str(8, strings.Join(rw.checks, "\n"), st.wrap)
		ev := rw.evidence
		if len(ev) == 0 {
			ev = rw.detail
		}
		s.str(9, strings.Join(ev, "\n"), st.wrap)
		s.str(10, strings.Join(rw.waiver, "\n"), st.wrap)
		s.str(11, strings.Join(rw.remediation, "\n"), st.wrap)
		s.date(12, rw.observed)
		s.fitHeight(widths, title, rw.target, strings.Join(rw.ids, "\n"), strings.Join(rw.checks, "\n"),
			strings.Join(ev, "\n"), strings.Join(rw.waiver, "\n"), strings.Join(rw.remediation, "\n"))
	}
	if s.err != nil {
		return s.err
	}
	if err := s.finish(widths, 5, w.verdictWords()); err != nil {
		return err
	}
	// The chapter title and scan ID head the printed page, not a cell,
	// so the header stays row 1 for the filter.
	return printSetup(f, name, fmt.Sprintf(w.l("chapter"), n)+" "+ct+" — "+scanID)
}

// printSetup prints a sheet on A4 landscape, one page wide, with the
// header row repeated and the title and page number in the margins.
func printSetup(f *excelize.File, sheet, title string) error {
	a4, landscape, one, zero := 9, "landscape", 1, 0
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: &a4, Orientation: &landscape,
		FitToWidth: &one, FitToHeight: &zero}); err != nil {
		return err
	}
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: boolPtr(true)}); err != nil {
		return err
	}
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'" + sheet + "'!$1:$1", Scope: sheet}); err != nil {
		return err
	}
	return f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{
		// "&" starts a header code (&P page, &N pages); "&&" is a literal.
		OddHeader: "&L" + strings.ReplaceAll(title, "&", "&&"),
		OddFooter: "&R&P / &N",
	})
}

func boolPtr(b bool) *bool { return &b }
