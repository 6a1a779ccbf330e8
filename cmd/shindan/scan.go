package main

import (
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"shindan/checks"
	"shindan/internal/engine"
	"shindan/internal/targets"
	"shindan/reports/render"
	"shindan/scanners"
)

func scanCommand() *cli.Command {
	return &cli.Command{
		Name:      "scan",
		Usage:     "scan targets and write a diagnosis report",
		ArgsUsage: "[TARGET...]",
		Description: "TARGET is an IPv4/IPv6 address, a CIDR, a range (198.51.100.10-20), a host name,\n" +
			"a domain (expands to its MX, NS and www hosts), or a URL. Targets can also come from\n" +
			"-f FILE (one or more per line, # comments; '-' reads standard input).\n" +
			"Exclusions always win: an excluded address is never sent a packet.\n\n" +
			"Examples:\n" +
			"  shindan scan --profile external example.go.jp 198.51.100.0/24 -o out/\n" +
			"  shindan scan --checks 'smtp.*,mail.*' --format json -o mail.json mx.example.go.jp\n" +
			"  shindan scan --profile prelaunch --fail-on medium --format sarif -o scan.sarif 198.51.100.7",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "file", Aliases: []string{"f"}, Usage: "read targets from `FILE` ('-' = standard input)"},
			&cli.StringSliceFlag{Name: "exclude", Usage: "never probe `TARGET` (address, CIDR, range or name; repeatable, comma-separated)"},
			&cli.StringSliceFlag{Name: "exclude-file", Usage: "read exclusions from `FILE`"},
			&cli.StringFlag{Name: "profile", Value: "external", Usage: "`PROFILE`: external, prelaunch, sweep or segment"},
			&cli.StringFlag{Name: "checks", Usage: "check ID `GLOBS`, comma-separated, '-' to remove (default: the profile's)"},
			&cli.StringFlag{Name: "policy", Usage: "organisation policy `FILE` (YAML): allowed services, waivers, thresholds"},
			vulnFeedFlag,
			&cli.StringFlag{Name: "ports", Usage: "port `SPEC`: top100, top1000, extra, all, 22,80,8000-8100, U:53 (default: the profile's)"},
			&cli.IntFlag{Name: "rate", Value: 300000, Usage: "scan-wide hard ceiling of connections and packets per `SECOND` (0 = none); below it, the SYN scan starts at 20000/s, doubles every 1024 probes while the replies keep up and nothing is lost, and halves on loss, and timeouts follow each host's measured round trips"},
			&cli.IntFlag{Name: "concurrency", Value: 512, Usage: "connections in flight per host during port discovery (`N`)"},
			&cli.IntFlag{Name: "host-probes", Value: 4, Usage: "protocol probes in flight per host after discovery (`N`)"},
			&cli.IntFlag{Name: "hosts", Value: engine.DefaultHosts, Usage: "hosts scanned at once (`N`)"},
			&cli.DurationFlag{Name: "timeout", Value: 5 * time.Second, Usage: "per read/write `DURATION` of protocol probes"},
			&cli.DurationFlag{Name: "connect-timeout", Value: 1500 * time.Millisecond, Usage: "per connection attempt `DURATION` during discovery"},
			&cli.BoolFlag{Name: "no-ping", Usage: "scan every address of CIDRs and ranges in full, even those that answer no liveness check (named hosts always are)"},
			&cli.IntFlag{Name: "retries", Value: 1, Usage: "retries of unanswered ports and timed-out probes (`N`)"},
			&cli.IntFlag{Name: "max-hosts", Value: 65536, Usage: "refuse targets that expand to more than `N` addresses"},
			&cli.StringFlag{Name: "iface", Usage: "network `INTERFACE` for layer-2 checks (profile segment)"},
			&cli.StringFlag{Name: "scan-type", Value: "auto", Usage: "TCP discovery `METHOD`: connect, syn (raw sockets, falls back to connect), auto (syn when root for sweeps of more than 16 hosts or more than 1024 ports, connect otherwise)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "output `DIR`, FILE with a single --format, or '-' for standard output (default out/<scan-id>/); checked before the first packet"},
			&cli.BoolFlag{Name: "force", Usage: "overwrite existing report files (without it, an existing file is an error before the scan starts)"},
			&cli.StringFlag{Name: "format", Value: "json,html", Usage: "report `FORMATS`: " + strings.Join(render.Formats, ",") + ",jsonl (jsonl: one finding per line, streamed while the scan runs)"},
			reportLangFlag(),
			&cli.StringFlag{Name: "fail-on", Value: "high", Usage: "exit 1 when a fail/warn finding at or above `SEVERITY` (critical, high, medium, low) is not waived; else exit 2 when a check of that severity could not decide (error); 'none' never"},
			&cli.StringFlag{Name: "resolver", Usage: "DNS server `ADDR` (ip or ip:port) for the scanner's own lookups"},
			&cli.StringFlag{Name: "ca-file", Usage: "extra trust anchors (`PEM`) for certificate checks"},
			&cli.StringFlag{Name: "user-agent", Value: defaultUserAgent(), Usage: "HTTP `User-Agent`; name a contact (policy probe.user_agent; control characters are refused)"},
			&cli.StringFlag{Name: "helo", Value: "shindan.invalid", Usage: "SMTP EHLO `NAME`: a domain or [address literal] (policy probe.helo)"},
			&cli.DurationFlag{Name: "greet-timeout", Value: scanners.DefaultGreetTimeout, Usage: "how long mail ports (25, 587) get to send their 220 greeting (`DURATION`; postscreen pauses ~6s, RFC 5321 allows 5m; policy probe.greet_timeout)"},
			&cli.StringSliceFlag{Name: "templates", Usage: "add the nuclei templates in `DIR` (e.g. a local nuclei-templates checkout) to the curated set of vuln.known (repeatable)"},
			&cli.BoolFlag{Name: "intrusive", Usage: "also run intrusive nuclei templates (default-login attempts send credentials to the targets)"},
			&cli.DurationFlag{Name: "host-timeout", Usage: "give up on a host after `DURATION` from its discovery start (like nmap's); it is reported incomplete with what was done (0 = no limit)"},
			&cli.DurationFlag{Name: "max-duration", Usage: "stop the whole scan after `DURATION` and write a partial report (0 = no limit)"},
			&cli.StringFlag{Name: "resume", Usage: "continue the interrupted scan `SCAN-ID` (or its report.jsonl): finished hosts keep their findings and are not probed again; reads the --format jsonl stream of the interrupted run, or with --store (and no jsonl) the history store"},
			&cli.BoolFlag{Name: "no-progress", Usage: "no progress bar even on a terminal"},
			&cli.StringFlag{Name: "log-level", Value: "info", Usage: "`LEVEL`: debug, info, warn, error"},
			scanStoreFlag(),
			baselineFlag(),
			natsFlag, natsWorkersFlag, natsBlockFlag, natsAckWaitFlag,
		},
		Action:       runScan,
		OnUsageError: onUsageError,
	}
}

func runScan(c *cli.Context) error {
	opts, err := scanOptions(c)
	if err != nil {
		return err
	}
	interactive := term.IsTerminal(int(os.Stderr.Fd())) && !c.Bool("no-progress")
	level := new(slog.LevelVar)
	if err := level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
		return usageErr("--log-level: %v", err)
	}
	var bar *progressBar
	if interactive {
		bar = newProgressBar(os.Stderr)
		opts.cfg.Progress = bar.update
		if level.Level() < slog.LevelWarn {
			level.Set(slog.LevelWarn) // the bar replaces info logs on a terminal
		}
	}
	opts.cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	st, err := scanStore(c, opts)
	if err != nil {
		return err
	}
	if st != nil {
		defer st.Close()
	}
	if opts.stream != nil {
		defer opts.stream.Close()
	}
	stopNATS, err := setupNATS(c, opts, bar)
	if err != nil {
		return err
	}
	defer stopNATS()
	r, err := engine.Run(c.Context, opts.cfg)
	if bar != nil {
		bar.done()
	}
	if err != nil {
		return cli.Exit(err.Error(), exitError)
	}
	if err := scanBaseline(c, st, r, opts); err != nil {
		return err
	}
	paths, err := opts.out.write(r, c.String("lang"), opts.failOn)
	if err != nil {
		return cli.Exit(err.Error(), exitError)
	}
	if opts.stream != nil {
		paths = append(paths, opts.stream.Name())
	}
	fmt.Fprintln(os.Stderr, summaryLine(r, c.String("lang")))
	for _, p := range paths {
		fmt.Println(p) // nothing when the report itself went to standard output
	}
	if !r.Scan.Complete {
		return cli.Exit("scan incomplete ("+r.Scan.InterruptedReason+"): the report is partial", exitError)
	}
	if err := failOn(r, opts.failOn); err != nil {
		return err
	}
	return undecidedAt(r, opts.failOn, opts.cfg.Policy)
}

type scanOpts struct {
	cfg     engine.Config
	formats []string
	out     *outputPlan
	jsonl   bool     // --format jsonl: a stream written while the scan runs
	stream  *os.File // the open stream
	failOn  string
	ports   string // the port specification swept, for the store
}

// availableGlobs drops a profile's globs that match no check in this build
// (a profile names areas some builds may lack; --checks typos stay errors).
func availableGlobs(globs string) string {
	var keep []string
	for _, g := range strings.Split(globs, ",") {
		if _, err := checks.Default.Select(strings.TrimPrefix(g, "-")); err == nil {
			keep = append(keep, g)
		}
	}
	return strings.Join(keep, ",")
}

func readTargetFile(name string) ([]targets.Spec, error) {
	var r io.Reader = os.Stdin
	label := "stdin"
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("targets: %w", err)
		}
		defer f.Close()
		r, label = f, name
	}
	return targets.ParseReader(r, label)
}

func loadCAs(file string) (*x509.CertPool, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s holds no PEM certificate", file)
	}
	return pool, nil
}
