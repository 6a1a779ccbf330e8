// Package all links every probe package into the binary; each registers
// its probes in init. Add one blank import per probe package.
package all

import (
	_ "shindan/scanners/dnsscan"    // dns.server, dns.udp, dns.domain
	_ "shindan/scanners/httpscan"   // http.site
	_ "shindan/scanners/mailscan"   // mail.domain
	_ "shindan/scanners/ndpscan"    // ndp.segment (IPv6 on a segment, RAs, transition)
	_ "shindan/scanners/neighscan"  // net.neighbor (the kernel's ARP/NDP table, for pairing)
	_ "shindan/scanners/nucleiproc" // vuln.nuclei (runs cmd/shindan-nuclei)
	_ "shindan/scanners/portscan"   // port discovery (connect scan)
	_ "shindan/scanners/smtpscan"   // smtp.session
	_ "shindan/scanners/svcscan"    // svc.ident, svc.dbauth
	_ "shindan/scanners/tlsscan"    // tls.scan
)
