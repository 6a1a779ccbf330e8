package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"shindan/checks"
	"shindan/internal/engine"
	"shindan/internal/targets"
	"shindan/reports"
	"shindan/reports/render"
	"shindan/scanners/portscan"
)

// scanOptions reads the scan command's flags into a plan, one flag group
// after another in the order their errors are reported. It opens the
// output (stream and folder) last, after every flag is known good.
func scanOptions(c *cli.Context) (*scanOpts, error) {
	o := &scanOpts{}
	prof, err := engine.LookupProfile(c.String("profile"))
	if err != nil {
		return nil, usageErr("--profile: %v", err)
	}
	cfg := &o.cfg
	cfg.Profile = prof.Name
	cfg.ToolVersion = version
	steps := []func() error{
		func() error { return targetFlags(c, cfg) },
		func() error { return checkFlags(c, cfg, prof) },
		func() error { return o.portFlags(c, prof) },
		func() error { return policyFlags(c, cfg) },
		func() error { return limitFlags(c, cfg) },
		func() error { return probeFlags(c, cfg, prof) },
		func() error { return o.formatFlags(c) },
		func() error { return verdictFlags(c, o, cfg) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	if err := o.openOutput(c); err != nil {
		return nil, err
	}
	return o, nil
}

// targetFlags reads the targets (arguments and -f files) and the
// exclusions (--exclude, --exclude-file); a scan without targets is a
// usage error.
func targetFlags(c *cli.Context, cfg *engine.Config) error {
	for i, a := range c.Args().Slice() {
		sp, err := targets.Parse(a, fmt.Sprintf("argument %d", i+1))
		if err != nil {
			return usageErr("%v", err)
		}
		cfg.Targets = append(cfg.Targets, sp)
		cfg.RawTargets = append(cfg.RawTargets, a)
	}
	if err := readTargetFiles(c.StringSlice("file"), &cfg.Targets, &cfg.RawTargets); err != nil {
		return err
	}
	if len(cfg.Targets) == 0 {
		return usageErr("no targets: give them as arguments or with -f FILE (see 'shindan scan --help')")
	}
	for _, x := range c.StringSlice("exclude") {
		for _, tok := range strings.Split(x, ",") {
			sp, err := targets.Parse(tok, "--exclude")
			if err != nil {
				return usageErr("%v", err)
			}
			cfg.Excludes = append(cfg.Excludes, sp)
			cfg.RawExcludes = append(cfg.RawExcludes, sp.Raw)
		}
	}
	return readTargetFiles(c.StringSlice("exclude-file"), &cfg.Excludes, &cfg.RawExcludes)
}

// readTargetFiles appends the specs of each file and their raw text.
func readTargetFiles(files []string, specs *[]targets.Spec, raw *[]string) error {
	for _, f := range files {
		got, err := readTargetFile(f)
		if err != nil {
			return usageErr("%v", err)
		}
		*specs = append(*specs, got...)
		for _, s := range got {
			*raw = append(*raw, s.Raw)
		}
	}
	return nil
}

// checkFlags selects the checks: --checks, else the profile's globs.
func checkFlags(c *cli.Context, cfg *engine.Config, prof engine.Profile) error {
	globs := c.String("checks")
	if globs == "" {
		globs = availableGlobs(prof.Checks)
	}
	var err error
	if cfg.Checks, err = checks.Default.Select(globs); err != nil {
		return usageErr("--checks: %v", err)
	}
	if len(cfg.Checks) == 0 {
		return usageErr("--checks %q selects no check", globs)
	}
	return nil
}

// portFlags reads --ports (else the profile's) into the sweep spec.
func (o *scanOpts) portFlags(c *cli.Context, prof engine.Profile) error {
	ports, err := portsFlag(c, prof.Ports)
	if err != nil {
		return err
	}
	o.ports = ports
	if o.cfg.Ports, err = portscan.ParseSpec(ports); err != nil {
		return usageErr("--ports: %v", err)
	}
	return nil
}

// policyFlags loads --policy (its check IDs must exist) and the offline
// vulnerability feed into the policy.
func policyFlags(c *cli.Context, cfg *engine.Config) error {
	if f := c.String("policy"); f != "" {
		var err error
		if cfg.Policy, err = checks.LoadPolicy(f); err != nil {
			return usageErr("%v", err)
		}
		// A check ID in a waiver or override that matches nothing is a
		// typo that would silently waive nothing: refuse it here.
		if err := cfg.Policy.ValidateCheckIDs(checkIDs()); err != nil {
			return usageErr("%v", err)
		}
	}
	return loadVulnFeed(c, &cfg.Policy)
}

// limitFlags reads the rate, concurrency, timeout and size limits.
func limitFlags(c *cli.Context, cfg *engine.Config) error {
	cfg.Rate, cfg.Concurrency, cfg.HostProbes, cfg.Hosts = c.Int("rate"), c.Int("concurrency"), c.Int("host-probes"), c.Int("hosts")
	// --rate 0 is the documented "no ceiling"; a zero in the others would
	// be a scan that never sends, so it is refused rather than hang.
	if cfg.Rate < 0 || cfg.Concurrency < 1 || cfg.HostProbes < 1 || cfg.Hosts < 1 {
		return usageErr("--rate must be ≥ 0 and --concurrency, --host-probes, --hosts ≥ 1")
	}
	cfg.Timeout, cfg.ConnectTimeout, cfg.Retries, cfg.MaxHosts = c.Duration("timeout"), c.Duration("connect-timeout"), c.Int("retries"), c.Int("max-hosts")
	cfg.NoPing = c.Bool("no-ping")
	if cfg.Timeout <= 0 || cfg.ConnectTimeout <= 0 || cfg.Retries < 0 || cfg.MaxHosts < 1 {
		return usageErr("--timeout and --connect-timeout must be positive, --retries ≥ 0, --max-hosts ≥ 1")
	}
	return nil
}

// probeFlags reads the probe settings (flags over the policy's probe:
// section), the resolver, the CA file, the interface and the scan type.
func probeFlags(c *cli.Context, cfg *engine.Config, prof engine.Profile) error {
	var err error
	if cfg.Settings, err = probeSettings(c, cfg.Policy); err != nil {
		return err
	}
	if r := c.String("resolver"); r != "" {
		addr, res, err := newResolver(r)
		if err != nil {
			return usageErr("--resolver: %v", err)
		}
		cfg.Settings.Resolver, cfg.Resolver = addr, res
	}
	if f := c.String("ca-file"); f != "" {
		pool, err := loadCAs(f)
		if err != nil {
			return usageErr("--ca-file: %v", err)
		}
		cfg.Settings.RootCAs = pool
	}
	cfg.Iface = c.String("iface")
	cfg.ScanType = c.String("scan-type")
	if !slices.Contains([]string{"auto", "connect", "syn"}, cfg.ScanType) {
		return usageErr("--scan-type: %q is not auto, connect or syn", cfg.ScanType)
	}
	// The segment profile listens for router advertisements and neighbour
	// traffic on one link (RFC 4861 messages never leave the link), and no
	// target address says which link that is.
	if prof.Name == "segment" && cfg.Iface == "" {
		return usageErr("--profile segment listens on a segment: give the interface with --iface")
	}
	return nil
}

// formatFlags reads --format (jsonl apart: it is a stream) and checks the
// tools the formats need.
func (o *scanOpts) formatFlags(c *cli.Context) error {
	o.formats, o.jsonl = splitJSONL(strings.Split(c.String("format"), ","))
	for _, f := range o.formats {
		if !slices.Contains(render.Formats, f) {
			return usageErr("--format: %q is not one of %s,jsonl", f, strings.Join(render.Formats, ","))
		}
	}
	return checkFormatTools(o.formats)
}

// verdictFlags reads the per-host and whole-scan time limits, the
// language and --fail-on.
func verdictFlags(c *cli.Context, o *scanOpts, cfg *engine.Config) error {
	cfg.HostTimeout, cfg.MaxDuration = c.Duration("host-timeout"), c.Duration("max-duration")
	if cfg.HostTimeout < 0 || cfg.MaxDuration < 0 {
		return usageErr("--host-timeout and --max-duration must not be negative")
	}
	if err := checkLang(c); err != nil {
		return err
	}
	o.failOn = c.String("fail-on")
	if o.failOn != "none" && reports.SeverityRank(o.failOn) == 0 {
		return usageErr("--fail-on: %q is not critical, high, medium, low or none", o.failOn)
	}
	return nil
}

// openOutput names the scan and opens its stream and output folder; it
// creates files, so it runs after every other flag is known good.
func (o *scanOpts) openOutput(c *cli.Context) error {
	o.cfg.ScanID = newScanID(time.Now())
	if err := o.resumeFromStore(c); err != nil {
		return err
	}
	if err := o.planStream(c.String("output"), c.String("resume"), c.Bool("force")); err != nil {
		return usageErr("%v", err)
	}
	if len(o.formats) == 0 {
		o.out = &outputPlan{} // the stream is the only output
		return nil
	}
	var err error
	// A resumed scan rewrites its own reports in its own folder, so the
	// existing files are not a collision.
	if o.out, err = planOutput(c.String("output"), o.formats, c.Bool("force") || o.cfg.Resume != nil, o.cfg.ScanID); err != nil {
		if o.stream != nil {
			o.stream.Close()
		}
		return usageErr("%v", err)
	}
	return nil
}
