// Package all links every check package into the binary; each registers
// its checks in init. Add one blank import per check area.
package all

import (
	_ "shindan/checks/dnscheck"  // dns.*
	_ "shindan/checks/ipv6check" // ipv6.*
	_ "shindan/checks/mailcheck" // smtp.*, mail.*
	_ "shindan/checks/svccheck"  // service.*, time.skew
	_ "shindan/checks/tlscheck"  // tls.*
	_ "shindan/checks/vulncheck" // vuln.known
	_ "shindan/checks/webcheck"  // http.*, domain.government
)
