package scanners

import (
	"net/netip"
	"strconv"
)

// Proto is the transport or layer a target is probed on.
type Proto string

// Protocols a target can be probed on; they match the report schema's proto enum.
const (
	TCP    Proto = "tcp"
	UDP    Proto = "udp"
	ICMP   Proto = "icmp"
	ICMPv6 Proto = "icmpv6"
	DNS    Proto = "dns"
	L2     Proto = "l2"
)

// Target is one thing to probe. A zero Port means host level (a host, a
// mail domain, a segment); an invalid Addr means a name-only target such as
// a domain whose DNS data is examined.
type Target struct {
	Addr    netip.Addr `json:"addr,omitzero"`
	Name    string     `json:"name,omitempty"` // DNS name as given: SNI, Host header, mail domain
	Port    uint16     `json:"port,omitempty"`
	Proto   Proto      `json:"proto,omitempty"`
	Segment string     `json:"segment,omitempty"` // interface or segment name for layer-2 probes
}

// Host is the target's host as a report shows it: the canonical address, or
// the name when there is no address.
func (t Target) Host() string {
	if t.Addr.IsValid() {
		return t.Addr.String()
	}
	if t.Name != "" {
		return t.Name
	}
	return t.Segment
}

// HostPort is the dialable "addr:port" form ("[v6]:port" for IPv6).
func (t Target) HostPort() string {
	return netip.AddrPortFrom(t.Addr, t.Port).String()
}

// String is the report's target form: host, host:port or [v6]:port.
func (t Target) String() string {
	if t.Port == 0 {
		return t.Host()
	}
	if t.Addr.IsValid() {
		return t.HostPort()
	}
	return t.Host() + ":" + strconv.Itoa(int(t.Port))
}

// Endpoint returns the target narrowed to one port.
func (t Target) Endpoint(proto Proto, port uint16) Target {
	t.Proto, t.Port = proto, port
	return t
}
