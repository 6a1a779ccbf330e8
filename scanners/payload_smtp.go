package scanners

func init() {
	registerPayload(func() Payload { return new(SMTPSession) })
	registerPayload(func() Payload { return new(MailDomain) })
}

// SMTPReply is one server reply: the three-digit code and its text lines
// (without the code and separator).
type SMTPReply struct {
	Code  int      `json:"code"`
	Lines []string `json:"lines,omitempty"`
}

// SMTPStartTLS is the outcome of STARTTLS (or of the implicit TLS
// handshake on 465), judged by crypto/tls only: the TLS engine grades the
// channel separately under tls.*.
type SMTPStartTLS struct {
	Offered     bool     `json:"offered"`                // STARTTLS in the EHLO reply (always true for implicit TLS)
	Implicit    bool     `json:"implicit,omitempty"`     // port 465: TLS from the first byte
	Reply       int      `json:"reply,omitempty"`        // reply code to the STARTTLS command
	HandshakeOK bool     `json:"handshake_ok"`           // the crypto/tls handshake completed
	Error       string   `json:"error,omitempty"`        // why the handshake failed
	Version     string   `json:"version,omitempty"`      // "TLS 1.3"
	CipherSuite string   `json:"cipher_suite,omitempty"` // IANA name
	CertSubject string   `json:"cert_subject,omitempty"`
	CertIssuer  string   `json:"cert_issuer,omitempty"`
	CertNames   []string `json:"cert_names,omitempty"`
	CertExpires string   `json:"cert_expires,omitempty"` // RFC 3339
}

// SMTPRelayAttempt is one outside→outside relay attempt in one address
// form. Verdict is "accepted" (354 to DATA), "rcpt-only" (RCPT accepted,
// DATA refused), "refused" (5xx at MAIL or RCPT), "undecided" (4xx,
// timeout or a broken reply; Reason says which).
type SMTPRelayAttempt struct {
	Form     string `json:"form"` // plain, quoted, percent, bang, source-route, ip-literal, own-domain-sender
	MailFrom string `json:"mail_from"`
	RcptTo   string `json:"rcpt_to"`
	Mail     int    `json:"mail"`           // reply code to MAIL FROM
	Rcpt     int    `json:"rcpt,omitempty"` // reply code to RCPT TO (0: not sent)
	Data     int    `json:"data,omitempty"` // reply code to DATA (0: not sent)
	Verdict  string `json:"verdict"`
	Reason   string `json:"reason,omitempty"`
}

// Relay attempt verdicts.
const (
	RelayAccepted  = "accepted"
	RelayRcptOnly  = "rcpt-only"
	RelayRefused   = "refused"
	RelayUndecided = "undecided"
)

// SMTPSession is what smtp.session saw on one SMTP endpoint (25, 587 or
// 465): greeting, capabilities before and after TLS, AUTH mechanisms, the
// STARTTLS outcome and the relay attempts. The full transcript is in the
// observation's evidence.
type SMTPSession struct {
	Port     uint16    `json:"port"`
	Greeting SMTPReply `json:"greeting"`
	HELOName string    `json:"helo_name"`
	// Source is the scanner's local address of the connection, so a
	// finding says from where relaying was tried (inside/outside vantage).
	Source string `json:"source,omitempty"`
	// EHLO keywords (upper-cased, with parameters) before TLS; for 465 this
	// is empty and CapsTLS holds the capabilities.
	Caps     []string     `json:"caps,omitempty"`
	CapsTLS  []string     `json:"caps_tls,omitempty"`
	Auth     []string     `json:"auth,omitempty"`     // AUTH mechanisms offered before TLS
	AuthTLS  []string     `json:"auth_tls,omitempty"` // AUTH mechanisms offered after TLS
	EHLOOK   bool         `json:"ehlo_ok"`            // EHLO (or HELO fallback) succeeded
	TLSAfter bool         `json:"tls_after"`          // CapsTLS/AuthTLS were read after a working handshake
	StartTLS SMTPStartTLS `json:"starttls"`
	// OwnDomain is the target's mail domain used as the sender in the
	// "own-domain-sender" form ("" when not known).
	OwnDomain string             `json:"own_domain,omitempty"`
	Relay     []SMTPRelayAttempt `json:"relay,omitempty"`
	// RelayNote says why relay attempts were not made or stopped early.
	RelayNote string `json:"relay_note,omitempty"`
}

func (*SMTPSession) payload()     {}
func (*SMTPSession) Kind() string { return "smtp-session" }

// SPFTerm is one directive or modifier of an SPF record.
type SPFTerm struct {
	Qualifier string `json:"qualifier,omitempty"` // + - ~ ? for mechanisms
	Name      string `json:"name"`                // all, include, a, mx, ptr, ip4, ip6, exists, redirect, exp, or an unknown modifier
	Value     string `json:"value,omitempty"`
	Modifier  bool   `json:"modifier,omitempty"`
}

// SPFResult is one domain's SPF evaluation tree, flattened: the record
// seen for the domain and the DNS-querying term count of the whole tree.
type SPFResult struct {
	Records []string  `json:"records,omitempty"` // every TXT starting with v=spf1 (more than one is an error)
	Terms   []SPFTerm `json:"terms,omitempty"`   // terms of Records[0]
	// Lookups counts DNS-querying terms over the include/redirect tree
	// (RFC 7208 4.6.4 limit 10); VoidLookups those that returned no data
	// (limit 2).
	Lookups     int    `json:"lookups"`
	VoidLookups int    `json:"void_lookups"`
	All         string `json:"all,omitempty"` // effective "all" qualifier of the top record ("" if none)
	// Errors are permerrors (RFC 7208 2.6.7): syntax, limits, missing
	// include/redirect targets, loops. TempErrors are DNS failures inside
	// the tree (2.6.6): the record could not be judged, which is not a
	// defect of the record.
	Errors     []string `json:"errors,omitempty"`
	TempErrors []string `json:"temp_errors,omitempty"`
	// Notes say what static evaluation could not do (macros, ptr).
	Notes []string `json:"notes,omitempty"`
	// Includes lists "domain: record" of every included/redirected record,
	// kept raw as evidence.
	Includes []string `json:"includes,omitempty"`
}

// DMARCResult is the DMARC record found for a domain.
type DMARCResult struct {
	Domain  string            `json:"domain,omitempty"` // where it was found (the domain or its organisational domain)
	Records []string          `json:"records,omitempty"`
	Tags    map[string]string `json:"tags,omitempty"`
	Errors  []string          `json:"errors,omitempty"`
	// Fallback is true when the record came from the organisational domain.
	Fallback bool `json:"fallback,omitempty"`
}

// DKIMKey is one selector's public key record.
type DKIMKey struct {
	Selector string `json:"selector"`
	Record   string `json:"record"`
	KeyType  string `json:"key_type,omitempty"` // rsa, ed25519
	Bits     int    `json:"bits,omitempty"`
	Revoked  bool   `json:"revoked,omitempty"` // empty p=
	Error    string `json:"error,omitempty"`
}

// MTASTS is the MTA-STS TXT record and the HTTPS policy fetch.
type MTASTS struct {
	Records     []string `json:"records,omitempty"` // TXT of _mta-sts.<domain>
	ID          string   `json:"id,omitempty"`
	PolicyURL   string   `json:"policy_url,omitempty"`
	PolicyOK    bool     `json:"policy_ok"`
	Policy      string   `json:"policy,omitempty"` // body, bounded
	Mode        string   `json:"mode,omitempty"`   // enforce, testing, none
	PolicyError string   `json:"policy_error,omitempty"`
	Errors      []string `json:"errors,omitempty"`
}

// TLSA is the DANE TLSA record set of one MX on port 25.
type TLSA struct {
	MX      string   `json:"mx"`
	Records []string `json:"records,omitempty"`
	Error   string   `json:"error,omitempty"`
}

// MailDomain is what mail.domain saw in DNS for one mail domain.
type MailDomain struct {
	Domain string   `json:"domain"`
	MX     []string `json:"mx,omitempty"` // "pref host", sorted by preference
	// DNSErrors holds lookups that failed outright (SERVFAIL, timeout);
	// a check must not read a missing record as "absent" when its lookup
	// is listed here. Keys: "spf", "dmarc", "dkim", "mta-sts", "tlsrpt", "mx".
	DNSErrors map[string]string `json:"dns_errors,omitempty"`
	SPF       SPFResult         `json:"spf"`
	DMARC     DMARCResult       `json:"dmarc"`
	// Selectors are the DKIM selectors tried; DKIM the keys found.
	Selectors []string  `json:"selectors,omitempty"`
	DKIM      []DKIMKey `json:"dkim,omitempty"`
	MTASTS    MTASTS    `json:"mta_sts"`
	TLSRPT    []string  `json:"tlsrpt,omitempty"`
	TLSA      []TLSA    `json:"tlsa,omitempty"`
	Resolver  string    `json:"resolver,omitempty"`
}

func (*MailDomain) payload()     {}
func (*MailDomain) Kind() string { return "mail-domain" }
