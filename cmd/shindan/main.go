// Command shindan is a network posture scanner: it probes networks and
// servers for the technical controls of the agency's information-security
// standard, maps every result to its article and writes a diagnosis report.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	_ "shindan/checks/all"
	_ "shindan/scanners/all"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit codes (product.md): 0 nothing at or above --fail-on, 1 findings at
// or above it, 2 usage or scan errors.
const (
	exitFindings = 1
	exitError    = 2
)

// main runs the CLI under a context that the first SIGINT or SIGTERM
// cancels: a scan then ends as interrupted and still writes its report,
// marked partial, instead of losing what it saw.
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, restore the default so a second one
		// kills the process even while the partial report is written.
		<-ctx.Done()
		stop()
	}()
	app := newApp()
	err := app.RunContext(ctx, interspersed(app, os.Args))
	stop()
	os.Exit(exitCode(err))
}

// exitCode maps the error a command returned to the process exit status.
// A cli.ExitCoder carries its own status (1 for findings at --fail-on,
// with an empty message, so nothing is printed); any other error is a
// scan or usage error, status 2, so CI never reads it as "no findings".
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) {
		if msg := ec.Error(); msg != "" {
			fmt.Fprintln(os.Stderr, "shindan:", msg)
		}
		return ec.ExitCode()
	}
	fmt.Fprintln(os.Stderr, "shindan:", err)
	return exitError
}

// newApp builds the command tree. The no-op ExitErrHandler keeps
// urfave/cli from printing an ExitCoder's message and calling os.Exit
// itself; main prints every error once, "shindan:"-prefixed, in exitCode.
func newApp() *cli.App {
	return &cli.App{
		Name:    "shindan",
		Usage:   "network posture scanner: evidence for every article of the security standard",
		Version: buildVersion(),
		Description: "shindan (診断) probes hosts, networks and domains for the technical controls the\n" +
			"agency's information-security standard demands (mail relay, DNS, web, TLS, exposed\n" +
			"services, IPv6), maps each result to its article and writes a diagnosis report.\n" +
			"Run 'shindan COMMAND --help' for the options of a command.",
		Commands:        append([]*cli.Command{scanCommand(), workerCommand(), reportCommand(), diffCommand(), checksCommand(), articlesCommand()}, historyCommands()...),
		HideHelpCommand: true,
		ExitErrHandler:  func(*cli.Context, error) {}, // main prints and exits
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return cli.Exit(err.Error(), exitError)
		},
	}
}

// usageErr wraps an error as exit status 2.
func usageErr(format string, a ...any) error { return cli.Exit(fmt.Sprintf(format, a...), exitError) }
