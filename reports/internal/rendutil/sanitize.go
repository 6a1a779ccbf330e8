package rendutil

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"shindan/reports"
)

// Report text comes from hostile servers (banners, headers, transcripts).
// A raw ESC in it would drive the terminal of whoever runs `cat report.md`
// (colours, cursor moves, OSC 52 clipboard writes, hyperlinks), and bidi
// overrides make text read differently from what it is. The renderers
// therefore see every such character as a visible escape ("\x1b",
// "\u202e"); line breaks and tabs survive only where text is a block.

// PrepareText is Prepare for the renderers people read in a terminal or
// a browser (Markdown, HTML): every text is made safe to show. Machine
// formats (JSON) keep the bytes as seen; their encoders escape them.
func PrepareText(r *reports.Report) *reports.Report {
	c := Prepare(r)
	sanitize(c)
	return c
}

// Line makes s safe as one line: every control character, DEL, C1 and bidi
// control becomes a visible escape, and invalid UTF-8 becomes U+FFFD.
func Line(s string) string { return clean(s, false) }

// Block is Line for multi-line text (evidence data): LF and TAB stay, CRLF
// becomes LF.
func Block(s string) string { return clean(strings.ReplaceAll(s, "\r\n", "\n"), true) }

// clean is Line (block false) and Block (block true). Each invalid byte
// becomes its own U+FFFD, so the reader sees how many bytes were not text.
func clean(s string, block bool) string {
	if safe(s, block) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteRune(utf8.RuneError)
		case block && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += n
	}
	return b.String()
}

// safe reports whether clean would change nothing; the common case, plain
// text, then costs no allocation.
func safe(s string, block bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if (r < 0x20 && !(block && (r == '\n' || r == '\t'))) || r == 0x7f || unsafeRune(r) {
			return false
		}
	}
	return true
}

// unsafeRune: C1 controls (U+0085 NEL, U+009B CSI …), the bidi embeddings,
// overrides and isolates, and the line/paragraph separators.
func unsafeRune(r rune) bool {
	return (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) ||
		r == 0x200e || r == 0x200f || r == 0x061c || r == 0x2028 || r == 0x2029
}

// sanitize cleans every text field of c (a clone) in place.
func sanitize(c *reports.Report) {
	for i := range c.Scan.Targets {
		c.Scan.Targets[i] = Line(c.Scan.Targets[i])
	}
	for i := range c.Scan.Excluded {
		c.Scan.Excluded[i] = Line(c.Scan.Excluded[i])
	}
	c.Scan.InterruptedReason = Line(c.Scan.InterruptedReason)
	for i := range c.Assets {
		a := &c.Assets[i]
		a.Host = Line(a.Host)
		for j := range a.Names {
			a.Names[j] = Line(a.Names[j])
		}
		for j := range a.Services {
			s := &a.Services[j]
			s.Service, s.Product, s.Version, s.CPE, s.Banner = Line(s.Service), Line(s.Product), Line(s.Version), Line(s.CPE), Line(s.Banner)
		}
	}
	for i := range c.Findings {
		f := &c.Findings[i]
		f.Target, f.Host, f.Subject, f.Source = Line(f.Target), Line(f.Host), Line(f.Subject), Line(f.Source)
		cleanText(f.Title, f.Detail, f.Remediation)
		cleanEvidence(f.Evidence)
		if f.Waiver != nil {
			f.Waiver.Reason, f.Waiver.By = Line(f.Waiver.Reason), Line(f.Waiver.By)
		}
		for j := range f.Items {
			it := &f.Items[j]
			it.Subject, it.Source = Line(it.Subject), Line(it.Source)
			cleanText(it.Title, it.Detail, it.Remediation)
			cleanEvidence(it.Evidence)
			if it.Waiver != nil {
				it.Waiver.Reason, it.Waiver.By = Line(it.Waiver.Reason), Line(it.Waiver.By)
			}
		}
	}
}

// cleanText keeps line breaks in details (renderers fold them as they
// need) but nothing else.
func cleanText(ts ...*reports.Text) {
	for _, t := range ts {
		if t != nil {
			t.JA, t.EN = Block(t.JA), Block(t.EN)
		}
	}
}

// cleanEvidence makes an evidence's kind and summary one line each and
// keeps its data a block, as transcripts need their lines.
func cleanEvidence(ev []reports.Evidence) {
	for i := range ev {
		ev[i].Kind, ev[i].Summary, ev[i].Data = Line(ev[i].Kind), Line(ev[i].Summary), Block(ev[i].Data)
	}
}
