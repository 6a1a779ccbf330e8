// Package mdreport renders a report as Markdown for tickets. Its size
// follows the problems, not the passes: the scan header, a summary, the
// article matrix with titles, every fail and warn with its target in the
// heading and its evidence in fenced blocks, the undecided ones one line
// each, and passes and info as counts per check. Tickets splits the fails
// and warns into one file each. Text from the report is escaped so a
// banner or page body cannot inject markup, links or table cells.
package mdreport

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"shindan/reports"
	"shindan/reports/internal/rendutil"
)

// Writer renders Markdown in Lang ("ja" or "en"; anything else is English).
type Writer struct {
	Lang string
}

// Evidence blocks in the whole-scan document are cut at evidenceMax bytes
// or evidenceLines lines, so a chatty server cannot make the report
// unreadable; tickets (one finding each) carry the evidence whole.
const (
	evidenceMax   = 1200
	evidenceLines = 24
)

// escaper backslash-escapes the characters that start Markdown or inline
// HTML; CommonMark allows a backslash before any ASCII punctuation.
var escaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", `\<`, ">", `\>`, "|", `\|`, "#", `\#`, "!", `\!`, "~", `\~`,
	"&", `\&`,
)

// esc makes one line of inline text: control characters made visible,
// newlines folded to spaces so a value never breaks a table row or list
// item, Markdown escaped.
func esc(s string) string {
	return escaper.Replace(rendutil.OneLine(s))
}

// fence returns a code fence longer than any backtick run in s.
func fence(s string) string {
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// language normalises Writer.Lang: ja, or English for anything else.
func language(l string) string {
	if l == "ja" {
		return "ja"
	}
	return "en"
}

// md is a Markdown writer in one language.
// Write errors are sticky in the bufio.Writer, so the helpers print
// without checks and Write reads the first error once, at Flush.
type md struct {
	lang string
	b    *bufio.Writer
}

func (m *md) p(format string, a ...any) { fmt.Fprintf(m.b, format, a...) }
func (m *md) L(k string) string         { return rendutil.Label(m.lang, k) }
func (m *md) st(s string) string        { return rendutil.Status(m.lang, s) }
func (m *md) sev(s string) string       { return rendutil.Severity(m.lang, s) }

// problem is a status that needs action: fail or warn. An error is not
// one (nothing was found), but it is listed too, apart.
func problem(s string) bool { return s == "fail" || s == "warn" }

// Write renders r; r is not modified.
func (w Writer) Write(out io.Writer, r *reports.Report) error {
	c := rendutil.PrepareText(r)
	m := &md{lang: language(w.Lang), b: bufio.NewWriter(out)}
	m.header(c)
	m.summary(c)
	m.matrix(c)

	var probs, undecided, quiet []reports.Finding
	for _, f := range c.Findings {
		switch {
		case problem(f.Status):
			probs = append(probs, f)
		case f.Status == "error":
			undecided = append(undecided, f)
		default:
			quiet = append(quiet, f)
		}
	}
	m.p("## %s (%d)\n\n", m.L("host.problems"), len(probs))
	if len(probs) == 0 {
		m.p("%s\n\n", m.L("summary.noprob"))
	}
	for _, f := range probs {
		m.p("### ")
		m.heading(f)
		m.p("\n\n")
		m.body(f, true)
	}
	if len(undecided) > 0 {
		m.p("## %s (%d)\n\n", m.L("md.errors"), len(undecided))
		for _, f := range undecided {
			m.p("- **%s — %s**", esc(m.title(f)), esc(f.Target))
			if d := f.Detail.Lang(m.lang); d != "" {
				m.p(": %s", esc(d))
			}
			m.p(" (`%s`, %s)\n", code(f.Check), esc(strings.Join(f.Articles, ", ")))
		}
		m.p("\n")
	}
	m.quiet(quiet)
	if len(c.Findings) == 0 {
		m.p("%s\n\n", m.L("findings.none"))
	}
	m.details(c)
	if err := m.b.Flush(); err != nil {
		return fmt.Errorf("mdreport: %w", err)
	}
	return nil
}

// code is text for an inline code span: one line, backticks removed,
// since a backtick would end the span (CommonMark code spans) and let the
// rest be read as Markdown.
func code(s string) string { return strings.ReplaceAll(rendutil.OneLine(s), "`", "") }

// title falls back to the check ID, so no heading is empty.
func (m *md) title(f reports.Finding) string {
	if t := f.Title.Lang(m.lang); t != "" {
		return t
	}
	return f.Check
}

// heading is "[severity] title — target (waived …)": the target is in every
// heading so six "Database reachable" headings do not read alike.
func (m *md) heading(f reports.Finding) {
	switch f.Status {
	case "fail":
		m.p("%s ", esc("["+m.sev(f.Severity)+"]"))
	case "warn":
		m.p("%s ", esc("["+m.st(f.Status)+": "+m.sev(f.Severity)+"]"))
	}
	m.p("%s — %s", esc(m.title(f)), esc(f.Target))
	if f.Waiver != nil {
		m.p(" (%s", m.L("waived"))
		if f.Waiver.Until != "" {
			m.p(" %s %s", m.L("waiver.until"), esc(f.Waiver.Until))
		}
		m.p(")")
	}
}

// header is the scan's identity table (tool, profile, policy, vantage,
// times): what a ticket reader needs to know where the verdicts came from.
func (m *md) header(c *reports.Report) {
	m.p("# %s — %s\n\n", m.L("report.title"), esc(c.Scan.ID))
	m.p("| | |\n|---|---|\n")
	m.p("| %s | %s |\n", m.L("tool"), esc(strings.TrimSpace(c.Tool.Name+" "+c.Tool.Version)))
	for _, kv := range [][2]string{{"profile", c.Scan.Profile}, {"policy", c.Scan.Policy}, {"vantage", c.Scan.Vantage}} {
		if kv[1] != "" {
			m.p("| %s | %s |\n", m.L(kv[0]), esc(kv[1]))
		}
	}
	m.p("| %s | %d |\n", m.L("targets"), len(c.Scan.Targets))
	m.p("| %s | %s |\n", m.L("started"), rendutil.Time(c.Scan.StartedAt))
	m.p("| %s | %s |\n", m.L("finished"), rendutil.Time(c.Scan.FinishedAt))
	if s := c.Scan.Stats; s != nil {
		m.p("| %s | %s |\n", m.L("stats"), rendutil.StatsLine(m.lang, s))
	}
	m.p("\n")
	if c.Scan.Complete {
		m.p("> %s\n\n", m.L("complete"))
	} else {
		m.p("> **%s**", esc(m.L("incomplete")))
		if c.Scan.InterruptedReason != "" {
			m.p(" %s: %s", m.L("interrupted"), esc(rendutil.Recorded(m.lang, c.Scan.InterruptedReason)))
		}
		m.p("\n\n")
	}
}

// summary counts findings by status and the problems by severity, with
// the scan's overall verdict (rendutil.Verdict: any fail, else any warn,
// else any error, ...).
func (m *md) summary(c *reports.Report) {
	var n reports.Counts
	sev := map[string][2]int{}
	for _, f := range c.Findings {
		switch f.Status {
		case "pass":
			n.Pass++
		case "fail":
			n.Fail++
		case "warn":
			n.Warn++
		case "info":
			n.Info++
		case "error":
			n.Error++
		case "skipped":
			n.Skipped++
		}
		if problem(f.Status) {
			s := sev[f.Severity]
			if f.Status == "fail" {
				s[0]++
			} else {
				s[1]++
			}
			sev[f.Severity] = s
		}
	}
	m.p("## %s\n\n", m.L("summary"))
	if len(c.Findings) > 0 {
		m.p("%s: **%s**\n\n", m.L("summary.overall"), m.st(rendutil.Verdict(n)))
	}
	m.p("| %s | %s | %s | %s | %s | %s |\n|--:|--:|--:|--:|--:|--:|\n", m.st("fail"), m.st("warn"), m.st("error"), m.st("pass"), m.st("info"), m.st("skipped"))
	m.p("| %d | %d | %d | %d | %d | %d |\n\n", n.Fail, n.Warn, n.Error, n.Pass, n.Info, n.Skipped)
	if n.Fail+n.Warn > 0 {
		m.p("| %s | %s | %s |\n|---|--:|--:|\n", m.L("severity"), m.st("fail"), m.st("warn"))
		for _, s := range []string{"critical", "high", "medium", "low", "none", ""} {
			if v, ok := sev[s]; ok {
				m.p("| %s | %d | %d |\n", m.sev(s), v[0], v[1])
			}
		}
		m.p("\n")
	}
}

// matrix is the article table: one row per article of the standard the
// scan recorded, with its verdict and counts; the problems' verdicts are
// bold so a reviewer finds them in a long table.
func (m *md) matrix(c *reports.Report) {
	m.p("## %s\n\n", m.L("matrix"))
	arts := rendutil.SummaryArticles(c.Summary)
	if len(arts) == 0 {
		m.p("%s\n\n", m.L("matrix.none"))
		return
	}
	m.p("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", m.L("article"), m.L("matrix.title"), m.L("verdict"),
		m.st("pass"), m.st("fail"), m.st("warn"), m.st("info"), m.st("error"), m.st("skipped"), m.L("worst"))
	m.p("|---|---|---|--:|--:|--:|--:|--:|--:|---|\n")
	for _, a := range arts {
		n := c.Summary[a]
		v := rendutil.Verdict(n)
		verdict := m.st(v)
		if problem(v) {
			verdict = "**" + verdict + "**"
		}
		t, _ := rendutil.ArticleTitle(m.lang, a)
		m.p("| %s | %s | %s | %d | %d | %d | %d | %d | %d | %s |\n", esc(a), esc(t), verdict,
			n.Pass, n.Fail, n.Warn, n.Info, n.Error, n.Skipped, m.sev(n.Worst))
	}
	m.p("\n")
}

// body is a finding's facts as a list, then its evidence. capped cuts long
// evidence (the whole-scan document); tickets pass false.
func (m *md) body(f reports.Finding, capped bool) {
	m.p("- %s: `%s`\n", m.L("check"), code(f.Check))
	arts := make([]string, len(f.Articles))
	for i, a := range f.Articles {
		arts[i] = a
		if t, ok := rendutil.ArticleTitle(m.lang, a); ok {
			arts[i] += " " + t
		}
	}
	m.p("- %s: %s\n", m.L("articles"), esc(strings.Join(arts, ", ")))
	target := esc(f.Target)
	if f.Proto != "" {
		target += " (" + esc(f.Proto) + ")"
	}
	m.p("- %s: %s\n", m.L("target"), target)
	if t := f.Detail.Lang(m.lang); t != "" {
		m.p("- %s: %s\n", m.L("detail"), esc(t))
	}
	if t := f.Remediation.Lang(m.lang); t != "" {
		m.p("- %s: %s\n", m.L("remediation"), esc(t))
	}
	if wv := f.Waiver; wv != nil {
		var parts []string
		if wv.Reason != "" {
			parts = append(parts, m.L("waiver.reason")+": "+esc(wv.Reason))
		}
		if wv.By != "" {
			parts = append(parts, m.L("waiver.by")+": "+esc(wv.By))
		}
		if wv.Until != "" {
			parts = append(parts, m.L("waiver.until")+": "+esc(wv.Until))
		}
		m.p("- %s: %s\n", m.L("waived"), strings.Join(parts, " / "))
	}
	if f.Source != "" {
		m.p("- %s: %s\n", m.L("source"), esc(rendutil.Source(m.lang, f.Source)))
	}
	if len(f.Items) > 0 {
		m.p("- %s (%d):\n", m.L("items"), len(f.Items))
		seen := map[string]bool{}
		for _, it := range f.Items {
			m.item(it, capped, seen)
		}
	}
	if f.ObservedAt != nil {
		m.p("- %s: %s\n", m.L("observed"), rendutil.Time(*f.ObservedAt))
	}
	m.p("- %s: `%s`\n", m.L("finding.id"), code(f.ID))
	for _, e := range f.Evidence {
		m.p("- %s", m.L("evidence"))
		if e.Kind != "" {
			m.p(" (%s)", esc(rendutil.EvidenceKind(m.lang, e.Kind)))
		}
		if e.Summary != "" {
			m.p(": %s", esc(e.Summary))
		}
		m.p("\n")
		if e.Data != "" {
			m.evidence(e.Kind, e.Data, capped)
		}
	}
	m.p("\n")
}

// item is one subject of a grouped finding as a nested list entry. The
// whole-scan document names it with its verdict and detail; a ticket also
// carries its evidence.
// Subjects often share one observation (every cipher suite of an endpoint
// comes from the same handshake sweep): seen keeps a ticket from repeating
// the same evidence per subject.
func (m *md) item(it reports.Item, capped bool, seen map[string]bool) {
	if problem(it.Status) {
		m.p("  - %s", esc("["+m.sev(it.Severity)+"]"))
	} else {
		m.p("  - %s", esc("["+m.st(it.Status)+"]"))
	}
	m.p(" `%s`", code(it.Subject))
	if it.Waiver != nil {
		m.p(" (%s)", m.L("waived"))
	}
	if d := it.Detail.Lang(m.lang); d != "" {
		m.p(": %s", esc(d))
	}
	m.p("\n")
	if capped {
		return
	}
	for _, e := range it.Evidence {
		m.p("    - %s", m.L("evidence"))
		if e.Summary != "" {
			m.p(": %s", esc(e.Summary))
		}
		if e.Data != "" && seen[e.Kind+"\x00"+e.Data] {
			m.p(" (%s)\n", m.L("md.same"))
			continue
		}
		m.p("\n")
		if e.Data != "" {
			seen[e.Kind+"\x00"+e.Data] = true
			m.evidence(e.Kind, e.Data, false)
		}
	}
}

// evidence writes data as an indented fenced block, control characters
// made visible; capped cuts it at evidenceMax bytes / evidenceLines lines
// and says how much was left out.
func (m *md) evidence(kind, data string, capped bool) {
	data = strings.TrimRight(rendutil.Visible(data), "\n")
	var lines []string
	for _, l := range strings.Split(data, "\n") {
		if kind != "transcript" {
			lines = append(lines, l)
			continue
		}
		indent := ""
		if len(l) > 3 && l[1:3] == ": " {
			indent = "   "
		}
		for i, p := range rendutil.SplitEOL(l) {
			if i > 0 {
				p.Text = indent + p.Text
			}
			lines = append(lines, p.Text+p.EOL)
		}
	}
	cut := 0
	if capped {
		size := 0
		for i, l := range lines {
			size += len(l) + 1
			if i == evidenceLines || size > evidenceMax {
				for _, rest := range lines[i:] {
					cut += len(rest) + 1
				}
				lines = lines[:i]
				break
			}
		}
		if len(lines) == 0 { // one huge line: keep its start
			first := strings.SplitN(data, "\n", 2)[0]
			keep := min(evidenceMax, len(first))
			for keep > 0 && keep < len(first) && !utf8.RuneStart(first[keep]) {
				keep--
			}
			lines = []string{first[:keep]}
			cut = len(data) - keep
		}
	}
	fc := fence(strings.Join(lines, "\n"))
	m.p("\n  %s\n", fc)
	for _, l := range lines {
		m.p("  %s\n", l)
	}
	m.p("  %s\n", fc)
	if cut > 0 {
		m.p("\n  *%s*\n", esc(rendutil.Lf(m.lang, "md.cut", cut)))
	}
	m.p("\n")
}

// quiet summarises passes, info and skipped as counts per check: they
// show what was covered without growing the document per host.
func (m *md) quiet(fs []reports.Finding) {
	if len(fs) == 0 {
		return
	}
	type row struct {
		check, title string
		n            reports.Counts
		targets      map[string]bool
	}
	by := map[string]*row{}
	for _, f := range fs {
		r := by[f.Check]
		if r == nil {
			r = &row{check: f.Check, title: m.title(f), targets: map[string]bool{}}
			by[f.Check] = r
		}
		switch f.Status {
		case "pass":
			r.n.Pass++
		case "info":
			r.n.Info++
		case "skipped":
			r.n.Skipped++
		}
		r.targets[f.Target] = true
	}
	rows := make([]*row, 0, len(by))
	for _, r := range by {
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b *row) int { return cmp.Compare(a.check, b.check) })
	m.p("## %s\n\n", m.L("passes.summary"))
	m.p("| %s | %s | %s | %s | %s | %s |\n|---|---|--:|--:|--:|--:|\n", m.L("check"), m.L("title"), m.st("pass"), m.st("info"), m.st("skipped"), m.L("targets"))
	for _, r := range rows {
		m.p("| `%s` | %s | %d | %d | %d | %d |\n", code(r.check), esc(r.title), r.n.Pass, r.n.Info, r.n.Skipped, len(r.targets))
	}
	m.p("\n")
}

// details closes the report with the scan's inputs: the targets as given,
// the exclusions and the nuclei template version.
func (m *md) details(c *reports.Report) {
	m.p("## %s\n\n", m.L("scan.details"))
	if c.Tool.NucleiTemplates != "" {
		m.p("- %s: %s\n", m.L("templates"), esc(c.Tool.NucleiTemplates))
	}
	m.p("- %s: %s\n", m.L("targets"), esc(strings.Join(c.Scan.Targets, ", ")))
	if len(c.Scan.Excluded) > 0 {
		m.p("- %s: %s\n", m.L("excluded"), esc(strings.Join(c.Scan.Excluded, ", ")))
	}
}
