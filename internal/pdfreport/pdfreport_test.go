package pdfreport

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"shindan/reports"
	"shindan/reports/htmlreport"
	"shindan/reports/reporttest"
)

// inCI is true under CI or make test (SHINDAN_REQUIRE_LAB), where make
// deps has installed chromium and poppler-utils: missing tools fail there.
func inCI() bool { return os.Getenv("CI") != "" || os.Getenv("SHINDAN_REQUIRE_LAB") != "" }

// needChromium skips only outside CI: in CI a missing browser is a
// failure, since .ci/run and make deps install it.
func needChromium(t *testing.T) string {
	t.Helper()
	p, err := FindChromium()
	if err != nil {
		if inCI() {
			t.Fatalf("%v (CI or make test: make deps must install it)", err)
		}
		t.Skipf("%v; skipping (set CI to make this a failure)", err)
	}
	return p
}

func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if inCI() {
			t.Fatalf("%s not found (CI or make test: make deps installs poppler-utils)", name)
		}
		t.Skipf("%s not found: apt-get install poppler-utils", name)
	}
	return p
}

var pagesRE = regexp.MustCompile(`(?m)^Pages:\s+(\d+)`)

// pdfInfo returns the page count and the embedded font names of a PDF,
// read back by poppler (an independent PDF reader).
func pdfInfo(t *testing.T, pdf []byte) (pages int, fonts string) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	info, err := exec.Command(needTool(t, "pdfinfo"), f).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, info)
	}
	m := pagesRE.FindSubmatch(info)
	if m == nil {
		t.Fatalf("pdfinfo gave no page count:\n%s", info)
	}
	pages, _ = strconv.Atoi(string(m[1]))
	out, err := exec.Command(needTool(t, "pdffonts"), f).CombinedOutput()
	if err != nil {
		t.Fatalf("pdffonts: %v\n%s", err, out)
	}
	if !strings.Contains(string(info), "Page size:") || !strings.Contains(string(info), "(A4)") {
		t.Errorf("not A4 (595 x 842 pt):\n%s", info)
	}
	return pages, string(out)
}

func TestPDFFromFixture(t *testing.T) {
	chromium := needChromium(t)
	r := reporttest.Full(t)
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			var buf bytes.Buffer
			start := time.Now()
			if err := (Writer{Lang: lang, Chromium: chromium}).Write(&buf, r); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d bytes in %v", lang, buf.Len(), time.Since(start).Round(time.Millisecond))
			if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
				t.Fatalf("not a PDF: %q", buf.Bytes()[:min(buf.Len(), 16)])
			}
			pages, fonts := pdfInfo(t, buf.Bytes())
			// Cover, contents, summary, charts, matrix, one page per host
			// with problems, index, details: a handful, not one per finding.
			if pages < 5 || pages > 20 {
				t.Errorf("%d pages for the 10-finding fixture", pages)
			}
			if testing.Verbose() {
				t.Logf("%d pages, fonts:\n%s", pages, fonts)
			}
		})
	}
}

func TestScreenshotOfHTML(t *testing.T) {
	chromium := needChromium(t)
	var html bytes.Buffer
	if err := (htmlreport.Writer{Lang: "ja"}).Write(&html, reporttest.Full(t)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	err := Browse(ctx, chromium, func(p *Page) error {
		if err := p.Load(html.String()); err != nil {
			return err
		}
		// Japanese drawn with a CJK font, not as tofu boxes.
		fonts, err := p.Fonts("h1")
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(fonts, func(f string) bool { return strings.Contains(f, "CJK") }) {
			t.Errorf("the Japanese title is drawn with %q, no CJK font: install fonts-noto-cjk", fonts)
		}
		for _, sel := range []string{"#summary", "#charts", "#matrix", "section.host.has-problems", "article.finding"} {
			b, err := p.Screenshot(1200, sel)
			if err != nil {
				return err
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				return err
			}
			bounds := img.Bounds()
			if bounds.Dx() < 600 || bounds.Dy() < 40 {
				t.Errorf("%s: screenshot only %v", sel, bounds)
			}
			// Not blank: the element has more than one colour.
			first, varied := img.At(bounds.Min.X, bounds.Min.Y), false
			for y := bounds.Min.Y; y < bounds.Max.Y && !varied; y += 3 {
				for x := bounds.Min.X; x < bounds.Max.X; x += 3 {
					if img.At(x, y) != first {
						varied = true
						break
					}
				}
			}
			if !varied {
				t.Errorf("%s: screenshot is one flat colour", sel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMissingChromium(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := (Writer{Lang: "en"}).Write(&bytes.Buffer{}, &reports.Report{Findings: []reports.Finding{}})
	if !errors.Is(err, ErrNoChromium) || !strings.Contains(err.Error(), "apt-get install chromium fonts-noto-cjk") {
		t.Fatalf("got %v, want the install hint", err)
	}
}

func TestBadChromiumFailsFast(t *testing.T) {
	start := time.Now()
	err := (Writer{Lang: "en", Chromium: "/bin/false", Timeout: 20 * time.Second}).Write(&bytes.Buffer{}, reporttest.Full(t))
	if err == nil || !strings.Contains(err.Error(), "pdfreport: starting /bin/false") {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("a browser that exits at once took %v to report", d)
	}
}
