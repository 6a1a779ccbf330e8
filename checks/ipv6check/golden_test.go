package ipv6check

import (
	"testing"

	"shindan/checks/checktest"
)

// The golden cases (testdata/<check-id>/*.txtar) hold every finding in full,
// both languages included; the Go tests beside them pin the points that
// matter most.
func TestChecksGolden(t *testing.T) {
	checktest.RequireVerdicts(t, "testdata", globalExposure{}, parity{}, rogueRA{}, transition{}, unintended{})
}
