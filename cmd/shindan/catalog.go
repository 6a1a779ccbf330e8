package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"shindan/checks"
)

// langFlag is --lang for the catalog commands. Unlike reportLangFlag it
// does not read SHINDAN_LANG and is not validated: any value but "ja"
// prints the English titles (Text.Lang).
func langFlag() cli.Flag {
	return &cli.StringFlag{Name: "lang", Value: "ja", Usage: "`LANGUAGE` of titles: ja or en"}
}

// checksCommand is "shindan checks": the catalog an auditor reads to see
// which check evidences which article before choosing --checks globs.
func checksCommand() *cli.Command {
	return &cli.Command{
		Name:  "checks",
		Usage: "list the check catalog: ID, articles, default severity, title",
		Description: "Every check of this build with the articles of the standard it evidences.\n" +
			"With --article N, only the checks for that article (59) or paragraph (59-1).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "article", Usage: "only checks evidencing article `N` (59, 59-1, 44の2)"},
			langFlag(),
		},
		Action: func(c *cli.Context) error {
			list := checks.Default.All()
			if a := c.String("article"); a != "" {
				if !checks.ArticlePattern.MatchString(a) {
					return usageErr("--article: %q is not an article reference such as 59 or 61-1-1", a)
				}
				list = checks.Default.ByArticle(a)
				if len(list) == 0 {
					fmt.Fprintf(os.Stderr, "no check evidences article %s (see 'shindan articles')\n", a)
					return nil
				}
			}
			tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tARTICLES\tSEVERITY\tTITLE")
			for _, ch := range list {
				in := ch.Info()
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", in.ID, strings.Join(in.Articles, " "), in.Severity, in.Title.Lang(c.String("lang")))
			}
			return tw.Flush()
		},
	}
}

// articlesCommand is "shindan articles": the coverage view from the
// standard's side, so the articles a network scan cannot evidence are
// listed with the reason rather than silently absent.
func articlesCommand() *cli.Command {
	return &cli.Command{
		Name:  "articles",
		Usage: "show which articles of the standard this build covers, and why the rest are out of reach",
		Description: "One line per article of the standard: covered (with its checks), reachable\n" +
			"but without a check in this build, or out of a network scanner's reach (physical,\n" +
			"organisational, development process) with the reason.",
		Flags: []cli.Flag{langFlag()},
		Action: func(c *cli.Context) error {
			lang := c.String("lang")
			tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			hdr := "ARTICLE\tCOVERAGE\tTITLE\tCHECKS / WHY NOT"
			if lang == "ja" {
				hdr = "条\t対応\t見出し\tチェック / 対象外の理由"
			}
			fmt.Fprintln(tw, hdr)
			covered := 0
			for _, a := range checks.Articles {
				var ids []string
				for _, ch := range checks.Default.ByArticle(a.Number) {
					ids = append(ids, ch.Info().ID)
				}
				slices.Sort(ids)
				state, why := coverage(a, len(ids) > 0, lang)
				if len(ids) > 0 {
					covered++
					why = strings.Join(ids, ", ")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", articleLabel(a.Number, lang), state, a.Title.Lang(lang), why)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if lang == "ja" {
				fmt.Printf("\n%d 条中 %d 条をチェックで検証します。\n", len(checks.Articles), covered)
			} else {
				fmt.Printf("\n%d of %d articles are evidenced by checks.\n", covered, len(checks.Articles))
			}
			return nil
		},
	}
}

// articleLabel writes an article number the way the standard cites it:
// "59" is 第59条 and "44の2" (an article inserted after 44) is 第44条の2.
func articleLabel(n, lang string) string {
	if lang == "ja" {
		if base, sub, ok := strings.Cut(n, "の"); ok {
			return "第" + base + "条の" + sub
		}
		return "第" + n + "条"
	}
	return "Art. " + n
}

// coverage tells a covered article from one a network scan could evidence
// but this build has no check for (a gap to close), and from one out of
// reach (physical, organisational), which is no gap of the scanner.
func coverage(a checks.Article, hasChecks bool, lang string) (state, why string) {
	switch {
	case hasChecks:
		return map[string]string{"ja": "検証", "en": "covered"}[lang], ""
	case a.Reach == "network" || a.Reach == "partial":
		return map[string]string{"ja": "未実装", "en": "no check"}[lang], a.Why.Lang(lang)
	}
	return map[string]string{"ja": "対象外", "en": "out of reach"}[lang], a.Why.Lang(lang)
}
