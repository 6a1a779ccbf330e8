package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"shindan/internal/store"
)

func importCommand() *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "load JSON reports into the history store",
		ArgsUsage: "REPORT.json...",
		Description: "Each report is stored under its scan ID. A scan ID already in the store is refused:\n" +
			"importing never overwrites history.",
		Flags: []cli.Flag{storeFlag()},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageErr("import needs at least one REPORT.json")
			}
			ctx := context.WithoutCancel(c.Context)
			st, err := openStore(ctx, c.String("store"))
			if err != nil {
				return err
			}
			defer st.Close()
			for _, p := range c.Args().Slice() {
				r, err := loadReport(p)
				if err != nil {
					return usageErr("%v", err)
				}
				if err := st.Import(ctx, r, store.Config{}); err != nil {
					if errors.Is(err, store.ErrExists) {
						return cli.Exit(fmt.Sprintf("%s: scan %s is already in the store; nothing was changed", p, r.Scan.ID), exitError)
					}
					return cli.Exit(fmt.Sprintf("%s: %v", p, err), exitError)
				}
				fmt.Printf("%s\t%s\t%d findings\n", r.Scan.ID, p, len(r.Findings))
			}
			return nil
		},
	}
}
