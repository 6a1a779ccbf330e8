package rendutil

import (
	"strconv"
	"strings"
)

// chapter is one chapter of the standard: the articles from First to Last
// (numbers as in the table of contents; 44の2 opens chapter 4).
type chapter struct {
	N      int
	First  string
	Last   string
	JA, EN string
}

// chapters are the standard's eight chapters (shared/standard, 目次).
var chapters = []chapter{
	{N: 1, First: "1", Last: "2", JA: "総則", EN: "General provisions"},
	{N: 2, First: "3", Last: "15", JA: "情報の分類と対策、情報のライフサイクルにわたる対策", EN: "Classifying information and measures across its life cycle"},
	{N: 3, First: "16", Last: "44", JA: "情報セキュリティ要件の明確化に基づく対策", EN: "Measures based on clarified security requirements"},
	{N: 4, First: "44の2", Last: "72", JA: "情報システム及び保管施設設備の構成要素についての対策", EN: "Measures for the components of information systems and storage facilities"},
	{N: 5, First: "73", Last: "77", JA: "ソフトウェア開発に係る情報セキュリティ対策", EN: "Information security in software development"},
	{N: 6, First: "78", Last: "84", JA: "個別事項に係る対策", EN: "Measures for specific matters"},
	{N: 7, First: "85", Last: "86", JA: "業務継続計画との整合的運用の確保", EN: "Consistency with the business continuity plan"},
	{N: 8, First: "87", Last: "87", JA: "雑則", EN: "Miscellaneous"},
}

// articleNumberKey orders article numbers: "44" < "44の2" < "45".
func articleNumberKey(n string) (main, sub int, ok bool) {
	m, s, hasSub := strings.Cut(n, "の")
	main, err := strconv.Atoi(m)
	if err != nil {
		return 0, 0, false
	}
	if hasSub {
		if sub, err = strconv.Atoi(s); err != nil {
			return 0, 0, false
		}
	}
	return main, sub, true
}

// lessEq orders article references by number, then by the の sub-number,
// so 44の2 falls between 44 and 45 as in the standard; Chapter uses it to
// test First ≤ article ≤ Last.
func lessEq(a, b string) bool {
	am, as, _ := articleNumberKey(a)
	bm, bs, _ := articleNumberKey(b)
	return am < bm || am == bm && as <= bs
}

// Chapter returns the chapter number of an article reference ("61-1-1" →
// 4) and its title in lang; ok is false outside the standard.
func Chapter(lang, ref string) (n int, title string, ok bool) {
	num := ArticleOf(ref)
	if _, _, valid := articleNumberKey(num); !valid {
		return 0, "", false
	}
	for _, c := range chapters {
		if lessEq(c.First, num) && lessEq(num, c.Last) {
			if lang == "ja" {
				return c.N, c.JA, true
			}
			return c.N, c.EN, true
		}
	}
	return 0, "", false
}
