package pdfreport

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shindan/reports"
	"shindan/reports/htmlreport"
)

// TestReportArtifacts renders a real scan's report for people to look at:
// with SHINDAN_ARTIFACT_REPORT=scan.json and SHINDAN_ARTIFACT_DIR=dir it
// writes report-{ja,en}-{summary,charts,matrix,host,finding}.png and
// report-{ja,en}.pdf, and logs the PDF's page count and render time.
// SHINDAN_ARTIFACT_HOST picks the host section (default: the first with a
// fail or warn). Without the variables it is skipped.
func TestReportArtifacts(t *testing.T) {
	in, dir := os.Getenv("SHINDAN_ARTIFACT_REPORT"), os.Getenv("SHINDAN_ARTIFACT_DIR")
	if in == "" || dir == "" {
		t.Skip("set SHINDAN_ARTIFACT_REPORT and SHINDAN_ARTIFACT_DIR to render screenshots and PDFs of a scan")
	}
	chromium := needChromium(t)
	b, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	r, err := reports.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	host := "section.host.has-problems"
	if h := os.Getenv("SHINDAN_ARTIFACT_HOST"); h != "" {
		host = `[id="` + h + `"]`
	}
	shots := []struct{ name, sel string }{
		{"summary", "#summary"}, {"charts", "#charts"}, {"matrix", "#matrix"}, {"host", host}, {"finding", host + " article.finding"},
	}
	for _, lang := range []string{"ja", "en"} {
		start := time.Now()
		var pdf bytes.Buffer
		if err := (Writer{Lang: lang, Chromium: chromium}).Write(&pdf, r); err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		out := filepath.Join(dir, "report-"+lang+".pdf")
		if err := os.WriteFile(out, pdf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		pages, _ := pdfInfo(t, pdf.Bytes())
		t.Logf("%s: %d pages, %d bytes, %v", out, pages, pdf.Len(), took.Round(time.Millisecond))

		var html bytes.Buffer
		if err := (htmlreport.Writer{Lang: lang}).Write(&html, r); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		err := Browse(ctx, chromium, func(p *Page) error {
			if err := p.Load(html.String()); err != nil {
				return err
			}
			for _, s := range shots {
				png, err := p.Screenshot(1200, s.sel)
				if err != nil {
					return err
				}
				f := filepath.Join(dir, "report-"+lang+"-"+s.name+".png")
				if err := os.WriteFile(f, png, 0o644); err != nil {
					return err
				}
				t.Logf("%s (%s)", f, strings.TrimSpace(s.sel))
			}
			return nil
		})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
}
