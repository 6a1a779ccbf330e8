package webcheck

import (
	"testing"

	"shindan/checks/checktest"
)

// The golden cases (testdata/<check-id>/*.txtar) hold every finding in full,
// both languages included. http.hosting-org is inventory (info, never fail
// or pass) and domain.government decides from names alone (no probe result
// it could fail to read), so they run without the fail/pass/error demand.
func TestChecksGolden(t *testing.T) {
	checktest.RequireVerdicts(t, "testdata", directoryListing{}, methods{}, exposedFiles{}, infoDisclosure{},
		securityHeaders{}, httpsRedirect{}, cleartextLogin{}, robots{})
	checktest.Run(t, hostingOrg{}, "testdata")
	checktest.Run(t, government{}, "testdata")
}
