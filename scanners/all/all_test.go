package all

import (
	"testing"

	"shindan/scanners"
)

// Every registered probe and sweeper must use an ID from the scanners
// vocabulary, so no layer can name a probe that the constants do not know.
func TestRegisteredIDsAreConstants(t *testing.T) {
	probes, sweepers := scanners.Default.ProbeIDs(), scanners.Default.SweeperIDs()
	if len(probes) < 10 || len(sweepers) < 3 {
		t.Fatalf("only %d probes and %d sweepers registered: a probe package is not linked", len(probes), len(sweepers))
	}
	for _, id := range append(probes, sweepers...) {
		if !scanners.KnownID(id) {
			t.Errorf("%q is registered but is not a scanners.Probe*/Sweep* constant", id)
		}
	}
}
