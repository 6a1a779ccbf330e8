// golang.org/x/crypto/openpgp as of x/crypto v0.39.0 (BSD, see LICENSE).
// x/crypto dropped the package, but nuclei's update code still imports it
// through google/go-github/v30; go.mod replaces the path with this copy.
module golang.org/x/crypto/openpgp

go 1.20

require golang.org/x/crypto v0.59.0
