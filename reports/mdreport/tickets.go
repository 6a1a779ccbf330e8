package mdreport

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"shindan/reports"
	"shindan/reports/internal/rendutil"
)

// Ticket is one Markdown file of a split report.
type Ticket struct {
	Name string // file name, no directory: "001-smtp.open-relay-198.51.100.82-25.md"
	Body []byte
}

// IndexName is the ticket list a split writes next to the tickets.
const IndexName = "index.md"

// Tickets renders one file per fail and warn (the things someone must act
// on), each complete on its own: heading with target, facts, whole
// evidence, scan ID. The last file is IndexName, listing them all. Names
// are numbered in report order, so they are unique and stable for one
// report.
func (w Writer) Tickets(r *reports.Report) ([]Ticket, error) {
	c := rendutil.PrepareText(r)
	lang := language(w.Lang)
	var out []Ticket
	var index bytes.Buffer
	im := &md{lang: lang, b: bufio.NewWriter(&index)}
	im.p("# %s — %s\n\n", im.L("split.index"), esc(c.Scan.ID))
	for _, f := range c.Findings {
		if !problem(f.Status) {
			continue
		}
		name := fmt.Sprintf("%03d-%s.md", len(out)+1, slug(f.Check+"-"+f.Target))
		var b bytes.Buffer
		m := &md{lang: lang, b: bufio.NewWriter(&b)}
		m.p("# ")
		m.heading(f)
		m.p("\n\n")
		m.body(f, false)
		m.p("---\n%s: `%s` · %s %s\n", m.L("ticket.scan"), code(c.Scan.ID), m.L("started"), rendutil.Time(c.Scan.StartedAt))
		if err := m.b.Flush(); err != nil {
			return nil, fmt.Errorf("mdreport: %w", err)
		}
		out = append(out, Ticket{Name: name, Body: b.Bytes()})
		im.p("- [")
		im.heading(f)
		im.p("](%s)\n", name)
	}
	if len(out) == 0 {
		im.p("%s\n", im.L("summary.noprob"))
	}
	if err := im.b.Flush(); err != nil {
		return nil, fmt.Errorf("mdreport: %w", err)
	}
	return append(out, Ticket{Name: IndexName, Body: index.Bytes()}), nil
}

// slug makes a file-name part from text: lowercase ASCII letters, digits,
// '.' and '-'; every other run becomes one '-'; at most 60 bytes. Names
// from hostile targets cannot climb directories or hide extensions.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.'
		if !ok {
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = true
			continue
		}
		if r == '.' && strings.HasSuffix(b.String(), ".") {
			continue
		}
		dash = false
		b.WriteRune(r)
		if b.Len() >= 60 {
			break
		}
	}
	out := strings.Trim(b.String(), "-.")
	if out == "" {
		return "finding"
	}
	return out
}
