package mdreport

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shindan/reports"
	"shindan/reports/reporttest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func loadFull(t *testing.T) *reports.Report { return reporttest.Full(t) }

func render(t *testing.T, lang string, r *reports.Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := (Writer{Lang: lang}).Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestGolden(t *testing.T) {
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			r := loadFull(t)
			got := render(t, lang, r)
			if render(t, lang, r) != got {
				t.Fatal("two renders differ")
			}
			golden := filepath.Join("testdata", "full."+lang+".md.golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s; rerun with -update and review the diff", golden)
			}
		})
	}
}

func TestStructure(t *testing.T) {
	r := loadFull(t)
	en := render(t, "en", r)
	m := strings.Index(en, "## Compliance by article")
	f := strings.Index(en, "## Findings")
	if m < 0 || f < m {
		t.Fatal("summary table must come before findings")
	}
	prev := -1
	for _, a := range []string{"| 16-4-2 |", "| 29-1 |", "| 44の2-1 | **fail** |", "| 59-1 |", "| 61-1-1 | **warn** |", "| 64-3 | not decided |", "| 79 | skipped |"} {
		i := strings.Index(en, a)
		if i < prev || i < 0 {
			t.Errorf("%q missing or out of order", a)
		}
		prev = i
	}
	// A pipe in a title must not split the table or the heading.
	if !strings.Contains(en, `Directory listing \| shown`) {
		t.Error("pipe not escaped")
	}
	ja := render(t, "ja", r)
	for _, s := range []string{"## 条項別適合状況", "### 不適合 (3)", "メールの不正中継", "適用除外"} {
		if !strings.Contains(ja, s) {
			t.Errorf("ja lacks %q", s)
		}
	}
}

// Outside fenced blocks no raw "<" may appear (ticket systems render
// inline HTML), and a fence inside evidence must not close ours.
func TestHostileText(t *testing.T) {
	r := loadFull(t)
	r.Findings = append(r.Findings, reports.Finding{
		ID: "h", Check: "http.info-disclosure", Articles: []string{"62-3"}, Target: "<b>t</b>", Status: "warn", Severity: "low",
		Title:    &reports.Text{JA: "[x](https://evil.example) <script>", EN: "[x](https://evil.example) <script>"},
		Evidence: []reports.Evidence{{Kind: "http", Summary: "<img src=x>", Data: "````\n<script>alert(1)</script>\n````"}},
	})
	out := render(t, "en", r)
	inFence := ""
	for _, line := range strings.Split(out, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			switch {
			case inFence == "":
				inFence = trimmed
			case trimmed == inFence:
				inFence = ""
			}
			continue
		}
		if inFence != "" {
			continue
		}
		for i := 0; i < len(line); i++ {
			if (line[i] == '<' || line[i] == '[') && (i == 0 || line[i-1] != '\\') {
				t.Errorf("unescaped %q outside code: %s", line[i], line)
				break
			}
		}
	}
	if inFence != "" {
		t.Error("fence left open")
	}
	if !strings.Contains(out, "`````\n") {
		t.Error("fence not lengthened past the evidence's own backticks")
	}
}

func TestNoMutation(t *testing.T) {
	r := loadFull(t)
	first := r.Findings[0].ID
	render(t, "ja", r)
	if r.Findings[0].ID != first || r.Summary != nil {
		t.Error("Write changed the caller's report")
	}
}

// FuzzHostileText: whatever a server puts in a title or evidence, no raw
// "<" or "[" escapes outside a fenced block and every fence closes.
func FuzzHostileText(f *testing.F) {
	f.Add("<script>", "````\n<x>\n```")
	f.Add("[a](b)|c", "`")
	f.Fuzz(func(t *testing.T, title, data string) {
		r := &reports.Report{Tool: reports.Tool{Name: "s"}, Scan: reports.Scan{ID: "i"}, Findings: []reports.Finding{{
			ID: "x", Check: "c", Articles: []string{"1"}, Target: title, Status: "warn",
			Title: &reports.Text{EN: title}, Evidence: []reports.Evidence{{Summary: title, Data: data}},
		}}}
		var buf bytes.Buffer
		if err := (Writer{Lang: "en"}).Write(&buf, r); err != nil {
			t.Fatal(err)
		}
		inFence := ""
		for _, line := range strings.Split(buf.String(), "\n") {
			trimmed := strings.TrimSpace(line)
			if strings.HasPrefix(trimmed, "```") && (inFence == "" || strings.TrimRight(trimmed, "`") == "" && len(trimmed) >= len(inFence)) {
				if inFence == "" {
					inFence = trimmed
				} else {
					inFence = ""
				}
				continue
			}
			if inFence != "" {
				continue
			}
			for i := 0; i < len(line); i++ {
				if (line[i] == '<' || line[i] == '[') && (i == 0 || line[i-1] != '\\') {
					t.Fatalf("unescaped %q outside code: %q", line[i], line)
				}
			}
		}
		if inFence != "" {
			t.Fatal("fence left open")
		}
	})
}
