package nucleiscan

import (
	"os"
	"testing"

	"github.com/projectdiscovery/tlsx/pkg/tlsx/openssl"
)

// nuclei's dependency tlsx looks for an openssl binary in its package
// init and runs it twice; nucleienv hides PATH from those inits, so no
// shindan command starts programs or writes openssl.cnf at start-up, and
// PATH is back for everything after.
func TestInitRanNoOpenSSL(t *testing.T) {
	if openssl.BinaryPath != "" || openssl.IsAvailable() {
		t.Errorf("tlsx found openssl at %q during init", openssl.BinaryPath)
	}
	if os.Getenv("PATH") == "" {
		t.Error("PATH was not restored after nuclei's inits")
	}
}
