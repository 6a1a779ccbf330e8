package drift

import (
	"fmt"
	"io"
	"strings"

	"shindan/reports"
)

var labels = map[Kind]reports.Text{
	NewHost:        {JA: "新規ホスト", EN: "new host"},
	GoneHost:       {JA: "消えたホスト", EN: "host gone"},
	NewPort:        {JA: "新規開放ポート", EN: "new open port"},
	PortClosed:     {JA: "閉じたポート", EN: "port closed"},
	NewService:     {JA: "サービス・バージョン変更", EN: "new service or version"},
	CertChanged:    {JA: "証明書の変更", EN: "certificate changed"},
	IPv6OnIPv4Only: {JA: "IPv4 専用セグメントで IPv6", EN: "IPv6 on an IPv4-only segment"},
	NewRA:          {JA: "新規ルータ広告", EN: "new router advertisement"},
	CertExpiring:   {JA: "証明書の期限切れ間近", EN: "certificate expiring"},
	Regression:     {JA: "判定の悪化", EN: "verdict regression"},
	Improvement:    {JA: "判定の改善", EN: "verdict improvement"},
}

// Label is the kind's name for people.
func (k Kind) Label(lang string) string {
	t, ok := labels[k]
	if !ok {
		return string(k)
	}
	return t.Lang(lang)
}

// Bad reports whether a change is a regression of a verdict (the kinds
// that come from a finding getting worse).
func (c Change) Bad() bool {
	switch c.Kind {
	case Regression, IPv6OnIPv4Only, NewRA, CertExpiring:
		return c.Finding != ""
	}
	return false
}

// Where is the change's subject: host, endpoint or finding target.
func (c Change) Where() string {
	switch {
	case c.Port != 0 && c.Finding == "":
		h := c.Host
		if strings.Contains(h, ":") {
			h = "[" + h + "]"
		}
		return fmt.Sprintf("%s %s/%d", h, c.Proto, c.Port)
	case c.Target != "":
		return c.Target
	}
	return c.Host
}

// Summary is a one-line account of the change.
func (c Change) Summary(lang string) string {
	var b strings.Builder
	b.WriteString(c.Kind.Label(lang))
	b.WriteString(": ")
	b.WriteString(c.Where())
	if c.Check != "" {
		fmt.Fprintf(&b, " %s", c.Check)
		if c.Severity != "" && c.Severity != "none" {
			fmt.Fprintf(&b, " (%s)", c.Severity)
		}
	}
	switch {
	case c.Old != "" && c.New != "" && c.Subject != "":
		fmt.Fprintf(&b, " %s → %s [%s]", c.Old, c.New, c.Subject)
	case c.Old != "" && c.New != "":
		fmt.Fprintf(&b, " %s → %s", c.Old, c.New)
	case c.New != "":
		fmt.Fprintf(&b, " %s", c.New)
	case c.Old != "":
		fmt.Fprintf(&b, " (%s)", c.Old)
	}
	if t := c.Title.Lang(lang); t != "" {
		fmt.Fprintf(&b, " — %s", t)
	}
	if c.Waived {
		if lang == "ja" {
			b.WriteString(" [例外承認済み]")
		} else {
			b.WriteString(" [waived]")
		}
	}
	return b.String()
}

// WriteText prints the diff for people, one change per line.
func (d *Diff) WriteText(w io.Writer, lang string) error {
	head := fmt.Sprintf("diff %s → %s: %d changes", d.OldScan, d.NewScan, len(d.Changes))
	if lang == "ja" {
		head = fmt.Sprintf("差分 %s → %s: 変化 %d 件", d.OldScan, d.NewScan, len(d.Changes))
	}
	if _, err := fmt.Fprintln(w, head); err != nil {
		return err
	}
	for _, c := range d.Changes {
		mark := "~"
		switch {
		case c.Bad():
			mark = "!"
		case c.Kind == Improvement:
			mark = "+"
		case c.Kind == GoneHost || c.Kind == PortClosed:
			mark = "-"
		}
		if _, err := fmt.Fprintf(w, "%s %s\n", mark, c.Summary(lang)); err != nil {
			return err
		}
	}
	return nil
}

// Regressions are the unwaived verdict regressions at or above the
// severity threshold ("none" = never).
func (d *Diff) Regressions(failOn string) []Change {
	if failOn == "none" {
		return nil
	}
	min := reports.SeverityRank(failOn)
	var out []Change
	for _, c := range d.Changes {
		if c.Bad() && !c.Waived && reports.SeverityRank(c.Severity) >= min {
			out = append(out, c)
		}
	}
	return out
}
