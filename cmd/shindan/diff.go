package main

import (
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/urfave/cli/v2"

	"shindan/reports"
)

func diffCommand() *cli.Command {
	return &cli.Command{
		Name:      "diff",
		Usage:     "show drift between two scans: new and resolved findings, new and gone services",
		ArgsUsage: "OLD.json NEW.json",
		Description: "Findings are matched per subject by their stable IDs (check, target, subject),\n" +
			"so a grouped report diffs against an older ungrouped one; services by host, protocol\n" +
			"and port. Exit status 1 when NEW has a fail or warn that OLD did not.\n" +
			"Reports above 256 MiB are refused (the limit bounds memory on hostile input).",
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return usageErr("diff needs OLD.json and NEW.json")
			}
			old, err := loadReport(c.Args().Get(0))
			if err != nil {
				return usageErr("%v", err)
			}
			cur, err := loadReport(c.Args().Get(1))
			if err != nil {
				return usageErr("%v", err)
			}
			if worse := diffReports(os.Stdout, old, cur); worse {
				return cli.Exit("", exitFindings)
			}
			return nil
		},
	}
}

func bad(s string) bool { return s == "fail" || s == "warn" }

// subjectSuffix names the subject inside the target, " [TLS_RSA_...]".
func subjectSuffix(f reports.Finding) string {
	if f.Subject == "" {
		return ""
	}
	return " [" + f.Subject + "]"
}

// diffReports prints the drift and reports whether NEW got worse.
func diffReports(w io.Writer, old, cur *reports.Report) (worse bool) {
	oldF, curF := reports.Flatten(old.Findings), reports.Flatten(cur.Findings)
	before := map[string]reports.Finding{}
	for _, f := range oldF {
		before[f.ID] = f
	}
	after := map[string]reports.Finding{}
	for _, f := range curF {
		after[f.ID] = f
		o, seen := before[f.ID]
		switch {
		case !seen && bad(f.Status):
			worse = true
			fmt.Fprintf(w, "+ %-5s %-8s %s %s%s %s\n", f.Status, f.Severity, f.Check, f.Target, subjectSuffix(f), f.Title.Lang("en"))
		case seen && o.Status != f.Status:
			if bad(f.Status) && !bad(o.Status) {
				worse = true
			}
			fmt.Fprintf(w, "~ %s→%s %s %s%s\n", o.Status, f.Status, f.Check, f.Target, subjectSuffix(f))
		}
	}
	for _, f := range oldF {
		if _, still := after[f.ID]; !still && bad(f.Status) {
			fmt.Fprintf(w, "- %-5s %-8s %s %s%s (no longer reported)\n", f.Status, f.Severity, f.Check, f.Target, subjectSuffix(f))
		}
	}
	svc := func(r *reports.Report) map[string]string {
		m := map[string]string{}
		for _, a := range r.Assets {
			for _, s := range a.Services {
				m[fmt.Sprintf("%s %s/%d", a.Host, s.Proto, s.Port)] = s.Service
			}
		}
		return m
	}
	so, sn := svc(old), svc(cur)
	var keys []string
	for k := range sn {
		keys = append(keys, k)
	}
	for k := range so {
		if _, ok := sn[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		_, inOld := so[k]
		name, inNew := sn[k]
		switch {
		case inNew && !inOld:
			fmt.Fprintf(w, "+ service %s %s\n", k, name)
		case inOld && !inNew:
			fmt.Fprintf(w, "- service %s %s\n", k, so[k])
		}
	}
	return worse
}
