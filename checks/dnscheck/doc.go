// Package dnscheck holds the DNS checks of checks.md (Art. 64, 65, 62-3,
// 38): open resolvers, zone transfers, version disclosure, NS redundancy,
// SOA consistency, internal-address leaks, DNSSEC and amplification. They
// read the dns.server, dns.udp and dns.domain observations of
// scanners/dnsscan and never do I/O.
package dnscheck
