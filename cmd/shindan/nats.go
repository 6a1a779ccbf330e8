package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"shindan/internal/dist"
	"shindan/internal/scope"
)

// The --nats flags of scan: the same scan, its hosts run by workers.
var (
	natsFlag        = &cli.StringFlag{Name: "nats", Usage: "distribute the scan over workers ('shindan worker') through the NATS JetStream server at `URL`; 'embedded' starts one in this process (on 127.0.0.1, a random port) with --nats-workers workers"}
	natsWorkersFlag = &cli.IntFlag{Name: "nats-workers", Usage: "workers run in this process (`N`); default 1 with --nats embedded, 0 otherwise"}
	natsBlockFlag   = &cli.IntFlag{Name: "nats-block", Value: dist.BlockSize, Usage: "most addresses of a CIDR or range per work unit (`N`, 1-4096); named hosts are a unit each"}
	natsAckWaitFlag = &cli.DurationFlag{Name: "nats-ack-wait", Value: dist.DefaultAckWait, Usage: "how long a unit may go without a worker's heartbeat before another worker gets it (`DURATION`)"}
)

// setupNATS turns the scan into a distributed one when --nats is given:
// the engine hands its hosts to a dist.Coordinator. The returned stop
// ends the embedded server and in-process workers after the scan.
func setupNATS(c *cli.Context, o *scanOpts, bar *progressBar) (stop func(), err error) {
	url := c.String("nats")
	if url == "" {
		return func() {}, nil
	}
	if len(c.StringSlice("vuln-feed")) > 0 {
		return nil, usageErr("--vuln-feed: not available with --nats yet (workers would need the feed files)")
	}
	if b := c.Int("nats-block"); b < 1 || b > 4096 {
		return nil, usageErr("--nats-block: %d is not between 1 and 4096", b)
	}
	if c.Duration("nats-ack-wait") < time.Second {
		return nil, usageErr("--nats-ack-wait: at least 1s (heartbeats go every third of it)")
	}
	if c.Int("nats-workers") < 0 {
		return nil, usageErr("--nats-workers must be ≥ 0")
	}
	cfg := &o.cfg
	sc := dist.ScanConfig{
		Scan: cfg.ScanID, Profile: cfg.Profile, Ports: o.ports, Settings: cfg.Settings,
		Rate: cfg.Rate, Concurrency: cfg.Concurrency, HostProbes: cfg.HostProbes, Hosts: cfg.Hosts,
		Timeout: cfg.Timeout, ConnectTimeout: cfg.ConnectTimeout, HostTimeout: cfg.HostTimeout,
		NoPing: cfg.NoPing, Retries: cfg.Retries, ScanType: cfg.ScanType, ToolVersion: cfg.ToolVersion,
	}
	sc.Settings.RootCAs = nil
	for _, ch := range cfg.Checks {
		sc.Checks = append(sc.Checks, ch.Info().ID)
	}
	if f := c.String("policy"); f != "" {
		if sc.Policy, err = os.ReadFile(f); err != nil {
			return nil, usageErr("--policy: %v", err)
		}
		sc.PolicyName = f
	}
	if f := c.String("ca-file"); f != "" {
		if sc.CAPEM, err = os.ReadFile(f); err != nil {
			return nil, usageErr("--ca-file: %v", err)
		}
	}
	// A resumed scan gets subjects of its own (cfg.ScanID is new per run):
	// results left from the interrupted run must not answer its units.
	var stops []func()
	stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	workers := c.Int("nats-workers")
	if url == "embedded" {
		emb, err := dist.StartEmbedded()
		if err != nil {
			return nil, cli.Exit(err.Error(), exitError)
		}
		stops = append(stops, emb.Close)
		url = emb.URL()
		if !c.IsSet("nats-workers") {
			workers = 1
		}
		fmt.Fprintf(os.Stderr, "shindan: embedded NATS server at %s (workers elsewhere: shindan worker --nats %s)\n", url, url)
	}
	coord := &dist.Coordinator{URL: url, Config: sc, AckWait: c.Duration("nats-ack-wait"), BlockSize: c.Int("nats-block"), Log: cfg.Log}
	cfg.Dist.Remote = coord
	// The coordinator's own probes (domains, segment) spend the shared
	// budget too, so workers and coordinator together keep --rate.
	cfg.Rate = 0
	prev := cfg.Guard
	cfg.Guard = func(g *scope.Guard) {
		g.Lease = coord.Spend
		if prev != nil {
			prev(g)
		}
	}
	if bar != nil {
		bar.extra = coord.Status
	}
	if workers > 0 {
		ctx, cancel := context.WithCancel(context.WithoutCancel(c.Context))
		var wg sync.WaitGroup
		for i := range workers {
			w := &dist.Worker{URL: url, Name: fmt.Sprintf("local-%d", i+1), Log: cfg.Log.With("worker", i+1)}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := w.Run(ctx); err != nil {
					cfg.Log.Error("in-process worker", "err", err)
				}
			}()
		}
		stops = append(stops, func() {
			cancel()
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cfg.Log.Warn("in-process workers did not stop within 10s")
			}
		})
	}
	return stop, nil
}

func workerCommand() *cli.Command {
	return &cli.Command{
		Name:  "worker",
		Usage: "run the units of distributed scans (shindan scan --nats) from a NATS JetStream server",
		Description: "A worker pulls work units (a host with its probes, or a block of a sweep) from the\n" +
			"server's work queue, runs them under the scan's scope (it refuses hosts outside it and\n" +
			"reports them) and its share of the scan's --rate, and publishes the results. Units of\n" +
			"a worker that dies are redelivered to another after the ack wait.\n\n" +
			"Example:\n  shindan worker --nats nats://10.0.0.5:4222 --name dmz-1 --rate 2000",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "nats", Required: true, Usage: "NATS server `URL`"},
			&cli.StringFlag{Name: "name", Usage: "worker `NAME` in reports (default host name and process ID)"},
			&cli.IntFlag{Name: "rate", Usage: "this worker's own ceiling of connections and packets per `SECOND` (0 = only the scan's --rate share)"},
			&cli.IntFlag{Name: "units", Value: dist.DefaultUnits, Usage: "work units run at once (`N`); --rate holds for all of them together"},
			&cli.StringFlag{Name: "log-level", Value: "info", Usage: "`LEVEL`: debug, info, warn, error"},
		},
		Action: func(c *cli.Context) error {
			level := new(slog.LevelVar)
			if err := level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
				return usageErr("--log-level: %v", err)
			}
			if c.Int("rate") < 0 || c.Int("units") < 1 {
				return usageErr("--rate must be ≥ 0 and --units ≥ 1")
			}
			w := &dist.Worker{URL: c.String("nats"), Name: c.String("name"), Rate: c.Int("rate"), Units: c.Int("units"),
				Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))}
			if err := w.Run(c.Context); err != nil {
				return cli.Exit(err.Error(), exitError)
			}
			return nil
		},
		OnUsageError: onUsageError,
	}
}
