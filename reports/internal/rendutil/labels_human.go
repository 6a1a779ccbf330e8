package rendutil

import (
	"fmt"
	"strings"

	"shindan/reports"
)

// humanLabels are the fixed texts of the HTML, PDF and Markdown layouts
// (kept apart from labels so the data formats' table stays small).
var humanLabels = map[string][2]string{ // key → {ja, en}
	"toc":                {"目次", "Contents"},
	"summary":            {"総括", "Executive summary"},
	"summary.overall":    {"総合判定", "Overall verdict"},
	"summary.articles":   {"条ごとの判定", "Verdict per article"},
	"summary.severity":   {"重大度別の件数（不適合・要注意）", "Fails and warns by severity"},
	"summary.status":     {"判定別の件数", "Findings by verdict"},
	"summary.top":        {"主な問題", "Top problems"},
	"summary.more":       {"ほか %d", "+%d more"},
	"summary.noprob":     {"不適合・要注意の検出結果はありません。", "No fail or warn finding."},
	"charts":             {"グラフ", "Charts"},
	"chart.severity":     {"ホスト別の重大度", "Severity per host"},
	"chart.heatmap":      {"ホスト×条項の判定", "Host × article verdicts"},
	"chart.none":         {"該当なし", "not measured"},
	"chart.noprob":       {"不適合・要注意のホストはありません。", "No host has a fail or warn."},
	"matrix.title":       {"条の表題", "Article title"},
	"host.findings":      {"ホスト別の検出結果", "Findings per host"},
	"host.problems":      {"不適合・要注意", "Fails and warns"},
	"host.errors":        {"判定不能", "Not decided"},
	"host.quiet":         {"適合・情報・対象外", "Passes, info and skipped"},
	"host.clean":         {"不適合・要注意はありません。", "No fail or warn."},
	"index":              {"条項別索引", "Index by article"},
	"index.quiet":        {"適合・情報・対象外 %d 件", "%d passes, info and skipped"},
	"index.quiet.one":    {"適合・情報・対象外 %d 件", "%d pass, info or skipped"},
	"scan.details":       {"診断の詳細", "Scan details"},
	"count.findings":     {"%d 件", "%d findings"},
	"count.findings.one": {"%d 件", "%d finding"},
	"items":              {"個別の対象", "Subjects"},
	"subject":            {"対象項目", "Subject"},
	"passes.summary":     {"適合・情報（チェック別の件数）", "Passes and info (count per check)"},
	"md.errors":          {"判定不能（理由）", "Not decided (reason)"},
	"split.index":        {"チケット一覧", "Tickets"},
	"md.cut":             {"以下 %d バイト省略（全文はチケットまたは report.json にあります）", "%d more bytes left out (whole evidence in the ticket or report.json)"},
	"md.cut.one":         {"以下 %d バイト省略（全文はチケットまたは report.json にあります）", "%d more byte left out (whole evidence in the ticket or report.json)"},
	"print.cut":          {"（以下 %d 行省略。全文はHTML版・JSON版にあります）", "(%d more lines in the HTML and JSON reports)"},
	"print.cut.one":      {"（以下 %d 行省略。全文はHTML版・JSON版にあります）", "(%d more line in the HTML and JSON reports)"},
	"print.quiet":        {"適合・情報・対象外 %d 件（一覧はHTML版にあります）", "%d passes, info and skipped (listed in the HTML report)"},
	"print.quiet.one":    {"適合・情報・対象外 %d 件（一覧はHTML版にあります）", "%d pass, info or skipped (listed in the HTML report)"},
	// The scan's counters, joined by " / " (StatsLine).
	"stats.hosts":      {"稼働ホスト %d", "%d hosts alive"},
	"stats.hosts.one":  {"稼働ホスト %d", "%d host alive"},
	"stats.ports":      {"開放ポート %d", "%d ports open"},
	"stats.ports.one":  {"開放ポート %d", "%d port open"},
	"stats.probes":     {"送信プローブ %d", "%d probes sent"},
	"stats.probes.one": {"送信プローブ %d", "%d probe sent"},
	"stats.duration":   {"所要時間 %s", "took %s"},
	"source.builtin":   {"shindan の検査", "shindan check"},
	"source.nuclei":    {"nuclei テンプレート", "nuclei template"},
	// Evidence kinds (scanners.Evidence.Kind).
	"evidence.transcript": {"通信記録", "transcript"},
	"evidence.http":       {"HTTP", "HTTP"},
	"evidence.dns":        {"DNS", "DNS"},
	"evidence.tls":        {"TLS", "TLS"},
	"evidence.packet":     {"パケット", "packet"},
	"evidence.note":       {"注記", "note"},
	"remedies":            {"対処一覧", "Remediation per problem"},
	"md.same":             {"上と同じ証跡", "same evidence as above"},
	"ticket.scan":         {"診断", "Scan"},
	"cover.generated":     {"作成", "Generated"},
	"page":                {"ページ", "Page"},
	// The comparison with a baseline scan (--baseline).
	"baseline":            {"ベースラインとの比較", "Comparison with the baseline"},
	"baseline.scan":       {"比較対象の診断", "Baseline scan"},
	"baseline.new":        {"新規", "new"},
	"baseline.unchanged":  {"変化なし", "unchanged"},
	"baseline.fixed":      {"解消", "fixed"},
	"baseline.not-tested": {"今回未検査", "not tested"},
	"baseline.gone":       {"ベースラインにあり今回なくなった不適合・要注意", "Baseline fails and warns this scan no longer has"},
}

// Lf is Label used as a format string. A label that counts an English
// noun has its singular form under key+".one", chosen when the count (the
// first argument) is 1, so no report says "1 findings"; Japanese counter
// words have no plural and both forms say the same.
func Lf(lang, key string, a ...any) string {
	if len(a) > 0 && isOne(a[0]) {
		if _, ok := labels[key+".one"]; ok {
			key += ".one"
		}
	}
	return fmt.Sprintf(Label(lang, key), a...)
}

func isOne(v any) bool {
	switch n := v.(type) {
	case int:
		return n == 1
	case int64:
		return n == 1
	}
	return false
}

// StatsLine is the scan's counters in one line.
func StatsLine(lang string, s *reports.Stats) string {
	return strings.Join([]string{
		Lf(lang, "stats.hosts", s.HostsAlive), Lf(lang, "stats.ports", s.PortsOpen),
		Lf(lang, "stats.probes", s.ProbesSent), Lf(lang, "stats.duration", Duration(lang, s.DurationMS))}, " / ")
}

func init() {
	for k, v := range humanLabels {
		if _, dup := labels[k]; dup {
			panic("rendutil: label " + k + " defined twice")
		}
		labels[k] = v
	}
}

// Duration is a scan's running time as a reader counts it: "754500 ms"
// is 12 min 35 s (12分35秒); under a second it stays in ms.
func Duration(lang string, ms int64) string {
	if ms < 1000 {
		return fmt.Sprintf("%d ms", ms)
	}
	s := (ms + 500) / 1000
	h, m := s/3600, s/60%60
	s %= 60
	units := [3]string{" h", " min", " s"}
	if lang == "ja" {
		units = [3]string{"時間", "分", "秒"}
	}
	var parts []string
	for i, n := range [3]int64{h, m, s} {
		if n > 0 || (i == 2 && len(parts) == 0) {
			parts = append(parts, fmt.Sprintf("%d%s", n, units[i]))
		}
	}
	if lang == "ja" {
		return strings.Join(parts, "")
	}
	return strings.Join(parts, " ")
}

// Source names where a finding came from: a check of shindan itself
// ("builtin") or a nuclei template ("nuclei:<template-id>").
func Source(lang, src string) string {
	if src == "builtin" {
		return Label(lang, "source.builtin")
	}
	if id, ok := strings.CutPrefix(src, "nuclei:"); ok {
		return Label(lang, "source.nuclei") + " " + id
	}
	return src
}

// EvidenceKind names an evidence kind (scanners.Evidence.Kind); an
// unknown kind is shown as it is.
func EvidenceKind(lang, kind string) string {
	if _, ok := labels["evidence."+kind]; ok {
		return Label(lang, "evidence."+kind)
	}
	return kind
}

// Recorded is a text the scanner recorded in English (the engine's
// reason for an interrupted scan, a Go error) as a report in lang shows
// it: quoted in a Japanese report, so it reads as a log line and not as an
// untranslated sentence.
func Recorded(lang, s string) string {
	if lang == "ja" && s != "" {
		return "「" + s + "」"
	}
	return s
}
