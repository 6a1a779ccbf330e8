package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"shindan/internal/drift"
	"shindan/internal/store"
	"shindan/reports"
)

// storeFlag is --store on the commands that read history; its default is
// the per-user SQLite file.
func storeFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "store", EnvVars: []string{"SHINDAN_STORE"}, Value: store.DefaultPath(),
		Usage: "history store `DSN`: an SQLite file path, or postgres://user:pass@host/db for a shared PostgreSQL store"}
}

// scanStoreFlag is --store on scan: a scan is stored only when asked.
func scanStoreFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "store", EnvVars: []string{"SHINDAN_STORE"},
		Usage: "also write the scan, while it runs, into the history store `DSN` (an SQLite file path, 'default' for " +
			store.DefaultPath() + ", or postgres://user:pass@host/db)"}
}

func storeDSN(v string) string {
	if v == "default" {
		return store.DefaultPath()
	}
	return v
}

// openStore opens the store; every failure (corrupt file, newer schema,
// unreachable server, refused login) is exit status 2.
func openStore(ctx context.Context, dsn string) (*store.Store, error) {
	s, err := store.Open(ctx, storeDSN(dsn))
	if err != nil {
		return nil, cli.Exit(err.Error(), exitError)
	}
	return s, nil
}

// isReportFile tells a report file argument from a scan ID.
func isReportFile(arg string) bool {
	st, err := os.Stat(arg)
	return err == nil && !st.IsDir()
}

// loadScan reads a report from a file, or from the store by scan ID
// ("latest" = the newest complete scan).
func loadScan(ctx context.Context, c *cli.Context, arg string, st **store.Store) (*reports.Report, store.Config, error) {
	if isReportFile(arg) {
		r, err := loadReport(arg)
		if err != nil {
			return nil, store.Config{}, usageErr("%v", err)
		}
		return r, store.Config{}, nil
	}
	if *st == nil {
		s, err := openStore(ctx, c.String("store"))
		if err != nil {
			return nil, store.Config{}, err
		}
		*st = s
	}
	id, err := (*st).Resolve(ctx, arg, nil)
	if err != nil {
		return nil, store.Config{}, storeErr(err, arg)
	}
	r, cfg, err := (*st).Report(ctx, id)
	if err != nil {
		return nil, store.Config{}, storeErr(err, arg)
	}
	return r, cfg, nil
}

func storeErr(err error, arg string) error {
	if errors.Is(err, store.ErrNotFound) {
		return cli.Exit(fmt.Sprintf("%v (not a file either: %s)", err, arg), exitError)
	}
	return cli.Exit(err.Error(), exitError)
}

// applyBaseline marks r against the baseline reference (an ID, "latest"
// or a report file).
func applyBaseline(ctx context.Context, st *store.Store, r *reports.Report, ref string, cov drift.Coverage) error {
	var base *reports.Report
	if isReportFile(ref) {
		b, err := loadReport(ref)
		if err != nil {
			return usageErr("--baseline: %v", err)
		}
		base = b
	} else {
		if st == nil {
			return usageErr("--baseline %s needs a store (--store)", ref)
		}
		id, err := st.Resolve(ctx, ref, &r.Scan)
		if errors.Is(err, store.ErrNotFound) && ref == "latest" {
			// The first scan of a series has nothing to compare with; its
			// reports are still written.
			fmt.Fprintln(os.Stderr, "shindan: --baseline latest: no earlier complete scan of these targets and profile; no comparison")
			return nil
		}
		if err != nil {
			return cli.Exit("--baseline: "+err.Error(), exitError)
		}
		if base, _, err = st.Report(ctx, id); err != nil {
			return cli.Exit("--baseline: "+err.Error(), exitError)
		}
	}
	drift.Mark(r, base, cov)
	return nil
}

func baselineFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "baseline", Usage: "compare with an earlier scan: `SCAN-ID`, 'latest' (the newest complete scan of the same targets and profile in the store) or a report file; marks findings new, unchanged, fixed or not-tested"}
}

// scanStore opens the store of scan --store (or of --baseline) and adds
// its sink to the scan, so findings are stored while the scan runs.
func scanStore(c *cli.Context, o *scanOpts) (*store.Store, error) {
	dsn := c.String("store")
	ref := c.String("baseline")
	if dsn == "" && ref != "" && !isReportFile(ref) {
		dsn = "default"
	}
	if dsn == "" {
		return nil, nil
	}
	st, err := openStore(c.Context, dsn)
	if err != nil {
		return nil, err
	}
	if c.String("store") != "" {
		sink := st.Sink(store.Config{Ports: o.ports})
		if o.cfg.Resume != nil {
			sink.Resuming() // the interrupted run stored the scan already
		}
		o.cfg.Sinks = append(o.cfg.Sinks, sink)
	}
	return st, nil
}

// resumeFromStore continues an interrupted stored scan (scan --store DSN
// --resume SCAN-ID) from the store's record of its finished hosts, when
// there is no --format jsonl stream to read it from.
func (o *scanOpts) resumeFromStore(c *cli.Context) error {
	ref := c.String("resume")
	if ref == "" || o.jsonl || c.String("store") == "" {
		return nil
	}
	ctx := context.WithoutCancel(c.Context)
	st, err := openStore(ctx, c.String("store"))
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := st.ResumeState(ctx, ref)
	if err != nil {
		return cli.Exit("--resume: "+err.Error(), exitError)
	}
	o.cfg.Resume, o.cfg.ScanID = r, r.ScanID
	return nil
}

func scanBaseline(c *cli.Context, st *store.Store, r *reports.Report, o *scanOpts) error {
	ref := c.String("baseline")
	if ref == "" {
		return nil
	}
	return applyBaseline(context.WithoutCancel(c.Context), st, r, ref, drift.Coverage{Ports: o.ports})
}

// reportFromArgs loads report's argument (a file or a stored scan) and
// applies --baseline.
func reportFromArgs(c *cli.Context) (*reports.Report, error) {
	ctx := context.WithoutCancel(c.Context)
	var st *store.Store
	defer func() {
		if st != nil {
			st.Close()
		}
	}()
	r, cfg, err := loadScan(ctx, c, c.Args().First(), &st)
	if err != nil {
		return nil, err
	}
	if ref := c.String("baseline"); ref != "" {
		if st == nil && !isReportFile(ref) {
			if st, err = openStore(ctx, c.String("store")); err != nil {
				return nil, err
			}
		}
		if err := applyBaseline(ctx, st, r, ref, drift.Coverage{Ports: cfg.Ports}); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// historyCommands are the commands over the history store.
func historyCommands() []*cli.Command {
	return []*cli.Command{importCommand(), historyCommand(), sweepCommand(), serveCommand()}
}
