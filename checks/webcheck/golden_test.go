package webcheck

import (
	"testing"

	"shindan/checks"
	"shindan/checks/checktest"
)

// The golden cases (testdata/<check-id>/*.txtar) hold every finding in full,
// both languages included. http.hosting-org is inventory (checks.md: info,
// never fail or pass), so its cases must show info and error; and
// domain.government decides from the published names alone, with no probe
// result it could fail to read, so its cases must show pass and fail.
func TestChecksGolden(t *testing.T) {
	checktest.RequireVerdicts(t, "testdata", directoryListing{}, methods{}, exposedFiles{}, infoDisclosure{},
		securityHeaders{}, httpsRedirect{}, cleartextLogin{}, robots{})
	if seen := checktest.Run(t, hostingOrg{}, "testdata"); seen[checks.InfoS] == 0 || seen[checks.Error] == 0 {
		t.Errorf("http.hosting-org cases show %v; want info and error", seen)
	}
	if seen := checktest.Run(t, government{}, "testdata"); seen[checks.Pass] == 0 || seen[checks.Fail] == 0 {
		t.Errorf("domain.government cases show %v; want pass and fail", seen)
	}
}
