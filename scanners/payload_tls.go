package scanners

func init() {
	registerPayload(func() Payload { return new(TLSScan) })
}

// TLSScan is the TLS configuration of one endpoint (probe tls.scan).
type TLSScan struct {
	// Mode is "implicit" (TLS from the first byte) or "starttls"; StartTLS
	// names the upgrade protocol (smtp, imap, pop3, ftp) in that case.
	Mode     string `json:"mode"`
	StartTLS string `json:"starttls,omitempty"`
	SNI      string `json:"sni,omitempty"`
	// Protocols lists every protocol tested, SSL2.0 to TLS1.3.
	Protocols []TLSProtocol `json:"protocols"`
	// Groups are the key-exchange groups the server accepted (ECDHE curves
	// for TLS ≤ 1.2, key-share groups for TLS 1.3), in the server's order.
	Groups []TLSGroup `json:"groups,omitempty"`
	// DHBits is the finite-field DHE prime size seen (0 when no DHE suite).
	DHBits int `json:"dh_bits,omitempty"`
	// Certificate is the chain as served, leaf first.
	Certificate *TLSChain `json:"certificate,omitempty"`
	Vulns       TLSVulns  `json:"vulnerabilities"`
	// Connections counts the TCP connections made; Errors collects
	// handshakes that ended in neither an answer nor a clean refusal.
	Connections int      `json:"connections"`
	Errors      []string `json:"errors,omitempty"`
}

// TLSProtocol is one protocol version's result.
type TLSProtocol struct {
	Name string `json:"name"` // SSL2.0, SSL3.0, TLS1.0, TLS1.1, TLS1.2, TLS1.3
	// Status is "supported", "not-supported" or "error" (Reason says why:
	// the probe could not decide).
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	// ServerOrder is "server" when the server enforces its own preference,
	// "client" when it follows ours, "" when not decidable (one suite).
	ServerOrder string     `json:"server_order,omitempty"`
	Suites      []TLSSuite `json:"suites,omitempty"` // accepted, in server order when enforced
}

// TLSSuite is one accepted cipher suite.
type TLSSuite struct {
	Code    string `json:"code"` // "0xC02F"; SSLv2 kinds have 6 hex digits
	Name    string `json:"name"` // IANA name, or the code when the registry names none
	OpenSSL string `json:"openssl,omitempty"`
	Kx      string `json:"kx,omitempty"` // ECDHE, DHE, RSA, ECDH, DH, *_anon, TLS13
	// KxGroup and KxBits describe the ephemeral key seen with this suite.
	KxGroup string `json:"kx_group,omitempty"`
	KxBits  int    `json:"kx_bits,omitempty"`
}

// TLSGroup is a supported group (curve or FFDHE group).
type TLSGroup struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Bits int    `json:"bits,omitempty"`
}

// TLSChain is the certificate chain as the server sent it.
type TLSChain struct {
	Certs []TLSCert `json:"certs"`
	// Trusted is the verification result against the trust store (system
	// roots plus --ca-file); TrustError says why not.
	Trusted    bool   `json:"trusted"`
	TrustError string `json:"trust_error,omitempty"`
	TrustStore string `json:"trust_store"` // "system", "system+ca-file", "custom"
	// NameChecked is the name (or address) matched against the leaf.
	NameChecked string `json:"name_checked,omitempty"`
	NameMatch   bool   `json:"name_match"`
	SelfSigned  bool   `json:"self_signed"`
	// OrderProblems lists chain order defects (a certificate that does not
	// certify its predecessor, duplicates, a leaf that is a CA).
	OrderProblems []string `json:"order_problems,omitempty"`
	OCSPStapled   bool     `json:"ocsp_stapled"`
	// Protocol is the handshake the chain was read from.
	Protocol string `json:"protocol"`
}

// TLSCert summarises one certificate; PEM keeps the raw bytes.
type TLSCert struct {
	Subject       string   `json:"subject"`
	Issuer        string   `json:"issuer"`
	SANs          []string `json:"sans,omitempty"`
	Serial        string   `json:"serial"`
	NotBefore     string   `json:"not_before"` // RFC 3339
	NotAfter      string   `json:"not_after"`
	KeyType       string   `json:"key_type"` // RSA, EC, Ed25519, DSA
	KeyBits       int      `json:"key_bits"`
	SigAlg        string   `json:"sig_alg"`     // Go's name, e.g. SHA256-RSA
	SigAlgOID     string   `json:"sig_alg_oid"` // 1.2.840.113549.1.1.11
	IsCA          bool     `json:"is_ca"`
	SelfIssued    bool     `json:"self_issued"`
	SHA256        string   `json:"sha256"`
	PEM           string   `json:"pem"`
	ParseError    string   `json:"parse_error,omitempty"`
	IsTrustAnchor bool     `json:"is_trust_anchor,omitempty"`
}

// TLSVulns are the vulnerability probes' results.
type TLSVulns struct {
	Heartbleed          TLSVuln `json:"heartbleed"`
	SecureRenegotiation TLSVuln `json:"insecure_renegotiation"`
	Compression         TLSVuln `json:"compression"`
	FallbackSCSV        TLSVuln `json:"fallback_scsv"`
}

// TLSVuln is one vulnerability probe: Status is "vulnerable",
// "not-vulnerable", "not-applicable" or "error" (Detail says why).
type TLSVuln struct {
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
}

func (*TLSScan) payload()     {}
func (*TLSScan) Kind() string { return "tls" }
