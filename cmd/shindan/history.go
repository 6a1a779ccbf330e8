package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"shindan/internal/store"
)

func historyCommand() *cli.Command {
	return &cli.Command{
		Name:  "history",
		Usage: "list the scans in the history store, newest first",
		Description: "  shindan history --target 198.51.100. --profile sweep --since 2026-11-01\n" +
			"  shindan history --format json --limit 10",
		Flags: []cli.Flag{
			storeFlag(),
			&cli.StringFlag{Name: "target", Usage: "only scans whose targets contain `TEXT`"},
			&cli.StringFlag{Name: "profile", Usage: "only scans of `PROFILE`"},
			&cli.StringFlag{Name: "since", Usage: "only scans started at or after `DATE` (YYYY-MM-DD or RFC 3339)"},
			&cli.StringFlag{Name: "until", Usage: "only scans started before `DATE` (YYYY-MM-DD or RFC 3339)"},
			&cli.IntFlag{Name: "limit", Usage: "at most `N` scans (0 = all)"},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "`FORMAT`: text or json"},
			reportLangFlag(),
		},
		Action: func(c *cli.Context) error {
			f := store.Filter{Target: c.String("target"), Profile: c.String("profile"), Limit: c.Int("limit")}
			var err error
			if f.Since, err = parseDate(c.String("since"), "--since"); err != nil {
				return err
			}
			if f.Until, err = parseDate(c.String("until"), "--until"); err != nil {
				return err
			}
			format, lang := c.String("format"), c.String("lang")
			if format != "text" && format != "json" {
				return usageErr("--format: %q is not text or json", format)
			}
			if err := checkLang(c); err != nil {
				return err
			}
			lang = c.String("lang")
			ctx := context.WithoutCancel(c.Context)
			st, err := openStore(ctx, c.String("store"))
			if err != nil {
				return err
			}
			defer st.Close()
			scans, err := st.History(ctx, f)
			if err != nil {
				return cli.Exit(err.Error(), exitError)
			}
			if format == "json" {
				if scans == nil {
					scans = []store.ScanInfo{}
				}
				enc := json.NewEncoder(os.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(scans)
			}
			tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
			if lang == "ja" {
				fmt.Fprintln(tw, "スキャンID\t開始 (UTC)\tプロファイル\t完了\tホスト\t不適合\t要注意\t判定不能\t適合\t対象")
			} else {
				fmt.Fprintln(tw, "SCAN ID\tSTARTED (UTC)\tPROFILE\tCOMPLETE\tHOSTS\tFAIL\tWARN\tERROR\tPASS\tTARGETS")
			}
			for _, s := range scans {
				done := "yes"
				if !s.Complete {
					done = "no"
				}
				if lang == "ja" {
					done = map[bool]string{true: "済", false: "中断"}[s.Complete]
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", s.ID, s.StartedAt.Format("2006-01-02 15:04:05"), s.Profile, done,
					s.Hosts, s.ByStatus["fail"], s.ByStatus["warn"], s.ByStatus["error"], s.ByStatus["pass"], clip(s.Targets, 60))
			}
			return tw.Flush()
		},
	}
}

func parseDate(v, flag string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, usageErr("%s: %q is not YYYY-MM-DD or an RFC 3339 time", flag, v)
	}
	return t, nil
}

func clip(s string, n int) string {
	r := []rune(strings.ReplaceAll(s, "\n", " "))
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
