// Package nucleitest gives a test binary the vuln.nuclei child: tests that
// run vuln.nuclei call Setup from TestMain. With $SHINDAN_NUCLEI set (make
// test sets it to bin/shindan-nuclei, built once) nothing is built;
// otherwise cmd/shindan-nuclei is built into a temporary directory, one
// nuclei link (a minute or two on two cores) per test binary.
package nucleitest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// The names nucleiproc looks for (envVar, ChildName); not
// imported, so that nucleiproc's own tests can use this package.
const (
	envVar    = "SHINDAN_NUCLEI"
	childName = "shindan-nuclei"
)

// Setup makes $SHINDAN_NUCLEI name a child binary; cleanup removes what
// Setup built.
func Setup() (cleanup func(), err error) {
	if os.Getenv(envVar) != "" {
		return func() {}, nil
	}
	dir, err := os.MkdirTemp("", "shindan-nuclei-bin-")
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(dir, childName)
	cmd := exec.Command("go", "build", "-o", bin, "shindan/cmd/shindan-nuclei")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir) //nolint:errcheck
		return nil, fmt.Errorf("building %s: %v\n%s", childName, err, out)
	}
	os.Setenv(envVar, bin) //nolint:errcheck // cannot fail for a valid key
	return func() {
		os.Unsetenv(envVar) //nolint:errcheck
		os.RemoveAll(dir)   //nolint:errcheck
	}, nil
}
