package main

import (
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/urfave/cli/v2"

	"shindan/reports"
	"shindan/reports/render"
)

func loadReport(path string) (*reports.Report, error) {
	b, err := os.ReadFile(path)
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
		Usage:     "re-render a stored JSON report in another format or language",
		ArgsUsage: "SCAN.json",
		Description: "The JSON report is the source of truth; this renders it again, e.g.\n" +
			"  shindan report out/x/report.json --format html --lang en -o report-en.html",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Value: "html", Usage: "`FORMAT`: json, html, md, csv, sarif"},
			&cli.StringFlag{Name: "lang", Value: "ja", Usage: "`LANGUAGE`: ja or en"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "output `FILE` (default: standard output)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageErr("report needs exactly one SCAN.json")
			}
			r, err := loadReport(c.Args().First())
			if err != nil {
				return usageErr("%v", err)
			}
			if !slices.Contains(render.Langs, c.String("lang")) {
				return usageErr("--lang: %q is not ja or en", c.String("lang"))
			}
			w, err := render.Writer(c.String("format"), c.String("lang"))
			if err != nil {
				return usageErr("--format: %v", err)
			}
			if out := c.String("output"); out != "" {
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
