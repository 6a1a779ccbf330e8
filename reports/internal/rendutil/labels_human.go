package rendutil

import "fmt"

// humanLabels are the fixed texts of the HTML, PDF and Markdown layouts
// (kept apart from labels so the data formats' table stays small).
var humanLabels = map[string][2]string{ // key → {ja, en}
	"toc":              {"目次", "Contents"},
	"summary":          {"総括", "Executive summary"},
	"summary.overall":  {"総合判定", "Overall verdict"},
	"summary.articles": {"条ごとの判定", "Verdict per article"},
	"summary.severity": {"重大度別の件数（不適合・要注意）", "Fails and warns by severity"},
	"summary.status":   {"判定別の件数", "Findings by verdict"},
	"summary.top":      {"主な問題", "Top problems"},
	"summary.hostsn":   {"%d ホスト", "%d hosts"},
	"summary.more":     {"ほか %d", "+%d more"},
	"summary.noprob":   {"不適合・要注意の検出結果はありません。", "No fail or warn finding."},
	"charts":           {"グラフ", "Charts"},
	"chart.severity":   {"ホスト別の重大度", "Severity per host"},
	"chart.heatmap":    {"ホスト×条項の判定", "Host × article verdicts"},
	"chart.none":       {"該当なし", "not measured"},
	"chart.noprob":     {"不適合・要注意のホストはありません。", "No host has a fail or warn."},
	"matrix.title":     {"条の表題", "Article title"},
	"host.findings":    {"ホスト別の検出結果", "Findings per host"},
	"host.problems":    {"不適合・要注意", "Fails and warns"},
	"host.errors":      {"判定不能", "Not decided"},
	"host.quiet":       {"適合・情報・対象外", "Passes, info and skipped"},
	"host.clean":       {"不適合・要注意はありません。", "No fail or warn."},
	"index":            {"条項別索引", "Index by article"},
	"index.quiet":      {"適合・情報・対象外 %d 件", "%d passes, info and skipped"},
	"scan.details":     {"診断の詳細", "Scan details"},
	"count.findings":   {"%d 件", "%d findings"},
	"items":            {"個別の対象", "Subjects"},
	"subject":          {"対象項目", "Subject"},
	"passes.summary":   {"適合・情報（チェック別の件数）", "Passes and info (count per check)"},
	"md.errors":        {"判定不能（理由）", "Not decided (reason)"},
	"split.index":      {"チケット一覧", "Tickets"},
	"md.cut":           {"以下 %d バイト省略（全文はチケットまたは report.json にあります）", "%d more bytes left out (whole evidence in the ticket or report.json)"},
	"print.cut":        {"（以下 %d 行省略。全文はHTML版・JSON版にあります）", "(%d more lines in the HTML and JSON reports)"},
	"print.quiet":      {"適合・情報・対象外 %d 件（一覧はHTML版にあります）", "%d passes, info and skipped (listed in the HTML report)"},
	"remedies":         {"対処一覧", "Remediation per problem"},
	"md.same":          {"上と同じ証跡", "same evidence as above"},
	"ticket.scan":      {"診断", "Scan"},
	"cover.generated":  {"作成", "Generated"},
	"page":             {"ページ", "Page"},
	// The comparison with a baseline scan (--baseline).
	"baseline":            {"ベースラインとの比較", "Comparison with the baseline"},
	"baseline.scan":       {"比較対象の診断", "Baseline scan"},
	"baseline.new":        {"新規", "new"},
	"baseline.unchanged":  {"変化なし", "unchanged"},
	"baseline.fixed":      {"解消", "fixed"},
	"baseline.not-tested": {"今回未検査", "not tested"},
	"baseline.gone":       {"ベースラインにあり今回なくなった不適合・要注意", "Baseline fails and warns this scan no longer has"},
}

// Lf is Label used as a format string.
func Lf(lang, key string, a ...any) string { return fmt.Sprintf(Label(lang, key), a...) }

func init() {
	for k, v := range humanLabels {
		if _, dup := labels[k]; dup {
			panic("rendutil: label " + k + " defined twice")
		}
		labels[k] = v
	}
}
