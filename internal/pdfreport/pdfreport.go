// Package pdfreport renders the HTML report to A4 PDF through headless
// Chromium (chromedp), and takes screenshots of it. It lives outside
// reports/ because it drives a browser: the report packages stay pure
// standard library (internal/archtest), and only this package links
// chromedp.
package pdfreport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/css"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"shindan/reports"
	"shindan/reports/htmlreport"
)

// Install is what to run when Chromium or the Japanese fonts are missing.
const Install = "apt-get install chromium fonts-noto-cjk"

// DefaultTimeout bounds one render, browser start included.
const DefaultTimeout = 60 * time.Second

// browsers are the executable names tried on PATH, Debian's first.
var browsers = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// ErrNoChromium is returned (wrapped) when no browser is found.
var ErrNoChromium = errors.New("pdfreport: chromium not found on PATH (tried chromium, chromium-browser, google-chrome); install it: " + Install)

// FindChromium returns the path of the first browser on PATH.
func FindChromium() (string, error) {
	for _, b := range browsers {
		if p, err := exec.LookPath(b); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// Writer renders the report as PDF in Lang ("ja" or "en").
type Writer struct {
	Lang string
	// Chromium is the browser executable; empty means FindChromium.
	Chromium string
	// Timeout bounds the render; zero means DefaultTimeout.
	Timeout time.Duration
}

// Write renders r to HTML and prints it. r is not modified.
func (w Writer) Write(out io.Writer, r *reports.Report) error {
	var html bytes.Buffer
	if err := (htmlreport.Writer{Lang: w.Lang, Print: true}).Write(&html, r); err != nil {
		return err
	}
	timeout := w.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return Browse(ctx, w.Chromium, func(p *Page) error {
		if err := p.Load(html.String()); err != nil {
			return err
		}
		pdf, err := p.PDF()
		if err != nil {
			return err
		}
		_, err = out.Write(pdf)
		return err
	})
}

// Page is one browser tab holding a document.
type Page struct {
	ctx context.Context
}

// Browse starts a fresh headless Chromium (its own temporary profile,
// removed afterwards), runs fn on one tab and stops the browser. chromium
// empty means FindChromium. The browser is started with networking
// features off; the report itself loads nothing (its CSP forbids it).
func Browse(ctx context.Context, chromium string, fn func(*Page) error) error {
	if chromium == "" {
		p, err := FindChromium()
		if err != nil {
			return err
		}
		chromium = p
	}
	profile, err := os.MkdirTemp("", "shindan-chromium-")
	if err != nil {
		return fmt.Errorf("pdfreport: %w", err)
	}
	defer os.RemoveAll(profile)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.UserDataDir(profile),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	// The first Run starts the browser; it must not carry a shorter
	// deadline than the whole render (chromedp.Run docs).
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		return fmt.Errorf("pdfreport: starting %s: %w", chromium, err)
	}
	if err := fn(&Page{ctx: bctx}); err != nil {
		return err
	}
	return nil
}

// Load replaces the tab's document with html and waits until it is laid
// out.
func (p *Page) Load(html string) error {
	err := chromedp.Do(p.ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		tree, err := cdp.Call(ctx, t, page.GetFrameTree, cdp.Empty{})
		if err != nil {
			return err
		}
		_, err = cdp.Call(ctx, t, page.SetDocumentContent, page.SetDocumentContentParams{FrameID: tree.FrameTree.Frame.ID, HTML: html})
		return err
	}), chromedp.WaitReady(chromedp.CSS("body")))
	if err != nil {
		return fmt.Errorf("pdfreport: loading the report: %w", err)
	}
	return nil
}

// PDF prints the document on A4 (the page size and margins come from the
// report's @page rule) with page numbers in the footer.
func (p *Page) PDF() ([]byte, error) {
	yes := true
	footer := `<div style="font-size:8px;width:100%;text-align:center;color:#757575;font-family:sans-serif"><span class="pageNumber"></span> / <span class="totalPages"></span></div>`
	pdf, err := chromedp.Run(p.ctx, func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		res, err := cdp.Call(ctx, t, page.PrintToPDF, page.PrintToPDFParams{
			PaperWidth: 8.27, PaperHeight: 11.69, // A4 in inches, if @page is ignored
			PrintBackground:         &yes,
			PreferCSSPageSize:       &yes,
			DisplayHeaderFooter:     &yes,
			HeaderTemplate:          "<span></span>",
			FooterTemplate:          footer,
			GenerateDocumentOutline: &yes,
		})
		return res.Data, err
	})
	if err != nil {
		return nil, fmt.Errorf("pdfreport: printing: %w", err)
	}
	return pdf, nil
}

// Screenshot returns a PNG of the element matching the CSS selector, laid
// out at width CSS pixels.
func (p *Page) Screenshot(width int64, selector string) ([]byte, error) {
	png, err := chromedp.Run(p.ctx, func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		if _, err := chromedp.EmulateViewport(width, 900)(ctx, t); err != nil {
			return nil, err
		}
		return chromedp.Screenshot(chromedp.CSS(selector))(ctx, t)
	})
	if err != nil {
		return nil, fmt.Errorf("pdfreport: screenshot of %s: %w", selector, err)
	}
	return png, nil
}

// Fonts returns the platform fonts Chromium used to draw the text of the
// first element matching the CSS selector, e.g. to prove that Japanese is
// drawn with a CJK font and not as tofu.
func (p *Page) Fonts(selector string) ([]string, error) {
	fonts, err := chromedp.Run(p.ctx, chromedp.QueryAfter(chromedp.CSS(selector), func(ctx context.Context, t *chromedp.Target, nodes []*chromedp.Node) ([]string, error) {
		if _, err := cdp.Call(ctx, t, css.Enable, cdp.Empty{}); err != nil {
			return nil, err
		}
		var out []string
		for _, n := range nodes[:1] {
			n.RLock()
			ids := []cdp.NodeID{n.NodeID}
			for _, c := range n.Children {
				ids = append(ids, c.NodeID)
			}
			n.RUnlock()
			for _, id := range ids {
				res, err := cdp.Call(ctx, t, css.GetPlatformFontsForNode, css.GetPlatformFontsForNodeParams{NodeID: id})
				if err != nil {
					return nil, err
				}
				for _, f := range res.Fonts {
					out = append(out, f.FamilyName)
				}
			}
		}
		return out, nil
	}))
	if err != nil {
		return nil, fmt.Errorf("pdfreport: fonts of %s: %w", selector, err)
	}
	return fonts, nil
}
