package htmlreport

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

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

var onePlural = regexp.MustCompile(`\b1 (more )?(findings|passes|hosts|ports|probes|lines|bytes|entries|items)\b`)

func TestGolden(t *testing.T) {
	for _, lang := range []string{"ja", "en", "en.print"} {
		t.Run(lang, func(t *testing.T) {
			r := loadFull(t)
			w := Writer{Lang: lang}
			if l, ok := strings.CutSuffix(lang, ".print"); ok {
				w = Writer{Lang: l, Print: true}
			}
			var a, b bytes.Buffer
			if err := w.Write(&a, r); err != nil {
				t.Fatal(err)
			}
			if err := w.Write(&b, r); err != nil {
				t.Fatal(err)
			}
			got := a.String()
			if b.String() != got {
				t.Fatal("two renders differ")
			}
			golden := filepath.Join("testdata", "full."+lang+".html.golden")
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
			// A count of one takes the singular (rendutil.Lf's .one labels).
			if m := onePlural.FindAllString(got, -1); m != nil {
				t.Errorf("%s: %q", golden, m)
			}
		})
	}
}

func TestSectionsAndMatrix(t *testing.T) {
	r := loadFull(t)
	out := render(t, "en", r)
	// Top-down: cover, contents, summary, charts, matrix, hosts, index, details.
	prev := -1
	for _, id := range []string{`<header class="cover"`, `<nav class="toc"`, `<section id="summary">`, `<section id="charts">`,
		`<section id="matrix">`, `<section id="hosts">`, `<section id="index">`, `<section id="details">`} {
		i := strings.Index(out, id)
		if i < 0 || i < prev {
			t.Fatalf("%s missing or out of order", id)
		}
		prev = i
	}
	if !strings.Contains(out, "The scan is incomplete.") || !strings.Contains(out, "rate budget exhausted") {
		t.Error("incomplete banner or interrupted reason missing")
	}
	// Numeric article order, each row's verdict colour, the article's
	// title, and a link to its index entry.
	rows := []struct{ art, id, verdict, title string }{
		{"16-4-2", "16-4-2", "pass", "Introducing authentication functions"},
		{"29-1", "29-1", "warn", "Cryptographic and signature algorithms"},
		{"33-3", "33-3", "fail", ""}, {"38", "38", "fail", ""},
		{"44の2-1", "44_306e_2-1", "fail", "Classes, management and restrictions of controlled areas"},
		{"55-3", "55-3", "info", ""}, {"59-1", "59-1", "fail", "Security when introducing e-mail"}, {"59-2", "59-2", "pass", ""},
		{"59-3", "59-3", "pass", ""}, {"61-1-1", "61-1-1", "warn", ""}, {"61-1-5", "61-1-5", "warn", ""},
		{"64-3", "64-3", "error", ""}, {"66-4", "66-4", "fail", ""}, {"79", "79", "skipped", "Suppressing and monitoring unintended IPv6"},
	}
	prev = -1
	for _, row := range rows {
		needle := `<tr class="r-` + row.verdict + `" id="m-` + row.id + `"><td class="art"><a href="#a-` + row.id + `">` + row.art + `</a></td><td><a href="#a-` + row.id + `">` + row.title
		i := strings.Index(out, needle)
		if i < 0 {
			t.Errorf("row %s with verdict %s missing (%s)", row.art, row.verdict, needle)
			continue
		}
		if i < prev {
			t.Errorf("row %s out of order", row.art)
		}
		prev = i
	}
	if !strings.Contains(out, `<span class="verdict v-error">not decided</span>`) {
		t.Error("error rows must read \"not decided\"")
	}
	// Executive summary: overall verdict, severity counts, top problems
	// with their hosts (critical open relay first).
	sum := out[strings.Index(out, `<section id="summary">`):strings.Index(out, `<section id="charts">`)]
	for _, s := range []string{`<span class="sev sev-critical">critical</span></td><td class="num">1</td>`, "Verdict per article", "Top problems"} {
		if !strings.Contains(sum, s) {
			t.Errorf("summary lacks %q", s)
		}
	}
	if i, j := strings.Index(sum, "Open mail relay"), strings.Index(sum, "Database reachable"); i < 0 || j < 0 || i > j {
		t.Error("top problems not worst first")
	}
	if !strings.Contains(sum, `<a href="#h-198.51.100.25">198.51.100.25</a>`) {
		t.Error("top problem does not link its host")
	}
	// Two inline SVG charts, no script.
	if strings.Count(out, "<svg ") != 2 || strings.Contains(out, "<script") {
		t.Error("want exactly the two inline SVG charts and no script")
	}
	ja := render(t, "ja", r)
	for _, s := range []string{"条項別適合状況", "判定不能", "不適合", "診断は完了していません", "メールの不正中継", "適用除外", "総括", "目次", "電子メール導入時の情報セキュリティ対策", "ホスト×条項の判定"} {
		if !strings.Contains(ja, s) {
			t.Errorf("ja report lacks %q", s)
		}
	}
	for _, s := range []string{"Compliance by article", "Open mail relay", "Waived (until 2025-12-31)", "Restrict relaying", "Executive summary", "Contents"} {
		if !strings.Contains(out, s) {
			t.Errorf("en report lacks %q", s)
		}
	}
}

// Every in-page link has its target, and every id is unique.
func TestLinksResolve(t *testing.T) {
	for _, lang := range []string{"ja", "en"} {
		out := render(t, lang, loadFull(t))
		ids, hrefs := map[string]int{}, map[string]bool{}
		z := html.NewTokenizer(strings.NewReader(out))
		for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
			tok := z.Token()
			for _, a := range tok.Attr {
				switch a.Key {
				case "id":
					ids[a.Val]++
				case "href":
					if !strings.HasPrefix(a.Val, "#") {
						t.Errorf("%s: link %q leaves the document", lang, a.Val)
					}
					hrefs[strings.TrimPrefix(a.Val, "#")] = true
				}
			}
		}
		for h := range hrefs {
			if ids[h] == 0 {
				t.Errorf("%s: link #%s has no target", lang, h)
			}
		}
		for id, n := range ids {
			if n > 1 {
				t.Errorf("%s: id %q used %d times", lang, id, n)
			}
		}
		if len(hrefs) < 20 {
			t.Errorf("%s: only %d link targets", lang, len(hrefs))
		}
	}
}

// Passes, info and skipped are inside a closed <details>; fails, warns
// and errors are not.
func TestQuietCollapsed(t *testing.T) {
	r := loadFull(t)
	out := render(t, "en", r)
	hosts := out[strings.Index(out, `<section id="hosts">`):strings.Index(out, `<section id="index">`)]
	for _, f := range r.Findings {
		i := strings.Index(hosts, `id="`+anchor("f-", f.ID)+`"`)
		if i < 0 {
			t.Errorf("%s not in its host section", f.ID)
			continue
		}
		inDetails := strings.LastIndex(hosts[:i], "<details") > strings.LastIndex(hosts[:i], "</details>")
		if quiet := !problemStatus(f.Status) && f.Status != "error"; quiet != inDetails {
			t.Errorf("%s (%s): collapsed=%v", f.ID, f.Status, inDetails)
		}
	}
	if strings.Contains(out, "<details open") {
		t.Error("a details element is open by default")
	}
}

// Evidence is shown as sent: real line breaks, transcript line ends kept
// visible, control characters escaped.
func TestEvidenceLineBreaks(t *testing.T) {
	r := loadFull(t)
	r.Findings = append(r.Findings, reports.Finding{ID: "tr", Check: "service.exposed", Articles: []string{"67-2"}, Target: "198.51.100.9:21", Status: "fail", Severity: "low",
		Evidence: []reports.Evidence{{Kind: "transcript", Data: `S: 211-Features:\r\n EPRT\r\n211 End\r\n` + "\nC: QUIT\x1b[2J\r\n"}}})
	out := render(t, "en", r)
	want := "S: 211-Features:<span class=\"eol\">\\r\\n</span>\n    EPRT<span class=\"eol\">\\r\\n</span>\n   211 End<span class=\"eol\">\\r\\n</span>\nC: QUIT\\x1b[2J"
	if !strings.Contains(out, want) {
		i := strings.Index(out, "211-Features")
		t.Errorf("transcript not broken into lines:\n%s", out[max(0, i-20):min(len(out), i+300)])
	}
	if strings.ContainsRune(out, 0x1b) {
		t.Error("raw ESC reached the HTML")
	}
	// The SMTP transcript of the fixture keeps its real newlines.
	if !strings.Contains(out, "S: 220 mail.example.go.jp ESMTP\nC: EHLO shindan.example") {
		t.Error("real line breaks lost")
	}
}

// The print layout counts passes instead of listing them and cuts
// evidence to its first lines.
func TestPrintLayout(t *testing.T) {
	r := loadFull(t)
	long := strings.Repeat("line of evidence\n", 50)
	r.Findings = append(r.Findings, reports.Finding{ID: "long", Check: "http.exposed-files", Articles: []string{"62-3"}, Target: "198.51.100.9:80", Status: "warn", Severity: "low",
		Evidence: []reports.Evidence{{Kind: "http", Summary: "big", Data: long}}})
	var buf bytes.Buffer
	if err := (Writer{Lang: "en", Print: true}).Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "<details") {
		t.Error("print layout has collapsed sections (they would not print)")
	}
	if !strings.Contains(out, "skipped (listed in the HTML report)") && !strings.Contains(out, "1 passes") || !strings.Contains(out, `<section id="remedies">`) {
		t.Error("print layout lacks the pass count or the remediation table")
	}
	if strings.Count(out, "line of evidence") > printEvidenceLines {
		t.Errorf("print keeps %d evidence lines", strings.Count(out, "line of evidence"))
	}
	if screen := render(t, "en", r); strings.Count(screen, "line of evidence") != 50 {
		t.Error("screen layout cut the evidence")
	}
}

// Evidence comes from hostile servers: nothing in it may become markup,
// and the file must not load anything from anywhere.
func TestHostileEvidenceAndNoExternalResources(t *testing.T) {
	r := loadFull(t)
	r.Findings = append(r.Findings, reports.Finding{
		ID: `"><script>alert(2)</script>`, Check: "http.info-disclosure", Articles: []string{"62-3"},
		Target: `<img src=https://evil.example/t.gif>`, Status: "fail", Severity: "low",
		Title:    &reports.Text{JA: "<iframe src=//evil.example>", EN: "<iframe src=//evil.example>"},
		Evidence: []reports.Evidence{{Kind: "http", Summary: "</pre><script>x</script>", Data: "<link rel=stylesheet href=http://evil.example/a.css>\n<style>@import url(https://evil.example/b.css)</style>"}},
	})
	r.Assets = append(r.Assets, reports.Asset{Host: "<svg onload=alert(3)>", Services: []reports.Service{{Port: 1, Proto: "tcp", Banner: "<script>alert(4)</script>"}}})
	for _, lang := range []string{"ja", "en"} {
		out := render(t, lang, r)
		if !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") || !strings.Contains(out, "&lt;script&gt;alert(4)&lt;/script&gt;") {
			t.Error("hostile strings not present in escaped form")
		}
		z := html.NewTokenizer(strings.NewReader(out))
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				break
			}
			tok := z.Token()
			switch tt {
			case html.StartTagToken, html.SelfClosingTagToken:
				switch tok.Data {
				case "script", "img", "iframe", "link", "object", "embed", "base", "foreignobject", "use", "image":
					t.Fatalf("%s: markup from data became a <%s> element", lang, tok.Data)
				}
				for _, a := range tok.Attr {
					v := strings.ToLower(a.Val)
					if a.Key == "id" || a.Key == "xmlns" && v == "http://www.w3.org/2000/svg" || a.Key == "href" && strings.HasPrefix(v, "#") && !strings.Contains(v, "/") {
						continue // ids name, never load; the SVG namespace; in-page links
					}
					if strings.Contains(v, "//") || strings.Contains(v, "http") || strings.HasPrefix(a.Key, "on") || a.Key == "src" || a.Key == "href" {
						t.Errorf("%s: attribute %s=%q references something", lang, a.Key, a.Val)
					}
				}
				if tok.Data == "style" {
					z.Next()
					css := strings.ToLower(string(z.Text()))
					if strings.Contains(css, "url(") || strings.Contains(css, "@import") || strings.Contains(css, "http") {
						t.Errorf("%s: CSS loads an external resource", lang)
					}
				}
			}
		}
		// Outside escaped text, no URL at all: strip text nodes and look.
		if strings.Count(out, "<style>") != 1 || strings.Contains(out, "<script") || strings.Count(out, "<svg ") != 2 {
			t.Errorf("%s: unexpected raw markup", lang)
		}
		if !strings.Contains(out, `content="default-src 'none'; style-src 'unsafe-inline'"`) {
			t.Errorf("%s: no content security policy", lang)
		}
	}
}

func TestNoMutationEmptyReport(t *testing.T) {
	r := &reports.Report{SchemaVersion: "1", Tool: reports.Tool{Name: "shindan", Version: "1"}, Scan: reports.Scan{ID: "x", Complete: true}}
	out := render(t, "ja", r)
	for _, s := range []string{"診断は完了しました", "条項に対応する結果はありません", "検出結果はありません"} {
		if !strings.Contains(out, s) {
			t.Errorf("empty report lacks %q", s)
		}
	}
	if r.Findings != nil || r.Summary != nil {
		t.Error("Write changed the caller's report")
	}
	full := loadFull(t)
	first := full.Findings[0].ID
	render(t, "en", full)
	if full.Findings[0].ID != first || full.Summary != nil {
		t.Error("Write reordered or summarised the caller's report")
	}
}

// FuzzEvidence: no evidence or title text becomes an element.
func FuzzEvidence(f *testing.F) {
	f.Add("<script>alert(1)</script>", "</pre><img src=x>")
	f.Fuzz(func(t *testing.T, title, data string) {
		r := &reports.Report{Tool: reports.Tool{Name: "s"}, Scan: reports.Scan{ID: "i"}, Findings: []reports.Finding{{
			ID: title, Check: "c", Articles: []string{"1"}, Target: data, Status: "fail",
			Title: &reports.Text{EN: title}, Evidence: []reports.Evidence{{Summary: title, Data: data}},
		}}}
		var buf bytes.Buffer
		if err := (Writer{Lang: "en"}).Write(&buf, r); err != nil {
			return // invalid UTF-8 may be refused by the template engine
		}
		z := html.NewTokenizer(&buf)
		allowed := map[string]bool{"html": true, "head": true, "meta": true, "title": true, "style": true, "body": true, "header": true,
			"h1": true, "h2": true, "h3": true, "h4": true, "dl": true, "dt": true, "dd": true, "code": true, "p": true, "br": true,
			"section": true, "table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true, "span": true,
			"article": true, "div": true, "pre": true, "nav": true, "ol": true, "ul": true, "li": true, "a": true, "b": true,
			"details": true, "summary": true, "svg": true, "rect": true, "text": true}
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				return
			}
			if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
				tok := z.Token()
				if !allowed[tok.Data] {
					t.Fatalf("data produced a <%s> element", tok.Data)
				}
				for _, a := range tok.Attr {
					switch a.Key {
					case "class", "id", "lang", "charset", "name", "content", "http-equiv", "role", "xmlns", "viewbox", "width", "height",
						"aria-label", "x", "y", "fill", "text-anchor":
					case "href":
						if !strings.HasPrefix(a.Val, "#") {
							t.Fatalf("data produced link %q", a.Val)
						}
					default:
						t.Fatalf("data produced attribute %s", a.Key)
					}
				}
			}
		}
	})
}

// A grouped finding lists its subjects: a table on screen (each item's
// evidence collapsed), a bounded line in print.
func TestItems(t *testing.T) {
	r := loadFull(t)
	var items []reports.Item
	for i := range 15 {
		items = append(items, reports.Item{ID: fmt.Sprintf("i%d", i), Subject: fmt.Sprintf("TLS_SUITE_%02d", i), Status: "fail", Severity: "high",
			Detail: &reports.Text{JA: "弱い", EN: "weak suite"}, Evidence: []reports.Evidence{{Kind: "tls", Summary: "offered", Data: "TLS1.2 suite"}}})
	}
	r.Findings = append(r.Findings, reports.Finding{ID: "grp", Check: "tls.ciphers", Articles: []string{"29-1"}, Target: "198.51.100.9:443",
		Host: "198.51.100.9", Status: "fail", Severity: "high", Title: &reports.Text{JA: "暗号", EN: "TLS cipher suites"}, Items: items})
	out := render(t, "en", r)
	for _, s := range []string{"<dt>Subjects (15)</dt>", "<code>TLS_SUITE_00</code>", "<code>TLS_SUITE_14</code>", "<summary>Evidence (1)</summary>"} {
		if !strings.Contains(out, s) {
			t.Errorf("screen lacks %q", s)
		}
	}
	var buf bytes.Buffer
	if err := (Writer{Lang: "en", Print: true}).Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	p := buf.String()
	if !strings.Contains(p, "Subjects (15): TLS_SUITE_00 [high]") || !strings.Contains(p, "&#43;3 more") || strings.Contains(p, "TLS_SUITE_12") {
		i := strings.Index(p, "Subjects (15)")
		t.Errorf("print row does not name the first 12 subjects and count the rest:\n%s", p[max(0, i-100):min(len(p), i+500)])
	}
}
