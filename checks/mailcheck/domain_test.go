package mailcheck

import (
	"testing"

	"shindan/checks/checktest"
)

// The domain checks' cases are golden files: testdata/<check-id>/*.txtar.
func TestDomainChecksGolden(t *testing.T) {
	checktest.RequireVerdicts(t, "testdata", spf{}, dmarc{}, dkim{}, mtaSTS{})
}
