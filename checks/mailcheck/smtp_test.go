package mailcheck

import (
	"testing"

	"shindan/checks/checktest"
)

// The SMTP session checks' cases are golden files: testdata/<check-id>/*.txtar.
// The observations arrive through JSON, as a distributed worker sends them.
func TestSessionChecksGolden(t *testing.T) {
	checktest.RequireVerdicts(t, "testdata", openRelay{}, auth{}, startTLS{})
}
