package scanners

import (
	"sort"
	"strings"
)

func init() {
	registerPayload(func() Payload { return new(HTTPSite) })
	registerPayload(func() Payload { return new(NucleiMatch) })
}

// HTTPExchange is one bounded HTTP request/response pair. Body holds at most
// the probe's excerpt cap; BodyLen is how much the server sent, up to the
// read cap, and Truncated says the server had more.
type HTTPExchange struct {
	Method     string              `json:"method"`
	Path       string              `json:"path"`
	Request    string              `json:"request,omitempty"` // request line as sent ("GET /x HTTP/1.1")
	Proto      string              `json:"proto,omitempty"`   // HTTP/1.1, HTTP/2.0
	Status     int                 `json:"status,omitempty"`  // 0 when the request failed
	StatusLine string              `json:"status_line,omitempty"`
	Headers    map[string][]string `json:"headers,omitempty"` // canonical names, bounded
	Body       []byte              `json:"body,omitempty"`
	BodyLen    int                 `json:"body_len,omitempty"`
	Truncated  bool                `json:"truncated,omitempty"`
	// Soft404 is true when the response is indistinguishable from the
	// site's answer for random non-existent paths (see HTTPBaseline).
	Soft404 bool `json:"soft404,omitempty"`
	// Kind is what the path was requested for (exposed-file kind, "folder",
	// "root", "robots", "error-404" ...).
	Kind  string `json:"kind,omitempty"`
	Error string `json:"error,omitempty"` // why there is no response
	// TLSSubject and TLSOrg describe the leaf certificate over HTTPS
	// (http.hosting-org); grading the certificate is tlsscan's job.
	TLSSubject string   `json:"tls_subject,omitempty"`
	TLSOrg     []string `json:"tls_org,omitempty"`
}

// Header returns the first value of a header (canonical or any case).
func (x *HTTPExchange) Header(name string) string {
	if v := x.HeaderValues(name); len(v) > 0 {
		return v[0]
	}
	return ""
}

// HeaderValues returns every value of a header, matching the name without
// regard to case.
func (x *HTTPExchange) HeaderValues(name string) []string {
	if v, ok := x.Headers[name]; ok {
		return v
	}
	for k, v := range x.Headers {
		if equalFoldASCII(k, name) {
			return v
		}
	}
	return nil
}

// equalFoldASCII compares header names as RFC 9110 §5.1 does, ignoring
// ASCII case only: strings.EqualFold would also fold Unicode, so a
// hostile server's "Set-Coo\u212Aie" (Kelvin sign) would match "cookie".
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}

// HTTPBaseline is the site's answer to random non-existent paths (a file,
// a folder and a case variant). When Stable is false the site answers
// differently each time and path existence cannot be judged.
type HTTPBaseline struct {
	Stable bool   `json:"stable"`
	Status int    `json:"status,omitempty"` // common status of the random paths
	Reason string `json:"reason,omitempty"` // why the baseline is unstable
	// Compare is how answers are matched against the random paths:
	// "bytes" (cleaned bodies equal) or "structure" (the same markup and
	// words, values such as per-response nonces ignored).
	Compare string `json:"compare,omitempty"`
	// Samples are the random-path exchanges the baseline was built from.
	Samples []HTTPExchange `json:"samples,omitempty"`
}

// HTTPMethodTest is the outcome of trying one method for real.
type HTTPMethodTest struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Status int    `json:"status,omitempty"`
	// Enabled is true when the server implemented the method: TRACE/TRACK
	// echoed the request, PUT created the resource, DELETE removed it,
	// PROPFIND answered 207 Multi-Status.
	Enabled bool   `json:"enabled"`
	Detail  string `json:"detail,omitempty"` // what was verified, in English
	// CleanedUp is set for PUT when a created file was deleted again.
	CleanedUp bool         `json:"cleaned_up,omitempty"`
	Exchange  HTTPExchange `json:"exchange"`
	Error     string       `json:"error,omitempty"`
}

// HTTPSite is what probe http.site learned about one web endpoint (one
// virtual host on one port).
type HTTPSite struct {
	URL    string `json:"url"`    // base URL as requested: "http://198.51.100.10:80"
	Scheme string `json:"scheme"` // http or https
	Host   string `json:"host"`   // Host header sent (virtual host)
	// Root is GET / (after same-site redirects); RootChain holds the
	// redirects that led there.
	Root      HTTPExchange   `json:"root"`
	RootChain []HTTPExchange `json:"root_chain,omitempty"`
	// OffSite lists redirect targets outside the scan scope, recorded and
	// not followed.
	OffSite  []string       `json:"off_site,omitempty"`
	Baseline HTTPBaseline   `json:"baseline"`
	Folders  []HTTPExchange `json:"folders,omitempty"` // GET of discovered and common folders
	// Pages are the linked pages the crawl fetched for their links.
	Pages  []HTTPExchange `json:"pages,omitempty"`
	Files  []HTTPExchange `json:"files,omitempty"`  // the curated exposed-file list
	Errors []HTTPExchange `json:"errors,omitempty"` // provoked error pages (404, 400)
	Robots *HTTPExchange  `json:"robots,omitempty"`
	// SecurityTxt is GET /.well-known/security.txt (RFC 9116).
	SecurityTxt *HTTPExchange `json:"security_txt,omitempty"`
	// Options is the OPTIONS * / OPTIONS / exchange; Methods the real tests.
	Options *HTTPExchange    `json:"options,omitempty"`
	Methods []HTTPMethodTest `json:"methods,omitempty"`
	// HTTPS is set on plain-HTTP sites: whether the same host serves HTTPS
	// on 443 (HTTPSChecked false when that could not be tried).
	HTTPSChecked bool   `json:"https_checked,omitempty"`
	HTTPSServed  bool   `json:"https_served,omitempty"`
	HTTPSError   string `json:"https_error,omitempty"`
	// TLS is how the HTTPS connections of this visit were made (https
	// sites); HTTPSTLS the same for the port-443 check of a plain site.
	// On a failed observation, TLS.Gap says why no handshake was possible.
	TLS      *HTTPTLS `json:"tls,omitempty"`
	HTTPSTLS *HTTPTLS `json:"https_tls,omitempty"`
}

// HTTPTLS is the TLS of a web visit. The web probes talk to legacy servers
// to diagnose them: when crypto/tls's default hello is refused, a legacy
// one is tried, then a short one, and the one that worked is recorded so a
// verdict reached over it says so.
type HTTPTLS struct {
	// Profile is the hello that worked: "modern" (crypto/tls defaults from
	// TLS 1.0), "legacy" (also every suite crypto/tls implements only when
	// named: RSA key exchange, 3DES, RC4, CBC-SHA256) or "short" (legacy
	// at TLS 1.2 at most in a hello under 256 bytes, for middleboxes that
	// reset long hellos).
	Profile string `json:"profile,omitempty"`
	Version string `json:"version,omitempty"` // negotiated ("TLS 1.0")
	Suite   string `json:"suite,omitempty"`   // negotiated, IANA name
	// Refused lists the profiles tried first, each with its handshake error.
	Refused []string `json:"refused,omitempty"`
	// Gap is set when no profile could handshake and a raw hello showed
	// what the server wants that crypto/tls does not implement.
	Gap *TLSGap `json:"gap,omitempty"`
}

// Fallback reports whether the visit needed a hello other than the default.
func (t *HTTPTLS) Fallback() bool { return t != nil && t.Profile != "" && t.Profile != "modern" }

// Kinds of TLSGap.
const (
	GapProtocol    = "protocol"     // SSL 3.0 or older only
	GapKeyExchange = "key-exchange" // a suite whose key exchange crypto/tls lacks (DHE, static DH, anonymous)
	GapCipher      = "cipher"       // a suite whose cipher or MAC crypto/tls lacks (Camellia, ARIA, CCM, CBC-SHA384 ...)
	GapGroup       = "group"        // a TLS 1.3 group crypto/tls lacks (x448, ffdhe)
	GapAlert       = "alert"        // the server refused the raw hello too, with this alert
	GapHello       = "hello"        // the server took the raw hello with what crypto/tls implements, yet refused crypto/tls's hellos
)

// TLSGap is what a server needs that Go's crypto/tls cannot offer, read
// from the server's answer to tlsscan's raw identification hello.
type TLSGap struct {
	Kind   string `json:"kind"`
	What   string `json:"what,omitempty"` // protocol, suite, group or alert name
	Server string `json:"server"`         // the answer: "ServerHello TLS1.2 TLS_DHE_RSA_..."
	// NoSNI is set when no server_name was sent (the target is an
	// address): a server that needs one refuses every hello.
	NoSNI bool `json:"no_sni,omitempty"`
}

// String says the gap in one English line.
func (g *TLSGap) String() string {
	switch g.Kind {
	case GapProtocol:
		return "the server speaks only " + g.What + " older than TLS 1.0, which crypto/tls does not implement (" + g.Server + ")"
	case GapKeyExchange:
		return "the server chooses " + g.What + ", a key exchange crypto/tls does not implement (" + g.Server + ")"
	case GapCipher:
		return "the server chooses " + g.What + ", a cipher suite crypto/tls does not implement (" + g.Server + ")"
	case GapGroup:
		return "the server requires the group " + g.What + ", which crypto/tls does not implement (" + g.Server + ")"
	case GapAlert:
		if g.NoSNI && g.What == "unrecognized_name" {
			return "the server requires a server name (SNI), and none was sent, the target being an address (" + g.Server + ")"
		}
		s := "the server refuses even a hello with every suite and group the policy names (" + g.Server + ")"
		if g.NoSNI {
			s += "; no server name was sent, the target being an address"
		}
		return s
	}
	return "the server answers a hello without OCSP status_request and SCT request (" + g.Server +
		") but refuses crypto/tls's, which always carries them"
}

func (*HTTPSite) payload()     {}
func (*HTTPSite) Kind() string { return "http-site" }

// NucleiMatch is one nuclei template match.
type NucleiMatch struct {
	TemplateID  string   `json:"template_id"`
	Name        string   `json:"name,omitempty"`
	Severity    string   `json:"severity,omitempty"` // info, low, medium, high, critical
	Description string   `json:"description,omitempty"`
	Articles    []string `json:"articles,omitempty"` // from info.metadata.articles
	MatchedAt   string   `json:"matched_at,omitempty"`
	Matcher     string   `json:"matcher,omitempty"`
	Extracted   []string `json:"extracted,omitempty"`
	Request     string   `json:"request,omitempty"`  // bounded excerpt
	Response    string   `json:"response,omitempty"` // bounded excerpt
	// Templates is how many templates ran against the endpoint; set on the
	// summary observation that carries no match (TemplateID "").
	Templates int `json:"templates,omitempty"`
}

func (*NucleiMatch) payload()     {}
func (*NucleiMatch) Kind() string { return "nuclei-match" }

// Transcript renders an exchange as evidence text: request line, status
// line, headers and at most bodyMax bytes of the body.
func (x *HTTPExchange) Transcript(bodyMax int) string {
	var sb strings.Builder
	sb.WriteString("> " + x.Request + "\n")
	if x.Error != "" {
		sb.WriteString("! " + x.Error + "\n")
		return sb.String()
	}
	sb.WriteString("< " + x.StatusLine + "\n")
	keys := make([]string, 0, len(x.Headers))
	for k := range x.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range x.Headers[k] {
			sb.WriteString("< " + k + ": " + v + "\n")
		}
	}
	b := x.Body
	if len(b) > bodyMax {
		b = b[:bodyMax]
	}
	sb.WriteString("\n" + strings.ToValidUTF8(string(b), "?"))
	return sb.String()
}

// HTTPEvidence renders an exchange as report evidence.
func HTTPEvidence(x *HTTPExchange, summary string) Evidence {
	return Evidence{Kind: "http", Summary: summary, Data: x.Transcript(1024)}
}
