package svccheck

import (
	"testing"

	"shindan/checks/checktest"
)

// The golden cases (testdata/<check-id>/*.txtar) hold every finding in full,
// both languages included; the Go tests beside them pin the points that
// matter most. service.version is run without the fail/pass demand: it never
// passes, and its fail needs a loaded vulnerability feed, which TestVersion
// gives it.
func TestChecksGolden(t *testing.T) {
	checktest.RequireVerdicts(t, "testdata", cleartextAdmin{}, database{}, exposed{}, reflector{}, skew{})
	checktest.Run(t, version{}, "testdata")
}
