package rendutil

import "strings"

//go:generate go run gen_articles.go

type articleTitle struct {
	Number, JA, EN string
}

// ArticleOf returns the article number an article reference belongs to:
// "61-1-1" → "61", "44の2-1" → "44の2", "59" → "59".
func ArticleOf(ref string) string {
	n, _, _ := strings.Cut(ref, "-")
	return n
}

// ArticleTitle returns the title of the article a reference belongs to in
// lang ("ja", else English), and false for a number the standard does not
// have.
func ArticleTitle(lang, ref string) (string, bool) {
	n := ArticleOf(ref)
	for _, a := range articleTitles {
		if a.Number == n {
			if lang == "ja" {
				return a.JA, true
			}
			return a.EN, true
		}
	}
	return "", false
}
