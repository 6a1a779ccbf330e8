package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/urfave/cli/v2"

	"shindan/checks"
	"shindan/internal/drift"
	"shindan/internal/engine"
	"shindan/internal/store"
	"shindan/internal/sweep"
)

func sweepCommand() *cli.Command {
	flags := []cli.Flag{
		storeFlag(),
		&cli.DurationFlag{Name: "every", Usage: "run every `DURATION` (e.g. 24h), the first run at once"},
		&cli.StringFlag{Name: "cron", Usage: "run at the times of a five-field cron `SPEC` (minute hour day month weekday, local time), e.g. \"0 3 * * *\""},
		&cli.IntFlag{Name: "runs", Usage: "stop after `N` runs (0 = keep running until SIGTERM)"},
		&cli.StringFlag{Name: "webhook", Usage: "POST drift events as JSON to `URL` (retried with backoff)"},
		&cli.StringFlag{Name: "webhook-secret", EnvVars: []string{"SHINDAN_WEBHOOK_SECRET"}, Usage: "sign webhook bodies with HMAC-SHA256 under `SECRET` (header X-Shindan-Signature: sha256=<hex>); prefer the environment variable"},
		&cli.StringFlag{Name: "jsonl", Usage: "append drift events, one JSON object per line, to `FILE`"},
		&cli.StringFlag{Name: "smtp", Usage: "mail drift events through the SMTP server `HOST:PORT` (STARTTLS when offered)"},
		&cli.StringFlag{Name: "smtp-tls-name", Usage: "`NAME` the SMTP server's certificate must carry (default: the host of --smtp)"},
		&cli.StringFlag{Name: "smtp-ca-file", Usage: "trust anchors (`PEM`) for the SMTP server's certificate"},
		&cli.StringFlag{Name: "mail-from", Value: "shindan@localhost", Usage: "sender `ADDRESS` of drift mail"},
		&cli.StringSliceFlag{Name: "mail-to", Usage: "recipient `ADDRESS` of drift mail (repeatable)"},
		&cli.BoolFlag{Name: "heartbeat", Usage: "also notify after a run without drift"},
		// A sweep writes no report files: the store holds every run
		// ('shindan report SCAN-ID' renders one).
		&cli.StringFlag{Name: "output", Value: "-", Hidden: true},
		&cli.StringFlag{Name: "format", Value: "json", Hidden: true},
		&cli.BoolFlag{Name: "force", Hidden: true},
	}
	for _, f := range scanCommand().Flags {
		name := f.Names()[0]
		if !slices.Contains([]string{"store", "baseline", "output", "format", "force", "fail-on", "no-progress", "profile"}, name) {
			flags = append(flags, f)
		}
	}
	flags = append(flags, &cli.StringFlag{Name: "profile", Value: "sweep", Usage: "`PROFILE`: sweep (default), external, prelaunch or segment"},
		&cli.StringFlag{Name: "fail-on", Value: "none", Hidden: true}, &cli.BoolFlag{Name: "no-progress", Value: true, Hidden: true})
	return &cli.Command{
		Name:      "sweep",
		Usage:     "scan on a schedule into the history store and alert on drift",
		ArgsUsage: "[TARGET...]",
		Description: "Runs the same scan --every DURATION or on --cron SPEC, one run at a time, and keeps\n" +
			"running. A slot missed while a run was busy runs once, right after it. SIGTERM ends the\n" +
			"current scan cleanly (stored, marked incomplete) and the sweep. After each complete run\n" +
			"the scan is compared with the previous complete one of the same targets and profile:\n" +
			"new host, new open port, port closed, new service or version, IPv6 on an IPv4-only\n" +
			"segment, new router advertisement, certificate expiring within the policy's threshold,\n" +
			"and verdict regressions go to --webhook, --jsonl and mail (--smtp, --mail-to), or to the\n" +
			"channels of the --policy file's notify: section (webhook: url, secret_env, retries; jsonl;\n" +
			"mail: smtp, from, to, tls_name, ca_file; heartbeat); a flag replaces the policy's channel\n" +
			"of the same kind. A run without drift sends nothing unless --heartbeat (or notify.heartbeat).\n" +
			"Scan flags are those of 'shindan scan'.\n\n" +
			"  shindan sweep --every 24h --profile sweep --jsonl /var/log/shindan/drift.jsonl 198.51.100.0/24\n" +
			"  shindan sweep --cron '0 3 * * *' --webhook https://hooks.example/shindan -f targets.txt",
		Flags:  flags,
		Action: runSweep,
	}
}

func runSweep(c *cli.Context) error {
	var sched sweep.Schedule
	switch every, spec := c.Duration("every"), c.String("cron"); {
	case every > 0 && spec != "":
		return usageErr("--every and --cron exclude each other")
	case every > 0:
		if every < time.Second {
			return usageErr("--every %v: at least 1s", every)
		}
		sched = sweep.Every(every)
	case spec != "":
		cr, err := sweep.ParseCron(spec)
		if err != nil {
			return usageErr("--cron: %v", err)
		}
		sched = cr
	default:
		return usageErr("sweep needs --every DURATION or --cron SPEC")
	}
	opts, err := scanOptions(c) // every scan flag checked before the first run
	if err != nil {
		return err
	}
	notifiers, heartbeat, err := sweepNotifiers(c, opts.cfg.Policy)
	if err != nil {
		return err
	}
	level := new(slog.LevelVar)
	if err := level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
		return usageErr("--log-level: %v", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	st, err := openStore(context.WithoutCancel(c.Context), c.String("store"))
	if err != nil {
		return err
	}
	defer st.Close()
	loop := &sweep.Loop{Schedule: sched, Immediately: c.Duration("every") > 0, MaxRuns: c.Int("runs"),
		OnMissed: func(n int, slot time.Time) {
			log.Warn("sweep: slots missed while a run was busy; catching up once", "missed", n, "slot", slot)
		},
		Run: func(ctx context.Context, slot time.Time) error {
			return sweepRun(ctx, c, st, notifiers, heartbeat, log)
		}}
	log.Info("sweep: started", "schedule", sched.String(), "store", st.Name())
	if err := loop.Start(c.Context); err != nil {
		return err
	}
	if c.Context.Err() != nil {
		log.Info("sweep: stopped by signal")
	}
	return nil
}

// sweepRun is one scheduled scan: scan into the store, compare with the
// previous complete scan, store and send the drift events.
func sweepRun(ctx context.Context, c *cli.Context, st *store.Store, notifiers []drift.Notifier, heartbeat bool, log *slog.Logger) error {
	opts, err := scanOptions(c)
	if err != nil {
		return err
	}
	opts.cfg.Log = log
	opts.cfg.Sinks = append(opts.cfg.Sinks, st.Sink(store.Config{Ports: opts.ports}))
	r, err := engine.Run(ctx, opts.cfg)
	if err != nil {
		return cli.Exit(err.Error(), exitError)
	}
	bg := context.WithoutCancel(ctx)
	if !r.Scan.Complete {
		// A partial scan would read as ports closed and hosts gone.
		log.Warn("sweep: scan incomplete; stored, not compared", "scan", r.Scan.ID, "reason", r.Scan.InterruptedReason)
		return nil
	}
	b := &drift.Batch{Scan: r.Scan.ID, At: time.Now().UTC(), Complete: true, Heartbeat: heartbeat, Events: []drift.Event{}}
	prevID, err := st.Resolve(bg, "latest", &r.Scan)
	switch {
	case errors.Is(err, store.ErrNotFound):
		log.Info("sweep: first scan of these targets; it is the baseline of the next", "scan", r.Scan.ID)
	case err != nil:
		return cli.Exit(err.Error(), exitError)
	default:
		prev, err := st.Side(bg, prevID)
		if err != nil {
			return cli.Exit(err.Error(), exitError)
		}
		d, err := drift.CompareSides(bg, prev, drift.ReportSide(r), drift.Options{Policy: opts.cfg.Policy})
		if err != nil {
			return cli.Exit(err.Error(), exitError)
		}
		b.PrevScan = prevID
		b.Events = drift.Events(d, b.At)
		if b.Events == nil {
			b.Events = []drift.Event{}
		}
		if err := st.SaveEvents(bg, r.Scan.ID, b.Events); err != nil {
			return cli.Exit(err.Error(), exitError)
		}
	}
	fmt.Printf("%s\t%s\t%s\n", r.Scan.ID, b.PrevScan, checks.Count(len(b.Events), "drift event", "drift events"))
	if len(b.Events) == 0 && !b.Heartbeat {
		return nil
	}
	for _, n := range notifiers {
		// A failed delivery is logged, and the sweep goes on: the
		// events are in the store and the next run must not be lost.
		if err := n.Notify(bg, b); err != nil {
			log.Error("sweep: notification failed", "to", n.Name(), "err", err)
		}
	}
	return nil
}

// sweepNotifiers builds the alert channels from the policy's notify:
// section, each replaced by the flags that name the same channel
// (--webhook, --jsonl, --smtp/--mail-to).
func sweepNotifiers(c *cli.Context, pol *checks.Policy) ([]drift.Notifier, bool, error) {
	var err error
	var pn checks.Notify
	if pol != nil && pol.Notify != nil {
		pn = *pol.Notify
	}
	heartbeat := c.Bool("heartbeat") || pn.Heartbeat
	var out []drift.Notifier
	switch u := c.String("webhook"); {
	case u != "":
		if err := checks.CheckWebhookURL("--webhook", u); err != nil {
			return nil, false, usageErr("%v", err)
		}
		out = append(out, &drift.Webhook{URL: u, Secret: c.String("webhook-secret")})
	case pn.Webhook != nil:
		w := &drift.Webhook{URL: pn.Webhook.URL, Attempts: pn.Webhook.Retries + 1, Secret: c.String("webhook-secret")}
		if env := pn.Webhook.SecretEnv; env != "" && w.Secret == "" {
			v, ok := os.LookupEnv(env)
			if !ok || v == "" {
				return nil, false, usageErr("policy notify.webhook.secret_env: the environment variable %s is not set", env)
			}
			w.Secret = v
		}
		out = append(out, w)
	}
	jsonl := c.String("jsonl")
	if jsonl == "" {
		jsonl = pn.JSONL
	}
	if jsonl != "" {
		if err := checks.ControlFree("--jsonl", jsonl); err != nil {
			return nil, false, usageErr("%v", err)
		}
		out = append(out, &drift.JSONL{Path: jsonl})
	}
	to := c.StringSlice("mail-to")
	var m *drift.Mail
	switch srv := c.String("smtp"); {
	case srv != "" || len(to) > 0:
		if srv == "" || len(to) == 0 {
			return nil, false, usageErr("mail needs both --smtp HOST:PORT and --mail-to ADDRESS")
		}
		if err := checks.CheckHostPort("--smtp", srv); err != nil {
			return nil, false, usageErr("%v", err)
		}
		m = &drift.Mail{Server: srv, ServerName: c.String("smtp-tls-name"), From: c.String("mail-from"), To: to}
		for _, a := range append([]string{m.From}, to...) {
			if err := checks.CheckMailAddress("mail address", a); err != nil {
				return nil, false, usageErr("%v", err)
			}
		}
		if f := c.String("smtp-ca-file"); f != "" {
			if m.RootCAs, err = loadCAPool("--smtp-ca-file", f); err != nil {
				return nil, false, err
			}
		}
	case pn.Mail != nil:
		pm := pn.Mail
		m = &drift.Mail{Server: pm.SMTP, ServerName: pm.TLSName, From: pm.From, To: pm.To}
		if c.IsSet("mail-from") {
			m.From = c.String("mail-from")
		}
		if pm.CAFile != "" {
			if m.RootCAs, err = loadCAPool("policy notify.mail.ca_file", pm.CAFile); err != nil {
				return nil, false, err
			}
		}
	}
	if m != nil {
		if err := checks.ControlFree("--helo", c.String("helo")); err != nil {
			return nil, false, usageErr("%v", err)
		}
		m.Helo = c.String("helo")
		out = append(out, m)
	}
	return out, heartbeat, nil
}

func loadCAPool(what, file string) (*x509.CertPool, error) {
	pool, err := loadCAs(file)
	if err != nil {
		return nil, usageErr("%s: %v", what, err)
	}
	return pool, nil
}
