package rendutil

import (
	"strings"
	"testing"

	"shindan/reports"
)

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"plain ascii 診断":              "plain ascii 診断",
		"\x1b[2J\x1b]52;c;ZXZpbA==\a": `\x1b[2J\x1b]52;c;ZXZpbA==\x07`,
		"a\r\nb":                      `a\x0d\x0ab`,
		"nul\x00del\x7f":              `nul\x00del\x7f`,
		"csi\u009b31m":                `csi\u009b31m`,
		"bidi \u202egnp.exe":          `bidi \u202egnp.exe`,
		"bad \xff utf8":               "bad \ufffd utf8",
	} {
		if got := Line(in); got != want {
			t.Errorf("Line(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Block("S: 220 hi\r\nC: EHLO x\n\tok\x1b[31m"); got != "S: 220 hi\nC: EHLO x\n\tok\\x1b[31m" {
		t.Errorf("Block = %q", got)
	}
}

// TestPrepareSanitizes: whatever a renderer takes from Prepare carries no
// raw control character, and the caller's report is left as it was.
func TestPrepareSanitizes(t *testing.T) {
	esc := "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\"
	r := &reports.Report{
		Scan:   reports.Scan{ID: "s", Targets: []string{"t" + esc}},
		Assets: []reports.Asset{{Host: "h", Services: []reports.Service{{Port: 25, Proto: "tcp", Banner: "220 " + esc}}}},
		Findings: []reports.Finding{{ID: "f", Check: "c.x", Articles: []string{"1"}, Target: "h:25", Status: "error",
			Title: &reports.Text{JA: esc, EN: esc}, Detail: &reports.Text{JA: "d\x07", EN: "d\x07"},
			Evidence: []reports.Evidence{{Summary: esc, Data: "S: " + esc + "\r\n"}},
			Items:    []reports.Item{{ID: "i", Subject: esc, Status: "error", Evidence: []reports.Evidence{{Data: esc}}}}}},
	}
	c := PrepareText(r)
	all := []string{c.Scan.Targets[0], c.Assets[0].Services[0].Banner, c.Findings[0].Title.EN, c.Findings[0].Detail.JA,
		c.Findings[0].Evidence[0].Summary, c.Findings[0].Evidence[0].Data, c.Findings[0].Items[0].Subject, c.Findings[0].Items[0].Evidence[0].Data}
	for _, s := range all {
		if strings.ContainsAny(s, "\x1b\x07\r") {
			t.Errorf("raw control character left in %q", s)
		}
	}
	if !strings.Contains(r.Findings[0].Title.EN, "\x1b") {
		t.Error("Prepare changed the caller's report")
	}
}

// FuzzSanitize: no input leaves a control character (other than LF and
// TAB in blocks), a C1 control or a bidi control in the output.
func FuzzSanitize(f *testing.F) {
	f.Add("\x1b[31mred\x1b[0m\r\n\u202e")
	f.Add("\xc2\x9b2J")
	f.Fuzz(func(t *testing.T, s string) {
		for _, out := range []string{Line(s), Block(s)} {
			for _, r := range out {
				if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || unsafeRune(r) {
					t.Fatalf("%q left %U in %q", s, r, out)
				}
			}
		}
		if strings.ContainsAny(Line(s), "\n\t") {
			t.Fatalf("Line(%q) kept a line break", s)
		}
	})
}
