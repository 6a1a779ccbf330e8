package scanners

func init() {
	registerPayload(func() Payload { return new(PortState) })
	registerPayload(func() Payload { return new(Service) })
	registerPayload(func() Payload { return new(DBAccess) })
}

// PortState is one port's discovery result. Only open ports are recorded
// by default; closed and filtered counts go in the scan stats.
type PortState struct {
	Proto  Proto  `json:"proto"`
	Port   uint16 `json:"port"`
	State  string `json:"state"`            // open, closed, filtered, open|filtered
	Reason string `json:"reason,omitempty"` // syn-ack, rst, timeout, icmp-unreach, connect
	Method string `json:"method,omitempty"` // connect, syn, udp
	// Covered, on a host's summary (Port 0), lists the ports discovery
	// tried (FormatPorts), so checks can say what their verdict covers.
	Covered string `json:"covered,omitempty"`
}

func (*PortState) payload()     {}
func (*PortState) Kind() string { return "port" }

// Service is what answered on an open port: the asset inventory entry.
type Service struct {
	Proto    Proto  `json:"proto"`
	Port     uint16 `json:"port"`
	Name     string `json:"name,omitempty"`    // canonical service name: ssh, smtp, http, redis, ...; "" when unknown
	Product  string `json:"product,omitempty"` // OpenSSH, Postfix, nginx, Redis ...
	Version  string `json:"version,omitempty"`
	CPE      string `json:"cpe,omitempty"`
	TLS      bool   `json:"tls,omitempty"`      // the port speaks TLS from the first byte
	StartTLS bool   `json:"starttls,omitempty"` // the protocol offered an upgrade to TLS
	Banner   string `json:"banner,omitempty"`   // first bytes the server sent, printable, bounded
	// Method says how the name was decided: "banner", "probe:<name>",
	// "reply" (an HTTP response to another protocol's probe), "port" (a
	// guess from the port number alone, low confidence) or "port:tls"
	// (TLS proven, the name from the port: no crypto/tls hello got
	// inside, and Attrs[AttrTLSInner] says why).
	Method string `json:"method,omitempty"`
	// Date is the server's clock when the protocol tells it (HTTP Date,
	// SMTP greeting), with Local the scanner's clock at the same moment.
	Date  string `json:"date,omitempty"`
	Local string `json:"local,omitempty"`
	// Attrs holds protocol details useful to later probes and checks
	// (e.g. "auth-tls" for FTP, "http-status").
	Attrs map[string]string `json:"attrs,omitempty"`
}

func (*Service) payload()     {}
func (*Service) Kind() string { return "service" }

// AttrTLSInner is the Service attribute that says why the protocol inside
// TLS could not be reached (Method "port:tls").
const AttrTLSInner = "tls-inner"

// InnerUnreachable reports why the protocol inside this TLS service could
// not be reached by crypto/tls, when identification found so: a probe
// that needs to talk inside cannot decide there, and must say why rather
// than report that it found nothing.
func (s *Service) InnerUnreachable() (string, bool) {
	if s == nil || s.Method != "port:tls" {
		return "", false
	}
	return s.Attrs[AttrTLSInner], true
}

// DBAccess is the outcome of a read-only attempt to use a database or cache
// without credentials.
type DBAccess struct {
	Service string `json:"service"` // redis, mongodb, elasticsearch, memcached, mysql, postgresql ...
	// Unauthenticated is true when a read-only command succeeded with no
	// credentials; Command and Reply show what was sent and seen.
	Unauthenticated bool   `json:"unauthenticated"`
	AuthRequired    bool   `json:"auth_required"`
	Command         string `json:"command,omitempty"`
	Reply           string `json:"reply,omitempty"`
}

func (*DBAccess) payload()     {}
func (*DBAccess) Kind() string { return "dbaccess" }
