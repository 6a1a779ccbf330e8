package tlscheck

import (
	"testing"

	"shindan/checks/checktest"
)

// The golden cases (testdata/<check-id>/*.txtar) hold every finding in full,
// both languages included: each check's verdicts on a clean and a legacy
// server, under the three setting types, and the scans that decide nothing.
func TestChecksGolden(t *testing.T) {
	checktest.RequireVerdicts(t, "testdata", protocols{}, ciphers{}, certificate{}, vulnerabilities{})
}
