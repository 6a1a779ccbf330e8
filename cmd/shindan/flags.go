package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/urfave/cli/v2"

	"shindan/checks"
	"shindan/reports"
	"shindan/scanners"
	"shindan/scanners/smtpscan"
)

// Flag errors name the flag and the reason, and never dump the help: a
// user who typed "--timeout 5" needs to read "no unit", not forty lines.

// The patterns match the messages of Go's flag package, which urfave/cli v2
// passes through unchanged; a message that matches neither is shown as is.
var (
	flagBadValue = regexp.MustCompile(`^invalid value "(.*)" for flag -{1,2}([a-z0-9-]+): (.*)$`)
	flagUnknown  = regexp.MustCompile(`^flag provided but not defined: -{1,2}(\S+)$`)
)

// onUsageError turns the flag package's messages into ours.
func onUsageError(c *cli.Context, err error, _ bool) error {
	msg := err.Error()
	if m := flagBadValue.FindStringSubmatch(msg); m != nil {
		reason := m[3]
		if f := lookupFlag(c, m[2]); f != nil {
			if _, ok := f.(*cli.DurationFlag); ok {
				if _, derr := scanners.ParseDuration(m[1]); derr != nil {
					reason = derr.Error()
				}
			} else if _, ok := f.(*cli.IntFlag); ok {
				reason = fmt.Sprintf("%q is not a whole number", m[1])
			}
		}
		return usageErr("--%s: %s", m[2], reason)
	}
	if m := flagUnknown.FindStringSubmatch(msg); m != nil {
		name, _, _ := strings.Cut(m[1], "=")
		var names []string
		if c.Command != nil {
			for _, f := range c.Command.Flags {
				names = append(names, f.Names()...)
			}
		}
		hint := ""
		if s := scanners.Suggest(name, names); s != "" {
			hint = fmt.Sprintf(" (did you mean --%s?)", s)
		}
		return usageErr("unknown flag -%s%s; see '%s --help'", m[1], hint, c.Command.FullName())
	}
	return usageErr("%s", msg)
}

// lookupFlag finds the flag of the current command by any of its names
// (the message names the alias the user typed), nil outside a command.
func lookupFlag(c *cli.Context, name string) cli.Flag {
	if c.Command == nil {
		return nil
	}
	for _, f := range c.Command.Flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

// probeSettings builds the probe settings: the flag defaults, the policy's
// probe: section over them, and the flags the user gave over both. Every
// value that goes on the wire is checked here, so a CR or LF in --helo or
// --user-agent is a usage error before the first packet.
func probeSettings(c *cli.Context, pol *checks.Policy) (scanners.Settings, error) {
	base := scanners.Settings{
		SMTP: scanners.SMTPSettings{HELO: smtpscan.DefaultHELO},
		HTTP: scanners.HTTPSettings{UserAgent: defaultUserAgent()},
	}
	if pol != nil {
		base = base.Over(pol.Probe)
	}
	var given scanners.Settings
	if c.IsSet("helo") {
		if err := scanners.CheckHELO(c.String("helo")); err != nil {
			return given, usageErr("--helo: %v", err)
		}
		given.SMTP.HELO = c.String("helo")
	}
	if c.IsSet("user-agent") {
		if err := scanners.CheckHeaderValue(c.String("user-agent")); err != nil {
			return given, usageErr("--user-agent: %v", err)
		}
		given.HTTP.UserAgent = c.String("user-agent")
	}
	if c.IsSet("greet-timeout") {
		d := c.Duration("greet-timeout")
		if d <= 0 {
			return given, usageErr("--greet-timeout: must be positive")
		}
		given.SMTP.GreetTimeout = d
	}
	for _, d := range c.StringSlice("templates") {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return given, usageErr("--templates: %s is not a directory", d)
		}
		given.Nuclei.TemplateDirs = append(given.Nuclei.TemplateDirs, d)
	}
	given.Nuclei.Intrusive = c.Bool("intrusive")
	return base.Over(given), nil
}

// defaultUserAgent names the tool and its purpose, so a web server's
// operator who finds the requests in the log can tell a diagnosis from an
// attack; --user-agent or the policy replace it.
func defaultUserAgent() string { return "shindan/" + version + " (security diagnosis)" }

// portsFlag returns the --ports value, refusing an explicitly empty one:
// "--ports ”" is a slip (an unset variable in a script), not a request
// for the profile's default.
func portsFlag(c *cli.Context, profileDefault string) (string, error) {
	if !c.IsSet("ports") {
		return profileDefault, nil
	}
	v := strings.TrimSpace(c.String("ports"))
	if v == "" {
		return "", usageErr("--ports: empty; give a port spec (top100, top1000, all, 22,80,8000-8100, U:53) or leave the flag out for the profile's default (%s)", profileDefault)
	}
	return v, nil
}

// checkIDs lists the checks of this build.
func checkIDs() []string {
	var ids []string
	for _, c := range checks.Default.All() {
		ids = append(ids, c.Info().ID)
	}
	return ids
}

// undecidedAt returns exit status 2 when, with nothing failing at the
// threshold, a check whose severity reaches it could not decide (an
// unwaived error finding): a tarpit on 25 must not read as a clean exit 0
// in CI, since the relay it hides would be critical. The severity of an
// undecided check is its default, or the policy's override.
func undecidedAt(r *reports.Report, threshold string, pol *checks.Policy) error {
	if threshold == "none" {
		return nil
	}
	if pol == nil {
		pol = checks.DefaultPolicy()
	}
	min := reports.SeverityRank(threshold)
	var what []string
	for _, f := range r.Findings {
		if f.Status != "error" || f.Waiver != nil {
			continue
		}
		c, ok := checks.Default.Get(f.Check)
		if !ok {
			continue
		}
		if reports.SeverityRank(string(pol.SeverityFor(f.Check, c.Info().Severity))) >= min {
			what = append(what, f.Check+" on "+f.Target)
		}
	}
	if len(what) == 0 {
		return nil
	}
	shown := what
	if len(shown) > 5 {
		shown = append(shown[:5:5], fmt.Sprintf("and %d more", len(what)-5))
	}
	return cli.Exit(fmt.Sprintf("%s at or above --fail-on %s could not decide (error findings): %s",
		checks.Count(len(what), "check", "checks"), threshold, strings.Join(shown, ", ")), exitError)
}
