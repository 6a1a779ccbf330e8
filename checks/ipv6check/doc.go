// Package ipv6check holds the IPv6 checks of Art. 78 and 79 (checks.md,
// "IPv6"): ipv6.unintended, ipv6.rogue-ra and ipv6.transition read the
// ndp.segment sweep of a layer-2 segment; ipv6.parity and
// ipv6.global-exposure read port discovery (port.tcp). They do no I/O.
package ipv6check
