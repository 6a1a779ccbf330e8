package scanners

func init() {
	registerPayload(func() Payload { return new(DNSServer) })
	registerPayload(func() Payload { return new(DNSDomain) })
}

// Resolver classes of a recursion test (DNSRecursion.Class), after
// pitfalls §2.1: only ResolverOpen is proof of an open resolver.
const (
	// ResolverOpen: RA=1, NOERROR, not authoritative, the expected answer for
	// the probe name, and a fresh random name was resolved too.
	ResolverOpen = "open"
	// ResolverCacheOnly: the probe name came back but a fresh random name was
	// refused: the server answers from its cache only.
	ResolverCacheOnly = "cache-only"
	// ResolverRefused: REFUSED (with or without RA).
	ResolverRefused = "refused"
	// ResolverServfail: RA=1 and SERVFAIL: recursion allowed, upstream broken.
	ResolverServfail = "servfail"
	// ResolverAuthoritative: the server answered with AA=1, so it holds the
	// probe name's zone and the answer says nothing about recursion.
	ResolverAuthoritative = "authoritative"
	// ResolverNoRecursion: an answer without RA and without data (a
	// referral, or an empty non-authoritative reply).
	ResolverNoRecursion = "no-recursion"
	// ResolverUnexpected: RA=1 and an answer that is not the expected one
	// (NXDOMAIN for an existing name, other addresses: filtering or a
	// forwarder that rewrites).
	ResolverUnexpected = "unexpected"
	// ResolverNoAnswer: no usable reply (timeout, garbage, a reply that
	// stayed truncated, an rcode such as FORMERR or NOTIMP that says the
	// query was not taken).
	ResolverNoAnswer = "no-answer"
)

// DNSServer is what one DNS server (one address) said about recursion,
// zone transfers, identity and amplification.
type DNSServer struct {
	Server string `json:"server"` // "addr:port"
	// UDPOnly is true when the server was found by one UDP query (probe
	// dns.udp) and TCP/53 was not seen open.
	UDPOnly   bool           `json:"udp_only,omitempty"`
	ProbeName string         `json:"probe_name"`
	Recursion []DNSRecursion `json:"recursion,omitempty"`
	// Proof holds recursion tests with names the scan knows to exist (its
	// domains, their NS and MX hosts), made when the probe name did not
	// resolve (a resolver without internet egress SERVFAILs it). QName is
	// the known name; an open class there is proof of open recursion.
	Proof     []DNSRecursion  `json:"proof,omitempty"`
	Identity  []DNSIdentity   `json:"identity,omitempty"`
	Transfers []DNSTransfer   `json:"transfers,omitempty"`
	Amplify   []DNSAmplify    `json:"amplify,omitempty"`
	Cookies   DNSCookieResult `json:"cookies"`
	RRL       DNSRRLResult    `json:"rrl"`
}

func (*DNSServer) payload()     {}
func (*DNSServer) Kind() string { return "dns-server" }

// DNSRecursion is one recursion test over one transport.
type DNSRecursion struct {
	Transport string   `json:"transport"` // udp, tcp
	QName     string   `json:"qname"`
	Rcode     string   `json:"rcode,omitempty"` // NOERROR, REFUSED, ...; "" when no reply
	RA        bool     `json:"ra"`
	AA        bool     `json:"aa"`
	AD        bool     `json:"ad"`
	Answer    []string `json:"answer,omitempty"` // presentation form, bounded
	// Fresh is the rcode of the follow-up query for a random label under
	// the probe name's parent ("" when not sent); it tells recursion from
	// cache.
	Fresh string `json:"fresh,omitempty"`
	// Truncated is true when the UDP reply had TC=1: the class is then
	// the TCP retry's (RFC 7766 §5), or no-answer when none came whole.
	Truncated bool   `json:"truncated,omitempty"`
	Class     string `json:"class"`
	Error     string `json:"error,omitempty"`
	// Text is the dig-style reply, bounded: the evidence.
	Text string `json:"text,omitempty"`
}

// DNSIdentity is a CHAOS TXT (version.bind, hostname.bind, id.server) or the
// NSID option.
type DNSIdentity struct {
	Query string `json:"query"` // "version.bind", "hostname.bind", "id.server", "nsid"
	Rcode string `json:"rcode,omitempty"`
	Value string `json:"value,omitempty"` // the string returned, bounded
	Error string `json:"error,omitempty"`
}

// DNSTransfer is one AXFR or IXFR attempt of one zone at one server.
type DNSTransfer struct {
	Zone    string `json:"zone"`
	Server  string `json:"server"`
	Type    string `json:"type"` // AXFR, IXFR
	Allowed bool   `json:"allowed"`
	Rcode   string `json:"rcode,omitempty"`
	Records int    `json:"records"`
	// Capped is true when the probe stopped reading at its record or time cap.
	Capped bool     `json:"capped,omitempty"`
	Sample []string `json:"sample,omitempty"` // the first records, presentation form
	// Addrs are the A/AAAA records of the transfer (bounded), for
	// dns.internal-leak.
	Addrs []DNSAddr `json:"addrs,omitempty"`
	Error string    `json:"error,omitempty"`
}

// DNSAddr is one name→address record.
type DNSAddr struct {
	Name string `json:"name"`
	Addr string `json:"addr"`
}

// DNSAmplify is one amplification measurement over UDP.
type DNSAmplify struct {
	Query    string  `json:"query"` // "example. ANY"
	ReqSize  int     `json:"req_size"`
	RespSize int     `json:"resp_size"` // 0 when no reply
	TC       bool    `json:"tc,omitempty"`
	Rcode    string  `json:"rcode,omitempty"`
	Factor   float64 `json:"factor"`
	Error    string  `json:"error,omitempty"`
}

// DNSCookieResult says whether the server returned a DNS server cookie
// (RFC 7873) to a client cookie.
type DNSCookieResult struct {
	Tested bool `json:"tested"`
	Server bool `json:"server_cookie"`
}

// DNSRRLResult is the evidence of response rate limiting: a short burst of
// identical queries and how many got a full, truncated or no reply.
type DNSRRLResult struct {
	Sent      int `json:"sent"`
	Answered  int `json:"answered"`
	Truncated int `json:"truncated"`
	// Limited is true when part of the burst was dropped or slipped (TC)
	// by the server: never set when the scanner itself lost replies.
	Limited bool `json:"limited"`
	// Datagrams counts every datagram read during the burst, matching or
	// not; Bytes their size.
	Datagrams int `json:"datagrams,omitempty"`
	Bytes     int `json:"bytes,omitempty"`
	// RcvBuf is the receive buffer the kernel granted the burst socket
	// (0 when unknown).
	RcvBuf int `json:"rcvbuf,omitempty"`
	// LocalDrops is the rise of UdpRcvbufErrors in /proc/net/snmp (the
	// scanner's network namespace) over the burst: datagrams the
	// scanner's own kernel dropped for want of buffer. -1 when the counter
	// could not be read.
	LocalDrops int `json:"local_drops"`
	// LocalLoss is true when replies were missing and the loss may be the
	// scanner's own (LocalDrops > 0, or unreadable while replies were
	// missing): rate limiting is then unproven.
	LocalLoss bool `json:"local_loss,omitempty"`
}

// DNSDomain is the delegation and zone data of one domain as seen from the
// parent and from every authoritative server.
type DNSDomain struct {
	Zone   string `json:"zone"`
	Parent string `json:"parent"`
	// ParentNS is the NS set in the parent's referral; Glue the addresses
	// the parent gave for them.
	ParentNS      []string        `json:"parent_ns,omitempty"`
	Glue          []DNSAddr       `json:"glue,omitempty"`
	ParentServers []string        `json:"parent_servers,omitempty"`
	Servers       []DNSZoneServer `json:"servers,omitempty"`
	// IPv6Tested is false when the scanner had no IPv6 route: IPv6
	// servers are then "not tested", not "unreachable" (pitfalls §2.6).
	IPv6Tested bool          `json:"ipv6_tested"`
	Transfers  []DNSTransfer `json:"transfers,omitempty"`
	DNSSEC     DNSSECState   `json:"dnssec"`
	Names      []DNSAddr     `json:"names,omitempty"` // public names looked up and their addresses
	Notes      []string      `json:"notes,omitempty"`
	Resolver   string        `json:"resolver,omitempty"` // used to find the parent's servers
	// ParentError is set when the parent could not be reached or does not
	// delegate the zone (undelegated testing): ParentNS, Glue and DS are
	// then empty and the zone was analysed from ChildNS, its own NS set,
	// found as NSSource says ("resolver 198.51.100.65:53", "server
	// 198.51.100.61").
	ParentError string   `json:"parent_error,omitempty"`
	ChildNS     []string `json:"child_ns,omitempty"`
	NSSource    string   `json:"ns_source,omitempty"`
	// Seeds are the zone servers given by the user (dns_zone_servers)
	// that answered for the zone.
	Seeds []string `json:"seeds,omitempty"`
}

func (*DNSDomain) payload()     {}
func (*DNSDomain) Kind() string { return "dns-domain" }

// DNSZoneServer is one NS address of the zone and what it answered.
type DNSZoneServer struct {
	Name      string   `json:"name"`
	Addr      string   `json:"addr"`
	Answered  bool     `json:"answered"`
	Error     string   `json:"error,omitempty"`
	NotTested bool     `json:"not_tested,omitempty"` // e.g. IPv6 without an IPv6 route
	Rcode     string   `json:"rcode,omitempty"`
	AA        bool     `json:"aa"`
	Serial    uint32   `json:"serial"`
	HasSOA    bool     `json:"has_soa"`
	NS        []string `json:"ns,omitempty"`
	// Lame is true when the server answered but not authoritatively for
	// the zone (REFUSED, referral, no AA).
	Lame bool   `json:"lame"`
	SOA  string `json:"soa,omitempty"`
}

// DNSSECState is the DNSSEC chain of one zone: DS at the parent, DNSKEY and
// RRSIG validity at the child, and whether a resolver set AD.
type DNSSECState struct {
	DS     []string `json:"ds,omitempty"`
	DNSKEY []string `json:"dnskey,omitempty"` // "flags alg keytag"
	// DSMatch: at least one DS digest matches a DNSKEY of the zone.
	DSMatch bool `json:"ds_match"`
	// Signed: the zone serves DNSKEY and RRSIGs over SOA.
	Signed bool `json:"signed"`
	// Valid: the RRSIGs over SOA and DNSKEY verify with a zone key and are
	// inside their validity period.
	Valid bool `json:"valid"`
	// Expires is the earliest RRSIG expiration seen (RFC 3339), "" if none.
	Expires  string   `json:"expires,omitempty"`
	Problems []string `json:"problems,omitempty"`
	// ResolverAD is "set", "unset" or "" (no resolver asked).
	ResolverAD string `json:"resolver_ad,omitempty"`
	Error      string `json:"error,omitempty"`
}
