package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"shindan/checks"
	"shindan/internal/store"
)

func importCommand() *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "load JSON reports into the history store",
		ArgsUsage: "REPORT.json...",
		Description: "Each report is stored under its scan ID. A scan ID already in the store is refused:\n" +
			"importing never overwrites history. Reports are read one finding at a time and stored in one\n" +
			"transaction each, so memory does not grow with the report and a bad report stores nothing.\n" +
			"Reports above 256 MiB are refused.",
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
				if err := importFile(ctx, st, p); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// importFile streams one report file into the store.
func importFile(ctx context.Context, st *store.Store, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return usageErr("%v", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return usageErr("%v", err)
	} else if !fi.Mode().IsRegular() {
		return usageErr("%s: not a regular file", path)
	} else if fi.Size() > MaxReportSize {
		return usageErr("%s: %d MiB is above the %d MiB report size limit", path, fi.Size()>>20, MaxReportSize>>20)
	}
	res, err := st.ImportStream(ctx, f, store.Config{})
	switch {
	case errors.Is(err, store.ErrExists):
		return cli.Exit(fmt.Sprintf("%s: the scan is already in the store (%v); nothing was changed", path, err), exitError)
	case store.IsDecodeError(err):
		return usageErr("%s: %v (nothing was stored)", path, err)
	case err != nil:
		return cli.Exit(fmt.Sprintf("%s: %v", path, err), exitError)
	}
	fmt.Printf("%s\t%s\t%s\n", res.ScanID, path, checks.Count(res.Findings, "finding", "findings"))
	return nil
}
