// Package rendutil holds what every report renderer shares: a normalised
// deep copy of the report (writers must not mutate their input), the
// numeric order of article references, row verdicts and the bilingual label
// table, so the formats agree with each other.
package rendutil

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"shindan/reports"
)

// Prepare returns a normalised deep copy of r; r itself is left untouched.
func Prepare(r *reports.Report) *reports.Report {
	c := Clone(r)
	c.Normalize()
	return c
}

// Clone deep-copies r so that sorting and summarising the copy cannot be
// seen by the caller.
func Clone(r *reports.Report) *reports.Report {
	if r == nil {
		return &reports.Report{Findings: []reports.Finding{}}
	}
	c := *r
	c.Scan.Targets = slices.Clone(r.Scan.Targets)
	c.Scan.Excluded = slices.Clone(r.Scan.Excluded)
	c.Scan.Checks = slices.Clone(r.Scan.Checks)
	if r.Scan.Stats != nil {
		s := *r.Scan.Stats
		c.Scan.Stats = &s
	}
	if r.Assets != nil {
		c.Assets = make([]reports.Asset, len(r.Assets))
		for i, a := range r.Assets {
			a.Names = slices.Clone(a.Names)
			a.Services = slices.Clone(a.Services)
			c.Assets[i] = a
		}
	}
	if r.Findings != nil {
		c.Findings = make([]reports.Finding, len(r.Findings))
		for i, f := range r.Findings {
			f.Articles = slices.Clone(f.Articles)
			f.Title = cloneText(f.Title)
			f.Detail = cloneText(f.Detail)
			f.Remediation = cloneText(f.Remediation)
			f.Evidence = slices.Clone(f.Evidence)
			if f.ObservedAt != nil {
				t := *f.ObservedAt
				f.ObservedAt = &t
			}
			if f.Waiver != nil {
				w := *f.Waiver
				f.Waiver = &w
			}
			f.Items = cloneItems(f.Items)
			c.Findings[i] = f
		}
	} else {
		// The schema requires "findings"; an empty report still has the array.
		c.Findings = []reports.Finding{}
	}
	if r.Summary != nil {
		c.Summary = make(map[string]reports.Counts, len(r.Summary))
		for k, v := range r.Summary {
			c.Summary[k] = v
		}
	}
	return &c
}

// cloneText copies a text, so sanitising the clone never edits the
// caller's report.
func cloneText(t *reports.Text) *reports.Text {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

// articleKey splits "44の2-1" into [44, 2, 1] and "61-1-1" into
// [61, 0, 1, 1]; ok is false for anything outside the schema's pattern.
func articleKey(a string) (key []int, ok bool) {
	head, rest, hasRest := strings.Cut(a, "-")
	num, sub, hasSub := strings.Cut(head, "の")
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || num == "" || num[0] == '+' {
		return nil, false
	}
	key = append(key, n)
	if hasSub {
		m, err := strconv.Atoi(sub)
		if err != nil || m < 0 || sub[0] == '+' {
			return nil, false
		}
		key = append(key, m)
	} else {
		key = append(key, 0)
	}
	if hasRest {
		for p := range strings.SplitSeq(rest, "-") {
			v, err := strconv.Atoi(p)
			if err != nil || v < 0 || p == "" || p[0] == '+' {
				return nil, false
			}
			key = append(key, v)
		}
	}
	return key, true
}

// CompareArticles orders article references numerically:
// 16-4-2 < 29-1 < 44-1 < 44の2-1 < 59-1 < 59-4 < 61-1-1. References that
// do not parse sort after all others, by their text.
func CompareArticles(a, b string) int {
	ka, oka := articleKey(a)
	kb, okb := articleKey(b)
	switch {
	case oka && okb:
		return cmp.Or(slices.Compare(ka, kb), strings.Compare(a, b))
	case oka:
		return -1
	case okb:
		return 1
	}
	return strings.Compare(a, b)
}

// SummaryArticles returns the keys of a summary in article order.
func SummaryArticles(s map[string]reports.Counts) []string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	slices.SortFunc(out, CompareArticles)
	return out
}

// Verdict is a matrix row's overall state: any fail is "fail", else any
// warn "warn", else any error "error" (not decided), else any pass "pass";
// rows with only info or skipped findings are "info" or "skipped".
func Verdict(c reports.Counts) string {
	switch {
	case c.Fail > 0:
		return "fail"
	case c.Warn > 0:
		return "warn"
	case c.Error > 0:
		return "error"
	case c.Pass > 0:
		return "pass"
	case c.Info > 0:
		return "info"
	}
	return "skipped"
}

// ByStatus groups findings (already in canonical order) by status, in
// reports.Statuses order, leaving out empty groups.
func ByStatus(fs []reports.Finding) []Group {
	var out []Group
	for _, s := range reports.Statuses {
		var g Group
		g.Status = s
		for _, f := range fs {
			if f.Status == s {
				g.Findings = append(g.Findings, f)
			}
		}
		if len(g.Findings) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// Group is the findings of one status.
type Group struct {
	Status   string
	Findings []reports.Finding
}

// Time formats a timestamp the same way in every human-readable format.
func Time(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format("2006-01-02 15:04:05 MST")
}

// labels are the fixed texts of the human-readable formats.
var labels = map[string][2]string{ // key → {ja, en}
	"report.title":      {"ネットワーク診断報告書", "Network diagnosis report"},
	"tool":              {"ツール", "Tool"},
	"templates":         {"テンプレート", "Templates"},
	"scan.id":           {"スキャンID", "Scan ID"},
	"targets":           {"対象", "Targets"},
	"excluded":          {"除外", "Excluded"},
	"profile":           {"プロファイル", "Profile"},
	"policy":            {"ポリシー", "Policy"},
	"vantage":           {"診断元", "Vantage point"},
	"started":           {"開始", "Started"},
	"finished":          {"終了", "Finished"},
	"stats":             {"統計", "Statistics"},
	"complete":          {"診断は完了しました。", "The scan completed."},
	"incomplete":        {"診断は完了していません。未完了の項目は「判定不能」として記載しています。", "The scan is incomplete. Unfinished items are listed as \"not decided\"."},
	"interrupted":       {"中断理由", "Reason"},
	"matrix":            {"条項別適合状況", "Compliance by article"},
	"matrix.none":       {"条項に対応する結果はありません。", "No result maps to an article."},
	"article":           {"条項", "Article"},
	"verdict":           {"判定", "Verdict"},
	"worst":             {"最大重大度", "Worst severity"},
	"hosts":             {"ホスト", "Hosts"},
	"hosts.none":        {"ホストは検出されていません。", "No host was seen."},
	"host":              {"ホスト", "Host"},
	"names":             {"名前", "Names"},
	"port":              {"ポート", "Port"},
	"proto":             {"プロトコル", "Proto"},
	"service":           {"サービス", "Service"},
	"product":           {"製品", "Product"},
	"version":           {"バージョン", "Version"},
	"tls":               {"TLS", "TLS"},
	"banner":            {"バナー", "Banner"},
	"no.services":       {"開放サービスなし", "no open service"},
	"findings":          {"検出結果", "Findings"},
	"findings.none":     {"検出結果はありません。", "No findings."},
	"severity":          {"重大度", "Severity"},
	"check":             {"チェックID", "Check ID"},
	"articles":          {"条項", "Articles"},
	"target":            {"対象", "Target"},
	"title":             {"件名", "Title"},
	"detail":            {"詳細", "Detail"},
	"remediation":       {"対処", "Remediation"},
	"evidence":          {"証跡", "Evidence"},
	"source":            {"検出元", "Source"},
	"observed":          {"観測日時", "Observed"},
	"finding.id":        {"結果ID", "Finding ID"},
	"waived":            {"適用除外", "Waived"},
	"waiver.until":      {"期限", "until"},
	"waiver.by":         {"承認者", "by"},
	"waiver.reason":     {"理由", "reason"},
	"count":             {"件数", "Count"},
	"yes":               {"あり", "yes"},
	"status.pass":       {"適合", "pass"},
	"status.fail":       {"不適合", "fail"},
	"status.warn":       {"要注意", "warn"},
	"status.info":       {"情報", "info"},
	"status.error":      {"判定不能", "not decided"},
	"status.skipped":    {"対象外", "skipped"},
	"severity.critical": {"緊急", "critical"},
	"severity.high":     {"高", "high"},
	"severity.medium":   {"中", "medium"},
	"severity.low":      {"低", "low"},
	"severity.none":     {"-", "-"},
}

// Label returns a fixed text in "ja" or "en" (English for anything else);
// an unknown key is returned as is, so a missing label shows, not vanishes.
func Label(lang, key string) string {
	l, ok := labels[key]
	if !ok {
		return key
	}
	if lang == "ja" {
		return l[0]
	}
	return l[1]
}

// Status and Severity localise the enumerations; values outside the
// schema come back unchanged.
func Status(lang, s string) string {
	if _, ok := labels["status."+s]; ok {
		return Label(lang, "status."+s)
	}
	return s
}

// Severity localises a severity; empty means none.
func Severity(lang, s string) string {
	if s == "" {
		s = "none"
	}
	if _, ok := labels["severity."+s]; ok {
		return Label(lang, "severity."+s)
	}
	return s
}

// Text picks one language of an optional bilingual text.
func Text(lang string, t *reports.Text) string {
	return t.Lang(lang)
}
