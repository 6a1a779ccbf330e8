package vulncheck

import (
	"testing"

	"shindan/checks/checktest"
)

// The golden cases (testdata/vuln.known/*.txtar) hold every finding in full;
// TestKnown pins source, articles and severity.
func TestChecksGolden(t *testing.T) {
	checktest.RequireVerdicts(t, "testdata", known{})
}
