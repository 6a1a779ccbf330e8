package rendutil

import (
	"testing"

	"shindan/checks"
)

// The generated table must follow the catalog; a test import of checks is
// allowed (archtest rules cover what the reports build, not their tests).
func TestArticleTitlesMatchCatalog(t *testing.T) {
	if len(articleTitles) != len(checks.Articles) {
		t.Fatalf("%d titles, catalog has %d articles: run go generate ./reports/internal/rendutil", len(articleTitles), len(checks.Articles))
	}
	for i, a := range checks.Articles {
		got := articleTitles[i]
		if got.Number != a.Number || got.JA != a.Title.JA || got.EN != a.Title.EN {
			t.Errorf("article %s: table has %+v: run go generate ./reports/internal/rendutil", a.Number, got)
		}
	}
}

func TestArticleTitle(t *testing.T) {
	cases := []struct{ ref, lang, want string }{
		{"61-1-1", "en", "Security when introducing web servers"},
		{"44の2-1", "ja", "要管理対策区域のクラス、管理及び利用制限"},
		{"59", "ja", "電子メール導入時の情報セキュリティ対策"},
	}
	for _, c := range cases {
		if got, ok := ArticleTitle(c.lang, c.ref); !ok || got != c.want {
			t.Errorf("ArticleTitle(%s, %s) = %q, %v; want %q", c.lang, c.ref, got, ok, c.want)
		}
	}
	for _, bad := range []string{"88", "", "x-1", "44の3"} {
		if got, ok := ArticleTitle("en", bad); ok {
			t.Errorf("ArticleTitle(%q) = %q, want not found", bad, got)
		}
	}
}
