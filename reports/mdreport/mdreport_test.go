package mdreport

import (
	"bytes"
	"flag"
	"fmt"
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
	f := strings.Index(en, "## Fails and warns (5)")
	if m < 0 || f < m || strings.Index(en, "## Executive summary") > m {
		t.Fatal("summary and matrix must come before the fails and warns")
	}
	prev := -1
	for _, a := range []string{"| 16-4-2 | Introducing authentication functions |", "| 29-1 |", "| 44の2-1 | Classes, management and restrictions of controlled areas | **fail** |",
		"| 59-1 |", "| 61-1-1 | Security when introducing web servers | **warn** |", "| 64-3 | Security when introducing DNS | not decided |", "| 79 | Suppressing and monitoring unintended IPv6 | skipped |"} {
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
	// Every fail/warn heading names its target.
	for _, h := range []string{"### \\[critical\\] Open mail relay — 198.51.100.25:25", "### \\[high\\] Database reachable from outside — 198.51.100.9:3306",
		"### \\[warn: low\\] ", "— \\[2001:db8:100::53\\]:443"} {
		if !strings.Contains(en, h) {
			t.Errorf("heading %q missing", h)
		}
	}
	// Not decided: one line with its reason; passes: counts per check.
	if !strings.Contains(en, "## Not decided (reason) (1)") || !strings.Contains(en, "## Passes and info (count per check)") || !strings.Contains(en, "| `smtp.auth` | SMTP authentication | 1 | 0 | 0 | 1 |") {
		t.Error("undecided list or pass summary missing")
	}
	ja := render(t, "ja", r)
	for _, s := range []string{"## 条項別適合状況", "## 不適合・要注意 (5)", "メールの不正中継", "適用除外", "電子メール導入時の情報セキュリティ対策"} {
		if !strings.Contains(ja, s) {
			t.Errorf("ja lacks %q", s)
		}
	}
}

// The document grows with problems, not with passes: a thousand more
// passes of one check add nothing but their count.
func TestSizeFollowsProblems(t *testing.T) {
	r := loadFull(t)
	base := len(render(t, "en", r))
	pass := r.Findings[0]
	for i := range 1000 {
		p := pass
		p.ID = fmt.Sprintf("p%d", i)
		p.Target = fmt.Sprintf("198.51.100.%d:587", i%250)
		r.Findings = append(r.Findings, p)
	}
	if grown := len(render(t, "en", r)) - base; grown > 20 {
		t.Errorf("1000 passes grew the document by %d bytes", grown)
	}
	// Long evidence is cut in the document, kept whole in a ticket.
	r = loadFull(t)
	long := strings.Repeat("0123456789abcdef\n", 400)
	r.Findings = append(r.Findings, reports.Finding{ID: "big", Check: "http.exposed-files", Articles: []string{"62-3"}, Target: "198.51.100.9:80",
		Status: "warn", Severity: "low", Evidence: []reports.Evidence{{Kind: "http", Data: long}}})
	doc := render(t, "en", r)
	if n := strings.Count(doc, "0123456789abcdef"); n > evidenceLines {
		t.Errorf("document keeps %d evidence lines", n)
	}
	if !strings.Contains(doc, "more bytes left out") {
		t.Error("cut evidence not marked")
	}
	ts, err := (Writer{Lang: "en"}).Tickets(r)
	if err != nil {
		t.Fatal(err)
	}
	whole := false
	for _, tk := range ts {
		whole = whole || strings.Count(string(tk.Body), "0123456789abcdef") == 400
	}
	if !whole {
		t.Error("no ticket carries the whole evidence")
	}
}

func TestTickets(t *testing.T) {
	r := loadFull(t)
	ts, err := (Writer{Lang: "en"}).Tickets(r)
	if err != nil {
		t.Fatal(err)
	}
	// Five fails and warns, then the index.
	if len(ts) != 6 || ts[5].Name != IndexName {
		t.Fatalf("got %d tickets, last %q", len(ts), ts[len(ts)-1].Name)
	}
	names := map[string]bool{}
	index := string(ts[5].Body)
	for _, tk := range ts[:5] {
		if names[tk.Name] || !strings.HasSuffix(tk.Name, ".md") || strings.ContainsAny(tk.Name, "/\\ :[]") || strings.Contains(tk.Name, "..") {
			t.Errorf("bad or duplicate ticket name %q", tk.Name)
		}
		names[tk.Name] = true
		body := string(tk.Body)
		if !strings.HasPrefix(body, "# ") || !strings.Contains(body, "- Check ID: `") || !strings.Contains(body, "Scan: `") {
			t.Errorf("%s: not a complete ticket:\n%s", tk.Name, body)
		}
		if !strings.Contains(index, "]("+tk.Name+")") {
			t.Errorf("index does not link %s", tk.Name)
		}
	}
	if ts[0].Name != "001-smtp.open-relay-198.51.100.25-25.md" {
		t.Errorf("first ticket %q, want the critical open relay", ts[0].Name)
	}
	again, _ := (Writer{Lang: "en"}).Tickets(r)
	for i := range ts {
		if ts[i].Name != again[i].Name || !bytes.Equal(ts[i].Body, again[i].Body) {
			t.Fatal("two splits differ")
		}
	}
	for in, want := range map[string]string{"../../etc/passwd": "etc-passwd", "tls.ciphers-[2001:db8::1]:443": "tls.ciphers-2001-db8-1-443", "<>": "finding", "a...b": "a.b"} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
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

// Subjects of a grouped finding are listed in the document; their
// evidence goes into the ticket.
func TestItems(t *testing.T) {
	r := loadFull(t)
	r.Findings = append(r.Findings, reports.Finding{ID: "grp", Check: "http.exposed-files", Articles: []string{"62-3"}, Target: "198.51.100.9:80",
		Status: "fail", Severity: "high", Title: &reports.Text{EN: "Unintended files published"}, Items: []reports.Item{
			{ID: "a", Subject: "/.git/config", Status: "fail", Severity: "high", Detail: &reports.Text{EN: "git config"}, Evidence: []reports.Evidence{{Kind: "http", Summary: "GET /.git/config", Data: "[core]\nrepositoryformatversion = 0"}}},
			{ID: "b", Subject: "/.env", Status: "fail", Severity: "medium", Evidence: []reports.Evidence{{Kind: "http", Data: "DB_PASSWORD=x"}}},
			{ID: "c", Subject: "/.env.bak", Status: "fail", Severity: "medium", Evidence: []reports.Evidence{{Kind: "http", Data: "DB_PASSWORD=x"}}},
		}})
	doc := render(t, "en", r)
	if !strings.Contains(doc, "- Subjects (3):\n  - \\[high\\] `/.git/config`: git config\n  - \\[medium\\] `/.env`\n") {
		t.Errorf("document does not list the subjects:\n%s", doc[strings.Index(doc, "Unintended"):][:600])
	}
	if strings.Contains(doc, "repositoryformatversion") {
		t.Error("document carries item evidence (tickets do)")
	}
	ts, err := (Writer{Lang: "en"}).Tickets(r)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, tk := range ts {
		b := string(tk.Body)
		found = found || strings.Contains(b, "repositoryformatversion = 0") && strings.Count(b, "DB_PASSWORD=x") == 1 && strings.Contains(b, "(same evidence as above)")
	}
	if !found {
		t.Error("no ticket carries the subjects' evidence")
	}
}
