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
			old, _, err := loadScan(ctx, c, c.Args().Get(0), &st)
			if err != nil {
				return err
			}
			cur, _, err := loadScan(ctx, c, c.Args().Get(1), &st)
			if err != nil {
				return err
			}
			if pol != nil {
				applyWaivers(cur, pol, time.Now())
			}
			d := drift.Compare(old, cur, drift.Options{Policy: pol})
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

// applyWaivers adds the policy's waivers to findings that carry none.
func applyWaivers(r *reports.Report, pol *checks.Policy, now time.Time) {
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.Waiver != nil {
			continue
		}
		if w := pol.WaiverFor(f.ID, f.Check, f.Target, now); w != nil {
			f.Waiver = &reports.Waiver{Reason: w.Reason, Until: w.Until.Format(time.DateOnly), By: w.By}
		}
	}
}
