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
