package scanners

func init() {
	registerPayload(func() Payload { return new(Reflector) })
	registerPayload(func() Payload { return new(Proxy) })
	registerPayload(func() Payload { return new(RouterAdvert) })
	registerPayload(func() Payload { return new(IPv6Host) })
	registerPayload(func() Payload { return new(Transition) })
	registerPayload(func() Payload { return new(SegmentScan) })
	registerPayload(func() Payload { return new(QuietHost) })
	registerPayload(func() Payload { return new(Neighbor) })
	registerPayload(func() Payload { return new(SSHHostKey) })
}

// Reflector is one UDP amplification measurement: a spoofable request and
// everything the endpoint sent back within the listening window.
type Reflector struct {
	Port     uint16 `json:"port"`
	Protocol string `json:"protocol"` // ntp-mode6, ntp-monlist, snmp-v2c, ssdp, memcached, chargen, qotd, cldap, wsd, dns, netbios, mdns
	// RequestBytes and ResponseBytes count UDP payload bytes; Packets the
	// datagrams received for the one request.
	RequestBytes  int     `json:"request_bytes"`
	ResponseBytes int     `json:"response_bytes"`
	Packets       int     `json:"packets"`
	Factor        float64 `json:"factor"` // ResponseBytes / RequestBytes
	// Silent lists, on the per-host summary (Protocol ""), the protocols
	// that were sent and got no answer.
	Silent []string `json:"silent,omitempty"`
}

func (*Reflector) payload()     {}
func (*Reflector) Kind() string { return "reflector" }

// Proxy is one open-proxy test on a TCP port: the probe asked the service
// to fetch a canary the scanner serves itself.
type Proxy struct {
	Port    uint16 `json:"port"`
	Method  string `json:"method"`           // http, http-connect, socks5
	Open    bool   `json:"open"`             // the canary came back through the service
	Target  string `json:"target,omitempty"` // what the proxy was asked to reach
	Answer  string `json:"answer,omitempty"` // the service's reply line, bounded
	Relayed bool   `json:"relayed"`          // the canary server saw the proxy's connection
}

func (*Proxy) payload()     {}
func (*Proxy) Kind() string { return "proxy" }

// RouterAdvert is one Router Advertisement seen on a segment.
type RouterAdvert struct {
	Router         string   `json:"router"` // link-local source address
	MAC            string   `json:"mac,omitempty"`
	Prefixes       []string `json:"prefixes,omitempty"`
	Managed        bool     `json:"managed"`
	Other          bool     `json:"other"`
	RouterLifetime uint16   `json:"router_lifetime"` // seconds; 0 = not a default router
	Count          int      `json:"count"`           // RAs seen from this router in the window
	// IPv4 lists the IPv4 addresses the same MAC used on the segment
	// (ARP/IP), so the finding names the machine, not only the link.
	IPv4 []string `json:"ipv4,omitempty"`
}

func (*RouterAdvert) payload()     {}
func (*RouterAdvert) Kind() string { return "router-advert" }

// IPv6Host is a machine seen speaking IPv6 on a segment.
type IPv6Host struct {
	MAC   string   `json:"mac"`
	Addrs []string `json:"addrs,omitempty"` // IPv6 source addresses it used
	IPv4  []string `json:"ipv4,omitempty"`  // IPv4 addresses the same MAC used (ARP/IP)
	Via   []string `json:"via"`             // echo-reply, mld-report, ns, na, rs, ra, dhcpv6
}

func (*IPv6Host) payload()     {}
func (*IPv6Host) Kind() string { return "ipv6-host" }

// QuietHost is a machine seen on the segment over IPv4 only (it answered
// ARP or sent IPv4) that sent no IPv6 during the whole listening window,
// solicitations included: the evidence an IPv4-only segment's compliant
// hosts get.
type QuietHost struct {
	MAC  string   `json:"mac"`
	IPv4 []string `json:"ipv4"`
}

func (*QuietHost) payload()     {}
func (*QuietHost) Kind() string { return "quiet-host" }

// Transition is a sighting of an IPv6 transition mechanism.
type Transition struct {
	Mechanism string `json:"mechanism"` // teredo, 6to4, isatap, 6in4
	Source    string `json:"source"`
	Dest      string `json:"dest"`
	MAC       string `json:"mac,omitempty"`
	Detail    string `json:"detail,omitempty"`
}

func (*Transition) payload()     {}
func (*Transition) Kind() string { return "ipv6-transition" }

// SegmentScan summarises one segment listening run, so checks can tell
// "listened and saw nothing" (pass) from "could not listen" (error).
type SegmentScan struct {
	Iface    string   `json:"iface"`
	IPv4     []string `json:"ipv4,omitempty"` // the interface's IPv4 prefixes: which segment this is
	WindowMS int64    `json:"window_ms"`
	Sent     []string `json:"sent,omitempty"` // echo-ff02::1, mld-query, rs, dhcpv6-solicit
	Frames   int      `json:"frames"`         // frames captured
	Hosts    int      `json:"hosts"`          // IPv6Host observations emitted
	RAs      int      `json:"ras"`
	Transit  int      `json:"transitions"`
}

func (*SegmentScan) payload()     {}
func (*SegmentScan) Kind() string { return "segment-scan" }

// Neighbor is a host's entry in the scanner's neighbour table (ARP or
// NDP): its link-layer address on a link the scanner shares.
type Neighbor struct {
	MAC   string `json:"mac"`
	State string `json:"state,omitempty"` // reachable, stale, delay, probe, permanent
	Iface string `json:"iface,omitempty"`
}

func (*Neighbor) payload()     {}
func (*Neighbor) Kind() string { return "neighbor" }

// SSHHostKey is the host key an SSH server presented in its key exchange.
// One machine serves the same key on all of its addresses, so it ties a
// host's IPv4 and IPv6 addresses together (ipv6.parity).
type SSHHostKey struct {
	Type   string `json:"type"`   // ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa
	SHA256 string `json:"sha256"` // "SHA256:<base64>", as ssh-keygen -l prints it
}

func (*SSHHostKey) payload()     {}
func (*SSHHostKey) Kind() string { return "ssh-hostkey" }
