package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"shindan/reports"
	"shindan/reports/render"
)

func loadReport(path string) (*reports.Report, error) {
	b, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	r, err := reports.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

func reportCommand() *cli.Command {
	return &cli.Command{
		Name:      "report",
		Usage:     "render a report file, or a scan of the history store, in another format or language",
		ArgsUsage: "SCAN.json|SCAN-ID",
		Description: "The JSON report is the source of truth; this renders it again, e.g.\n" +
			"  shindan report out/x/report.json --format html --lang en -o report-en.html\n" +
			"  shindan report latest --store shindan.db --baseline 20261101T030000Z-1a2b --format json\n" +
			"  shindan report out/x/report.json --format pdf -o report.pdf   (needs chromium)\n" +
			"  shindan report out/x/report.json --split tickets/             (one Markdown file per fail/warn)\n" +
			"Reports above 256 MiB are refused (the limit bounds memory on hostile input).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Value: "html", Usage: "`FORMAT`: " + strings.Join(render.Formats, ", ")},
			reportLangFlag(),
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "output `FILE` ('-' or none: standard output)"},
			&cli.BoolFlag{Name: "force", Usage: "overwrite an existing output file"},
			storeFlag(),
			baselineFlag(),
			splitFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageErr("report needs exactly one SCAN.json or SCAN-ID")
			}
			r, err := reportFromArgs(c)
			if err != nil {
				return err
			}
			if err := checkLang(c); err != nil {
				return err
			}
			if dir := c.String("split"); dir != "" {
				return writeSplit(c, r, dir)
			}
			w, err := render.Writer(c.String("format"), c.String("lang"))
			if err != nil {
				return usageErr("--format: %v", err)
			}
			if err := checkFormatTools([]string{c.String("format")}); err != nil {
				return err
			}
			if out := c.String("output"); out != "" && out != "-" {
				if _, err := os.Stat(out); err == nil && !c.Bool("force") {
					return usageErr("%s exists; use --force to overwrite it", out)
				}
				if err := writeAtomic(out, func(f io.Writer) error { return w.Write(f, r) }); err != nil {
					return cli.Exit(err.Error(), exitError)
				}
				fmt.Println(out)
				return nil
			}
			return w.Write(os.Stdout, r)
		},
	}
}
