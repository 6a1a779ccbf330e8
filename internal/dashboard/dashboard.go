// Package dashboard serves a read-only web UI over the history store:
// scans over time, the article matrix with its trend, drift events, a page
// per host and per finding. Plain server-rendered HTML (html/template),
// charts as inline SVG, no JavaScript, nothing loaded from elsewhere.
package dashboard

import (
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"shindan/internal/store"
	"shindan/reports"
	"shindan/reports/render"
)

//go:embed templates/*.html
var templateFS embed.FS

// Server is the dashboard's HTTP handler.
type Server struct {
	Store *store.Store
	// Token, when set, is required: as "Authorization: Bearer TOKEN" or
	// through the login form, which sets a cookie.
	Token string
	// Scans is how many recent scans the overview and matrix show; 0 = 30.
	Scans int
	tmpl  *template.Template
	mux   *http.ServeMux
}

const cookieName = "shindan_token"

// New builds the handler.
func New(st *store.Store, token string) (*Server, error) {
	s := &Server{Store: st, Token: token}
	t, err := template.New("").Funcs(template.FuncMap{
		"pct":      func(n, total int) float64 { return 100 * float64(n) / float64(max(total, 1)) },
		"add":      func(a, b int) int { return a + b },
		"mul":      func(a, b int) int { return a * b },
		"stamp":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") },
		"pathesc":  url.PathEscape,
		"statuses": func() []string { return reports.Statuses },
		"dict2":    func(p page, fs []reports.Finding) findingsView { return findingsView{p, fs} },
	}).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	s.tmpl = t
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", s.scans)
	m.HandleFunc("GET /matrix", s.matrix)
	m.HandleFunc("GET /drift", s.drift)
	m.HandleFunc("GET /scan/{id}", s.scan)
	m.HandleFunc("GET /host/{host}", s.host)
	m.HandleFunc("GET /finding/{id}", s.finding)
	m.HandleFunc("GET /login", s.loginForm)
	m.HandleFunc("POST /login", s.login)
	s.mux = m
	return s, nil
}

// ServeHTTP applies the security headers and the token check.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	if s.Token != "" && r.URL.Path != "/login" && !s.authorized(r) {
		if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			http.Error(w, "invalid token", http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, "/login?lang="+lang(r), http.StatusSeeOther)
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) authorized(r *http.Request) bool {
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return subtle.ConstantTimeCompare([]byte(tok), []byte(s.Token)) == 1
	}
	if c, err := r.Cookie(cookieName); err == nil {
		return subtle.ConstantTimeCompare([]byte(c.Value), []byte(s.Token)) == 1
	}
	return false
}

func lang(r *http.Request) string {
	if r.URL.Query().Get("lang") == "en" {
		return "en"
	}
	return "ja"
}

// findingsView feeds the shared findings table.
type findingsView struct {
	P page
	F []reports.Finding
}

// page is what every template gets.
type page struct {
	Lang, Path, Title string
	Data              any
	Error             string
}

// T picks the page language's text.
func (p page) T(ja, en string) string {
	if p.Lang == "en" {
		return en
	}
	return ja
}

// St is the report's word for a status in the page language, with the
// status itself as the style class.
func (p page) St(status string) statusLabel {
	return statusLabel{Class: status, Text: render.StatusLabel(p.Lang, status)}
}

// Sv is the report's word for a severity in the page language.
func (p page) Sv(severity string) string {
	if severity == "" || severity == "none" {
		return "-"
	}
	return render.SeverityLabel(p.Lang, severity)
}

// statusLabel feeds the "status" template.
type statusLabel struct{ Class, Text string }

// L picks a bilingual report text.
func (p page) L(t *reports.Text) string { return t.Lang(p.Lang) }

// Other is the other language's code, for the switch link.
func (p page) Other() string { return map[string]string{"ja": "en", "en": "ja"}[p.Lang] }

// Q is the language query suffix for links.
func (p page) Q() string { return "?lang=" + p.Lang }

func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, title [2]string, data any) {
	p := page{Lang: lang(r), Path: r.URL.Path, Data: data}
	p.Title = p.T(title[0], title[1])
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	var b strings.Builder
	if err := s.tmpl.ExecuteTemplate(&b, name, p); err != nil {
		http.Error(w, "dashboard: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Write([]byte(b.String()))
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := http.StatusInternalServerError
	if errors.Is(err, store.ErrNotFound) {
		code = http.StatusNotFound
	}
	w.WriteHeader(code)
	s.render(w, r, "error", [2]string{"エラー", "Error"}, err.Error())
}

func (s *Server) recent() int {
	if s.Scans > 0 {
		return s.Scans
	}
	return 30
}

// scanRow is one scan in the overview, with its bar geometry.
type scanRow struct {
	store.ScanInfo
	Bars []bar
}

type bar struct {
	Status string
	Y, H   float64
	N      int
}

func (s *Server) scans(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	list, err := s.Store.History(ctx, store.Filter{Limit: s.recent()})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	peak := 1
	for _, sc := range list {
		peak = max(peak, sc.Findings)
	}
	rows := make([]scanRow, len(list))
	for i, sc := range list {
		rows[i].ScanInfo = sc
		y := 100.0
		for _, st := range []string{"pass", "info", "skipped", "error", "warn", "fail"} {
			n := sc.ByStatus[st]
			if n == 0 {
				continue
			}
			h := 100 * float64(n) / float64(peak)
			y -= h
			rows[i].Bars = append(rows[i].Bars, bar{Status: st, Y: y, H: h, N: n})
		}
	}
	// Oldest first on the chart, newest first in the table.
	chart := slices.Clone(rows)
	slices.Reverse(chart)
	s.render(w, r, "scans", [2]string{"スキャン履歴", "Scans over time"}, struct {
		Rows, Chart []scanRow
		Peak        int
	}{rows, chart, peak})
}

func (s *Server) matrix(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	list, err := s.Store.History(ctx, store.Filter{Limit: s.recent()})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	slices.Reverse(list)
	ids := make([]string, len(list))
	for i, sc := range list {
		ids[i] = sc.ID
	}
	cells, err := s.Store.ArticleMatrix(ctx, ids)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	byArt := map[string]map[string]string{}
	for _, c := range cells {
		if byArt[c.Article] == nil {
			byArt[c.Article] = map[string]string{}
		}
		byArt[c.Article][c.ScanID] = c.Worst
	}
	type row struct {
		Article string
		Cells   []string
	}
	var rows []row
	for a, m := range byArt {
		rw := row{Article: a}
		for _, id := range ids {
			rw.Cells = append(rw.Cells, m[id])
		}
		rows = append(rows, rw)
	}
	slices.SortFunc(rows, func(a, b row) int { return compareArticles(a.Article, b.Article) })
	s.render(w, r, "matrix", [2]string{"条項マトリクスの推移", "Article matrix over time"}, struct {
		Scans []store.ScanInfo
		Rows  []row
	}{list, rows})
}

// compareArticles orders "29-1" before "31-1" before "44の2-1".
func compareArticles(a, b string) int {
	na, nb := leadNum(a), leadNum(b)
	if na != nb {
		return na - nb
	}
	return strings.Compare(a, b)
}

func leadNum(s string) int {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
	}
	return n
}

func (s *Server) drift(w http.ResponseWriter, r *http.Request) {
	evs, err := s.Store.Events(r.Context(), "", time.Time{}, 500)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "drift", [2]string{"ドリフト", "Drift"}, evs)
}

func (s *Server) scan(w http.ResponseWriter, r *http.Request) {
	rep, _, err := s.Store.Report(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "scan", [2]string{"スキャン " + rep.Scan.ID, "Scan " + rep.Scan.ID}, rep)
}

func (s *Server) host(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	host := r.PathValue("host")
	hist, err := s.Store.HostHistory(ctx, host, 50)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(hist) == 0 {
		s.fail(w, r, fmt.Errorf("%w: no scan saw host %s", store.ErrNotFound, host))
		return
	}
	rep, _, err := s.Store.Report(ctx, hist[0].ScanID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var asset reports.Asset
	for _, a := range rep.Assets {
		if a.Host == host {
			asset = a
		}
	}
	var fs []reports.Finding
	for _, f := range rep.Findings {
		if f.Host == host {
			fs = append(fs, f)
		}
	}
	evs, err := s.Store.Events(ctx, host, time.Time{}, 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "host", [2]string{"ホスト " + host, "Host " + host}, struct {
		Host     string
		Scan     reports.Scan
		Asset    reports.Asset
		Findings []reports.Finding
		History  []store.HostScan
		Events   any
	}{host, rep.Scan, asset, fs, hist, evs})
}

func (s *Server) finding(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	hist, err := s.Store.FindingHistory(ctx, id, 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(hist) == 0 {
		s.fail(w, r, fmt.Errorf("%w: no finding %s", store.ErrNotFound, id))
		return
	}
	seen, err := s.Store.Sightings(ctx, []string{id})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "finding", [2]string{"指摘 " + hist[0].Finding.Check, "Finding " + hist[0].Finding.Check}, struct {
		Latest  reports.Finding
		ScanID  string
		History []store.FindingAt
		Seen    store.Seen
	}{hist[0].Finding, hist[0].ScanID, hist, seen[id]})
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "login", [2]string{"ログイン", "Sign in"}, nil)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if err := r.ParseForm(); err != nil || s.Token == "" ||
		subtle.ConstantTimeCompare([]byte(r.PostForm.Get("token")), []byte(s.Token)) != 1 {
		w.WriteHeader(http.StatusUnauthorized)
		s.render(w, r, "login", [2]string{"ログイン", "Sign in"}, "bad")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: s.Token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: 12 * 3600})
	http.Redirect(w, r, "/?lang="+lang(r), http.StatusSeeOther)
}

// Ping checks the store answers (serve does it before listening).
func (s *Server) Ping(ctx context.Context) error {
	_, err := s.Store.History(ctx, store.Filter{Limit: 1})
	return err
}
