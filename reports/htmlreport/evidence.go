package htmlreport

import (
	"html"
	"html/template"
	"strings"
	"unicode/utf8"

	"shindan/reports"
	"shindan/reports/internal/rendutil"
)

// evidenceHTML renders evidence data as the <pre> body, escaped, control
// characters made visible. Service transcripts keep each exchange on one
// "C:"/"S:" line with the line ends the peer sent written as \r\n; here
// those become real line breaks (the marker stays, dimmed, so the bytes on
// the wire remain visible), continuation lines indented under their
// direction prefix. For print only the first lines are kept, with a note
// of what was left out.
func evidenceHTML(e reports.Evidence, lang string, print bool) template.HTML {
	data := rendutil.Visible(strings.TrimRight(e.Data, "\n"))
	var b strings.Builder
	if e.Kind != "transcript" {
		b.WriteString(html.EscapeString(data))
	} else {
		for i, line := range strings.Split(data, "\n") {
			if i > 0 {
				b.WriteByte('\n')
			}
			indent := ""
			if len(line) > 3 && line[1:3] == ": " {
				indent = "   "
			}
			for j, p := range rendutil.SplitEOL(line) {
				if j > 0 {
					b.WriteString("\n" + indent)
				}
				b.WriteString(html.EscapeString(p.Text))
				if p.EOL != "" {
					b.WriteString(`<span class="eol">` + html.EscapeString(p.EOL) + `</span>`)
				}
			}
		}
	}
	out := b.String()
	if print {
		kept, cut := headHTML(out, printEvidenceLines, printEvidenceBytes)
		if cut > 0 {
			out = kept + "\n" + `<span class="cut">` + html.EscapeString(rendutil.Lf(lang, "print.cut", cut)) + `</span>`
		}
	}
	return template.HTML(out)
}

// headHTML keeps the first lines of rendered evidence, at most about max
// bytes, cutting only between lines (the markup of a line is never
// split) and returns the kept part and how many lines were dropped.
func headHTML(s string, lines, max int) (string, int) {
	all := strings.Split(s, "\n")
	end, size := 0, 0
	for end < len(all) && end < lines && (end == 0 || size+len(all[end]) <= max) {
		size += len(all[end]) + 1
		end++
	}
	if end == 1 && len(all[0]) > max && !strings.Contains(all[0], "<") {
		// One long line of plain text: cut it at a rune boundary.
		cut := max
		for cut > 0 && !utf8.RuneStart(all[0][cut]) {
			cut--
		}
		// Do not leave half an entity (&amp;) behind.
		if i := strings.LastIndexByte(all[0][:cut], '&'); i >= 0 && !strings.Contains(all[0][i:cut], ";") {
			cut = i
		}
		return all[0][:cut] + "…", len(all) - 1 + 1
	}
	return strings.Join(all[:end], "\n"), len(all) - end
}
