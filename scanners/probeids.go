package scanners

import "slices"

// Probe IDs: the one vocabulary the engine (planning, Env.Prior), the
// probes (ProbeInfo.ID, Observation.Probe) and the checks (Info.Needs) share.
// A string literal in any of those places would drift silently when a probe
// is renamed; a constant turns the rename into a compile error. Each
// constant names the payload types its observations carry.
const (
	// ProbePortTCP is TCP discovery, whichever sweeper ran it (connect or
	// SYN): PortState per open port and a Port 0 summary per host.
	ProbePortTCP = "port.tcp"
	// ProbePortUDP is UDP discovery (PortState); also its sweeper's ID.
	ProbePortUDP = "port.udp"
	// ProbeSvcIdent identifies what answers on an open port (Service).
	ProbeSvcIdent = "svc.ident"
	// ProbeSvcDBAuth tries unauthenticated database access (DBAccess).
	ProbeSvcDBAuth = "svc.dbauth"
	// ProbeSvcSSHKey reads an SSH server's host key (SSHHostKey).
	ProbeSvcSSHKey = "svc.sshkey"
	// ProbeSvcReflector asks UDP services that amplify (Reflector).
	ProbeSvcReflector = "svc.reflector"
	// ProbeNDPSegment listens on a segment for IPv6 (RouterAdvert,
	// IPv6Host, QuietHost, Transition, SegmentScan); also its sweeper's ID.
	ProbeNDPSegment = "ndp.segment"
	// ProbeNetNeighbor reads the kernel's ARP/NDP table (Neighbor).
	ProbeNetNeighbor = "net.neighbor"
	// ProbeTLSScan enumerates an endpoint's TLS (TLSScan).
	ProbeTLSScan = "tls.scan"
	// ProbeSMTPSession talks SMTP to a mail server (SMTPSession).
	ProbeSMTPSession = "smtp.session"
	// ProbeMailDomain reads a domain's mail DNS: SPF, DMARC, DKIM, MTA-STS,
	// TLSA (MailDomain).
	ProbeMailDomain = "mail.domain"
	// ProbeDNSServer asks a DNS server over TCP/UDP on its endpoint
	// (DNSServer).
	ProbeDNSServer = "dns.server"
	// ProbeDNSUDP asks UDP port 53 of a host that discovery saw no TCP DNS
	// on (DNSServer).
	ProbeDNSUDP = "dns.udp"
	// ProbeDNSDomain reads a domain's delegation and zone servers
	// (DNSDomain).
	ProbeDNSDomain = "dns.domain"
	// ProbeHTTPSite fetches a web site's baseline and paths (HTTPSite).
	ProbeHTTPSite = "http.site"
	// ProbeVulnNuclei runs nuclei templates (NucleiMatch).
	ProbeVulnNuclei = "vuln.nuclei"
)

// Sweeper IDs that differ from the probe ID of what they emit: both TCP
// discovery sweepers emit ProbePortTCP observations.
const (
	SweepTCPConnect = "port.tcp-connect"
	SweepTCPSYN     = "port.tcp-syn"
)

// knownIDs is the vocabulary KnownID checks against: a new probe or
// sweeper ID constant belongs here too, or the registry test fails.
var knownIDs = []string{
	ProbePortTCP, ProbePortUDP, ProbeSvcIdent, ProbeSvcDBAuth, ProbeSvcSSHKey, ProbeSvcReflector,
	ProbeNDPSegment, ProbeNetNeighbor, ProbeTLSScan, ProbeSMTPSession,
	ProbeMailDomain, ProbeDNSServer, ProbeDNSUDP, ProbeDNSDomain, ProbeHTTPSite,
	ProbeVulnNuclei, SweepTCPConnect, SweepTCPSYN,
}

// KnownID reports whether id is one of the constants above, so a test can
// hold every registered probe and sweeper to the vocabulary.
func KnownID(id string) bool { return slices.Contains(knownIDs, id) }
