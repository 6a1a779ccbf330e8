// Package mdreport renders a report as Markdown for tickets: the scan
// header, a summary table per article, then the findings with evidence in
// fenced blocks. Text from the report is escaped so a banner or page body
// cannot inject markup, links or table cells.
package mdreport

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"shindan/reports"
	"shindan/reports/internal/rendutil"
)

// Writer renders Markdown in Lang ("ja" or "en"; anything else is English).
type Writer struct {
	Lang string
}

// escaper backslash-escapes the characters that start Markdown or inline
// HTML; CommonMark allows a backslash before any ASCII punctuation.
var escaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", `\<`, ">", `\>`, "|", `\|`, "#", `\#`, "!", `\!`, "~", `\~`,
	"&", `\&`,
)

// esc makes one line of inline text: escaped, newlines folded to spaces so
// a value never breaks a table row or list item.
func esc(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	return escaper.Replace(s)
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

// Write renders r; r is not modified.
func (w Writer) Write(out io.Writer, r *reports.Report) error {
	lang := w.Lang
	if lang != "ja" {
		lang = "en"
	}
	L := func(k string) string { return rendutil.Label(lang, k) }
	c := rendutil.PrepareText(r)
	b := bufio.NewWriter(out)
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }

	p("# %s — %s\n\n", L("report.title"), esc(c.Scan.ID))
	p("| | |\n|---|---|\n")
	p("| %s | %s |\n", L("tool"), esc(strings.TrimSpace(c.Tool.Name+" "+c.Tool.Version)))
	if c.Tool.NucleiTemplates != "" {
		p("| %s | %s |\n", L("templates"), esc(c.Tool.NucleiTemplates))
	}
	p("| %s | %s |\n", L("targets"), esc(strings.Join(c.Scan.Targets, ", ")))
	if len(c.Scan.Excluded) > 0 {
		p("| %s | %s |\n", L("excluded"), esc(strings.Join(c.Scan.Excluded, ", ")))
	}
	for _, kv := range [][2]string{{"profile", c.Scan.Profile}, {"policy", c.Scan.Policy}, {"vantage", c.Scan.Vantage}} {
		if kv[1] != "" {
			p("| %s | %s |\n", L(kv[0]), esc(kv[1]))
		}
	}
	p("| %s | %s |\n", L("started"), rendutil.Time(c.Scan.StartedAt))
	p("| %s | %s |\n", L("finished"), rendutil.Time(c.Scan.FinishedAt))
	if s := c.Scan.Stats; s != nil {
		p("| %s | %s |\n", L("stats"), fmt.Sprintf(L("stats.line"), s.HostsAlive, s.PortsOpen, s.ProbesSent, s.DurationMS))
	}
	p("\n")
	if c.Scan.Complete {
		p("> %s\n\n", L("complete"))
	} else {
		p("> **%s**", esc(L("incomplete")))
		if c.Scan.InterruptedReason != "" {
			p(" %s: %s", L("interrupted"), esc(c.Scan.InterruptedReason))
		}
		p("\n\n")
	}

	p("## %s\n\n", L("matrix"))
	arts := rendutil.SummaryArticles(c.Summary)
	if len(arts) == 0 {
		p("%s\n\n", L("matrix.none"))
	} else {
		p("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", L("article"), L("verdict"),
			rendutil.Status(lang, "pass"), rendutil.Status(lang, "fail"), rendutil.Status(lang, "warn"),
			rendutil.Status(lang, "info"), rendutil.Status(lang, "error"), rendutil.Status(lang, "skipped"), L("worst"))
		p("|---|---|--:|--:|--:|--:|--:|--:|---|\n")
		for _, a := range arts {
			n := c.Summary[a]
			v := rendutil.Verdict(n)
			verdict := rendutil.Status(lang, v)
			if v == "fail" || v == "warn" {
				verdict = "**" + verdict + "**"
			}
			p("| %s | %s | %d | %d | %d | %d | %d | %d | %s |\n", esc(a), verdict,
				n.Pass, n.Fail, n.Warn, n.Info, n.Error, n.Skipped, rendutil.Severity(lang, n.Worst))
		}
		p("\n")
	}

	p("## %s\n\n", L("findings"))
	groups := rendutil.ByStatus(c.Findings)
	if len(groups) == 0 {
		p("%s\n", L("findings.none"))
	}
	for _, g := range groups {
		p("### %s (%d)\n\n", rendutil.Status(lang, g.Status), len(g.Findings))
		for _, f := range g.Findings {
			title := f.Title.Lang(lang)
			if title == "" {
				title = f.Check
			}
			p("#### ")
			if f.Status == "fail" || f.Status == "warn" {
				p("%s ", esc("["+rendutil.Severity(lang, f.Severity)+"]"))
			}
			p("%s", esc(title))
			if f.Waiver != nil {
				p(" (%s", L("waived"))
				if f.Waiver.Until != "" {
					p(" %s %s", L("waiver.until"), esc(f.Waiver.Until))
				}
				p(")")
			}
			p("\n\n")
			p("- %s: `%s`\n", L("check"), strings.ReplaceAll(f.Check, "`", ""))
			p("- %s: %s\n", L("articles"), esc(strings.Join(f.Articles, ", ")))
			target := esc(f.Target)
			if f.Proto != "" {
				target += " (" + esc(f.Proto) + ")"
			}
			p("- %s: %s\n", L("target"), target)
			if t := f.Detail.Lang(lang); t != "" {
				p("- %s: %s\n", L("detail"), esc(t))
			}
			if t := f.Remediation.Lang(lang); t != "" {
				p("- %s: %s\n", L("remediation"), esc(t))
			}
			if wv := f.Waiver; wv != nil {
				var parts []string
				if wv.Reason != "" {
					parts = append(parts, L("waiver.reason")+": "+esc(wv.Reason))
				}
				if wv.By != "" {
					parts = append(parts, L("waiver.by")+": "+esc(wv.By))
				}
				if wv.Until != "" {
					parts = append(parts, L("waiver.until")+": "+esc(wv.Until))
				}
				p("- %s: %s\n", L("waived"), strings.Join(parts, " / "))
			}
			if f.Source != "" {
				p("- %s: %s\n", L("source"), esc(f.Source))
			}
			if f.ObservedAt != nil {
				p("- %s: %s\n", L("observed"), rendutil.Time(*f.ObservedAt))
			}
			p("- %s: `%s`\n", L("finding.id"), strings.ReplaceAll(f.ID, "`", ""))
			for _, e := range f.Evidence {
				p("- %s", L("evidence"))
				if e.Kind != "" {
					p(" (%s)", esc(e.Kind))
				}
				if e.Summary != "" {
					p(": %s", esc(e.Summary))
				}
				p("\n")
				if e.Data != "" {
					data := strings.ReplaceAll(e.Data, "\r\n", "\n")
					fc := fence(data)
					p("\n  %s\n", fc)
					for line := range strings.SplitSeq(strings.TrimSuffix(data, "\n"), "\n") {
						p("  %s\n", line)
					}
					p("  %s\n", fc)
				}
			}
			p("\n")
		}
	}
	if err := b.Flush(); err != nil {
		return fmt.Errorf("mdreport: %w", err)
	}
	return nil
}
