package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"shindan/reports"
	"shindan/reports/mdreport"
)

// splitFlag is --split of the report command: one Markdown file per
// fail and warn, to paste into a ticket tracker one finding at a time.
func splitFlag() cli.Flag {
	return &cli.StringFlag{Name: "split", Usage: "write one Markdown `DIR`/NNN-<check>-<target>.md per fail and warn (tickets) and DIR/index.md listing them, instead of one report"}
}

// writeSplit writes the Markdown tickets of r into dir. Existing files are
// kept unless force is set, as for single reports.
func writeSplit(c *cli.Context, r *reports.Report, dir string) error {
	if c.IsSet("format") && c.String("format") != "md" {
		return usageErr("--split writes Markdown tickets; --format %s does not split", c.String("format"))
	}
	if dir == "-" {
		return usageErr("--split needs a folder, not standard output")
	}
	tickets, err := (mdreport.Writer{Lang: c.String("lang")}).Tickets(r)
	if err != nil {
		return cli.Exit(err.Error(), exitError)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return cli.Exit(fmt.Sprintf("--split: %v", err), exitError)
	}
	if !c.Bool("force") {
		for _, t := range tickets {
			if p := filepath.Join(dir, t.Name); fileExists(p) {
				return usageErr("%s exists; use --force to overwrite it", p)
			}
		}
	}
	for _, t := range tickets {
		p := filepath.Join(dir, t.Name)
		if err := writeAtomic(p, func(w io.Writer) error { _, err := io.Copy(w, bytes.NewReader(t.Body)); return err }); err != nil {
			return cli.Exit(fmt.Sprintf("writing %s: %v", p, err), exitError)
		}
	}
	fmt.Println(filepath.Join(dir, mdreport.IndexName))
	return nil
}

// fileExists uses Lstat so that a symbolic link, even a dangling one,
// counts as an existing file that only --force may replace.
func fileExists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}
