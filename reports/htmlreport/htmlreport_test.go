package htmlreport

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
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

func TestGolden(t *testing.T) {
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			r := loadFull(t)
			got := render(t, lang, r)
			if again := render(t, lang, r); again != got {
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
		})
	}
}

func TestSectionsAndMatrix(t *testing.T) {
	r := loadFull(t)
	out := render(t, "en", r)
	// Header, matrix, hosts, findings, in that order.
	prev := -1
	for _, id := range []string{`<header id="summary">`, `<section id="matrix">`, `<section id="hosts">`, `<section id="findings">`} {
		i := strings.Index(out, id)
		if i < 0 || i < prev {
			t.Fatalf("%s missing or out of order", id)
		}
		prev = i
	}
	if !strings.Contains(out, "The scan is incomplete.") || !strings.Contains(out, "rate budget exhausted") {
		t.Error("incomplete banner or interrupted reason missing")
	}
	// Numeric article order, and each row's verdict colour.
	rows := []struct{ art, verdict string }{
		{"16-4-2", "pass"}, {"29-1", "warn"}, {"33-3", "fail"}, {"38", "fail"}, {"44の2-1", "fail"},
		{"55-3", "info"}, {"59-1", "fail"}, {"59-2", "pass"}, {"59-3", "pass"}, {"61-1-1", "warn"},
		{"61-1-5", "warn"}, {"64-3", "error"}, {"66-4", "fail"}, {"79", "skipped"},
	}
	prev = -1
	for _, row := range rows {
		needle := `<tr class="r-` + row.verdict + `"><td class="art">` + row.art + `</td>`
		i := strings.Index(out, needle)
		if i < 0 {
			t.Errorf("row %s with verdict %s missing", row.art, row.verdict)
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
	ja := render(t, "ja", r)
	for _, s := range []string{"条項別適合状況", "判定不能", "不適合", "診断は完了していません", "メールの不正中継", "適用除外"} {
		if !strings.Contains(ja, s) {
			t.Errorf("ja report lacks %q", s)
		}
	}
	for _, s := range []string{"Compliance by article", "Open mail relay", "Waived (until 2025-12-31)", "Restrict relaying"} {
		if !strings.Contains(out, s) {
			t.Errorf("en report lacks %q", s)
		}
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
				case "script", "img", "iframe", "link", "svg", "object", "embed", "base":
					t.Fatalf("%s: markup from data became a <%s> element", lang, tok.Data)
				}
				for _, a := range tok.Attr {
					v := strings.ToLower(a.Val)
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
		if strings.Count(out, "<style>") != 1 || strings.Contains(out, "<script") {
			t.Errorf("%s: unexpected raw markup", lang)
		}
	}
}

func TestNoMutationEmptyReport(t *testing.T) {
	r := &reports.Report{SchemaVersion: "1", Tool: reports.Tool{Name: "shindan", Version: "1"}, Scan: reports.Scan{ID: "x", Complete: true}}
	out := render(t, "ja", r)
	for _, s := range []string{"診断は完了しました", "条項に対応する結果はありません", "ホストは検出されていません", "検出結果はありません"} {
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
			"article": true, "div": true, "pre": true}
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
					if a.Key != "class" && a.Key != "id" && a.Key != "lang" && a.Key != "charset" && a.Key != "name" && a.Key != "content" {
						t.Fatalf("data produced attribute %s", a.Key)
					}
				}
			}
		}
	})
}
