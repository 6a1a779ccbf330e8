package dashboard

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shindan/internal/drift"
	"shindan/internal/store"
	"shindan/internal/store/pgtest"
	"shindan/reports"
	"shindan/reports/reporttest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// fixture is a store with two scans of the full report fixture (the
// second a day later, with the open relay fixed and a new web port) and
// the drift events between them, in an SQLite file.
func fixture(t *testing.T) *store.Store {
	t.Helper()
	return fixtureIn(t, filepath.Join(t.TempDir(), "d.db"))
}

// fixtureIn is fixture in the store dsn.
func fixtureIn(t *testing.T, dsn string) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	first := reporttest.Full(t)
	first.Scan.Complete = true
	first.Normalize()
	if err := st.Import(ctx, first, store.Config{}); err != nil {
		t.Fatal(err)
	}
	second := reporttest.Full(t)
	second.Scan.ID, second.Scan.Complete = "scan-20250402-0001", true
	second.Scan.StartedAt = second.Scan.StartedAt.Add(24 * time.Hour)
	second.Scan.FinishedAt = second.Scan.FinishedAt.Add(24 * time.Hour)
	for i := range second.Findings {
		if second.Findings[i].ID == "f-fail-crit" {
			second.Findings[i].Status = "pass"
		}
	}
	second.Assets[2].Services = append(second.Assets[2].Services, reports.Service{Port: 8443, Proto: "tcp", Service: "https"})
	second.Normalize()
	if err := st.Import(ctx, second, store.Config{}); err != nil {
		t.Fatal(err)
	}
	evs := drift.Events(drift.Compare(first, second, drift.Options{}), second.Scan.FinishedAt)
	if len(evs) == 0 {
		t.Fatal("fixture has no drift")
	}
	if err := st.SaveEvents(ctx, second.Scan.ID, evs); err != nil {
		t.Fatal(err)
	}
	return st
}

func get(t *testing.T, h http.Handler, path string, hdr ...string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	b, _ := io.ReadAll(w.Result().Body)
	return w.Code, string(b)
}

// TestPagesAndAccess serves every page from an SQLite store and from a
// real PostgreSQL one (a throw-away cluster of pgtest).
func TestPagesAndAccess(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testPagesAndAccess(t, fixture(t)) })
	t.Run("postgres", func(t *testing.T) { testPagesAndAccess(t, fixtureIn(t, pgtest.Shared(t).NewDatabase(t))) })
}

func testPagesAndAccess(t *testing.T, st *store.Store) {
	srv, err := New(st, "")
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string][]string{
		"/":                            {"スキャン履歴", "scan-20250402-0001", "<svg"},
		"/?lang=en":                    {"Scans over time", "Verdicts per scan"},
		"/matrix?lang=en":              {"Article matrix over time", "61-1-5"},
		"/drift?lang=en":               {"new open port", "198.51.100.9 tcp/8443"},
		"/host/198.51.100.9?lang=en":   {"Services", "tcp/8443", "History"},
		"/finding/f-fail-crit?lang=en": {"Evidence", "S: 220 mail.example.go.jp ESMTP", "First / last seen"},
		"/scan/scan-20250401-0001":     {"ホスト", "198.51.100.25"},
		"/finding/nope":                {"no finding nope"},
		"/host/%3Cscript%3Ealert(1)%3C%2Fscript%3E": {"&lt;script&gt;"},
	} {
		code, body := get(t, srv, path)
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s (%d): no %q", path, code, w)
			}
		}
		if strings.Contains(body, "<script") {
			t.Errorf("%s: a script element", path)
		}
	}
	if code, _ := get(t, srv, "/finding/nope"); code != http.StatusNotFound {
		t.Errorf("unknown finding: %d", code)
	}
	// A quote in a path parameter reaches the store as data, not SQL.
	if code, _ := get(t, srv, "/scan/x'%20OR%20'1'='1"); code != http.StatusNotFound {
		t.Errorf("injection attempt: %d", code)
	}

	tok := "0123456789abcdef-token"
	locked, _ := New(st, tok)
	if code, _ := get(t, locked, "/"); code != http.StatusSeeOther {
		t.Errorf("no token: %d, want a redirect to the login form", code)
	}
	if code, _ := get(t, locked, "/", "Authorization", "Bearer wrong"); code != http.StatusUnauthorized {
		t.Errorf("wrong bearer: %d", code)
	}
	if code, body := get(t, locked, "/?lang=en", "Authorization", "Bearer "+tok); code != 200 || !strings.Contains(body, "Scans over time") {
		t.Errorf("bearer: %d", code)
	}
	form := url.Values{"token": {tok}}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	locked.ServeHTTP(w, req)
	cookies := w.Result().Cookies()
	if w.Code != http.StatusSeeOther || len(cookies) != 1 || !cookies[0].HttpOnly {
		t.Fatalf("login: %d %v", w.Code, cookies)
	}
	req = httptest.NewRequest(http.MethodGet, "/drift", nil)
	req.AddCookie(cookies[0])
	w = httptest.NewRecorder()
	locked.ServeHTTP(w, req)
	if w.Code != 200 {
		t.Errorf("with the login cookie: %d", w.Code)
	}
}

func chromium(t *testing.T) string {
	for _, p := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("SHINDAN_REQUIRE_LAB") == "1" || os.Getenv("SHINDAN_REQUIRE_BROWSER") == "1" {
		t.Fatal("chromium is not installed (Debian package chromium; .ci/run installs it)")
	}
	t.Skip("chromium is not installed")
	return ""
}

// screenshotDir is where the browser test leaves its screenshots:
// $SHINDAN_DASHBOARD_OUT, else out/dashboard at the repository root.
func screenshotDir(t *testing.T) string {
	d := os.Getenv("SHINDAN_DASHBOARD_OUT")
	if d == "" {
		d = filepath.Join("..", "..", "out", "dashboard")
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestBrowser loads the scans page, a host page and a finding page in
// headless Chromium, in Japanese and English, checks what they show and
// saves full-page screenshots.
func TestBrowser(t *testing.T) {
	exe := chromium(t)
	srv, err := New(fixture(t), "")
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("blink-settings", "scriptEnabled=false"), // the pages must work without JavaScript
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	out := screenshotDir(t)
	pages := []struct {
		name, path string
		want       []string
	}{
		{"scans-ja", "/?lang=ja", []string{"スキャン履歴", "判定の内訳", "scan-20250402-0001", "緊急"}},
		{"scans-en", "/?lang=en", []string{"Scans over time", "Verdicts per scan", "scan-20250401-0001"}},
		{"host-ja", "/host/198.51.100.9?lang=ja", []string{"サービス", "tcp/8443", "履歴"}},
		{"host-en", "/host/198.51.100.9?lang=en", []string{"Services", "tcp/8443", "History"}},
		{"finding-ja", "/finding/f-fail-crit?lang=ja", []string{"証跡", "220 mail.example.go.jp ESMTP", "初回 / 最終検出"}},
		{"finding-en", "/finding/f-fail-crit?lang=en", []string{"Evidence", "220 mail.example.go.jp ESMTP", "First / last seen"}},
		{"matrix-en", "/matrix?lang=en", []string{"Article matrix over time"}},
		{"drift-ja", "/drift?lang=ja", []string{"新規開放ポート"}},
	}
	for _, p := range pages {
		if err := chromedp.Do(ctx, chromedp.Navigate(hs.URL+p.path), chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		for _, w := range p.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: page text lacks %q", p.name, w)
			}
		}
		if len(png) < 10000 || string(png[1:4]) != "PNG" {
			t.Errorf("%s: screenshot of %d bytes", p.name, len(png))
		}
		if err := os.WriteFile(filepath.Join(out, p.name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The scans chart is inline SVG with one bar group per scan.
	if err := chromedp.Do(ctx, chromedp.Navigate(hs.URL+"/?lang=en")); err != nil {
		t.Fatal(err)
	}
	bars, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("svg g").length`))
	if err != nil {
		t.Fatal(err)
	}
	if bars != 2 {
		t.Errorf("%d bar groups in the chart, want 2", bars)
	}
	t.Logf("screenshots in %s", out)
}
