package main

import (
	"context"
	"encoding/json"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"shindan/checks"
	"shindan/internal/drift"
	"shindan/internal/store"
	"shindan/reports"
)

func diffCommand() *cli.Command {
	return &cli.Command{
		Name:      "diff",
		Usage:     "show drift between two scans: hosts, ports, services, versions, certificates, verdicts",
		ArgsUsage: "OLD NEW",
		Description: "OLD and NEW are report files or scan IDs of the store ('latest' = the newest complete\n" +
			"scan). Findings are matched by their stable IDs (check, target, subject), services by\n" +
			"host, protocol and port. Exit status 1 only when NEW has an unwaived verdict regression\n" +
			"at or above --fail-on; waivers come from the reports and from --policy.\n" +
			"Reports above 256 MiB are refused (the limit bounds memory on hostile input).\n\n" +
			"  shindan diff out/a/report.json out/b/report.json\n" +
			"  shindan diff --store postgres://scanner@db/shindan 20261101T030000Z-1a2b latest --format json",
		Flags: []cli.Flag{
			storeFlag(),
			&cli.StringFlag{Name: "format", Value: "text", Usage: "`FORMAT`: text or json"},
			reportLangFlag(),
			&cli.StringFlag{Name: "fail-on", Value: "high", Usage: "exit 1 on an unwaived regression at or above `SEVERITY` (critical, high, medium, low); 'none' never"},
			&cli.StringFlag{Name: "policy", Usage: "policy `FILE`: its waivers apply to NEW, its ipv4_only_segments to IPv6 drift"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return usageErr("diff needs OLD and NEW (report files or scan IDs)")
			}
			format, lang, failOn := c.String("format"), c.String("lang"), c.String("fail-on")
			if format != "text" && format != "json" {
				return usageErr("--format: %q is not text or json", format)
			}
			if err := checkLang(c); err != nil {
				return err
			}
			lang = c.String("lang")
			if failOn != "none" && reports.SeverityRank(failOn) == 0 {
				return usageErr("--fail-on: %q is not critical, high, medium, low or none", failOn)
			}
			var pol *checks.Policy
			if f := c.String("policy"); f != "" {
				p, err := checks.LoadPolicy(f)
				if err != nil {
					return usageErr("%v", err)
				}
				pol = p
			}
			ctx := context.WithoutCancel(c.Context)
			var st *store.Store
			defer func() {
				if st != nil {
					st.Close()
				}
			}()
			old, err := diffSide(ctx, c, c.Args().Get(0), &st)
			if err != nil {
				return err
			}
			cur, err := diffSide(ctx, c, c.Args().Get(1), &st)
			if err != nil {
				return err
			}
			opt := drift.Options{Policy: pol}
			if pol != nil {
				now := time.Now()
				opt.Waive = func(id, check, target string) bool { return pol.WaiverFor(id, check, target, now) != nil }
			}
			d, err := drift.CompareSides(ctx, old, cur, opt)
			if err != nil {
				return cli.Exit(err.Error(), exitError)
			}
			if format == "json" {
				enc := json.NewEncoder(os.Stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(d); err != nil {
					return cli.Exit(err.Error(), exitError)
				}
			} else if err := d.WriteText(os.Stdout, lang); err != nil {
				return cli.Exit(err.Error(), exitError)
			}
			if len(d.Regressions(failOn)) > 0 {
				return cli.Exit("", exitFindings)
			}
			return nil
		},
	}
}

// diffSide reads one side of a diff: a report file whole, or a stored
// scan streamed from the store's indexed rows.
func diffSide(ctx context.Context, c *cli.Context, arg string, st **store.Store) (drift.Side, error) {
	if isReportFile(arg) {
		r, err := loadReport(arg)
		if err != nil {
			return nil, usageErr("%v", err)
		}
		return drift.ReportSide(r), nil
	}
	if *st == nil {
		s, err := openStore(ctx, c.String("store"))
		if err != nil {
			return nil, err
		}
		*st = s
	}
	id, err := (*st).Resolve(ctx, arg, nil)
	if err != nil {
		return nil, storeErr(err, arg)
	}
	side, err := (*st).Side(ctx, id)
	if err != nil {
		return nil, storeErr(err, arg)
	}
	return side, nil
}
