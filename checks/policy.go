package checks

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"shindan/checks/vulnfeed"
	"shindan/scanners"
)

// Policy says what "allowed" means for one organisation (product.md
// "Policy file"). The zero value is not usable; start from DefaultPolicy.
type Policy struct {
	Name   string // from the file, or "default"
	Digest string // "sha256:<hex>" of the file, for the report

	GovernmentSuffixes []string      // domain.government; default go.jp
	TLSSettingType     string        // tls-policy.yaml setting type; default recommended_security
	CertExpiryDays     int           // tls.certificate warns below this; default 30
	ClockSkew          time.Duration // time.skew threshold; default 60s
	AmplificationMax   float64       // dns.amplification / service.reflector threshold; default 10

	Services         []ServiceRule       // service.exposed allow-list; empty = inventory only
	IPv4OnlySegments []netip.Prefix      // ipv6.* checks
	AllowedRouters   []string            // ipv6.rogue-ra: link-local addresses or MACs
	DKIMSelectors    []string            // mail.dkim, besides the common ones
	Severity         map[string]Severity // check ID → severity override
	Waivers          []Waiver
	// Probe holds the probe settings of the probe: section (keys:
	// scanners.SettingKeys), validated when parsed; the command line is
	// laid over them (Settings.Over).
	Probe scanners.Settings
	// Notify is the notify: section (sweep drift alerts); nil = none.
	Notify *Notify

	file     string         // for errors found after parsing (ValidateCheckIDs)
	sevLines map[string]int // line of each severity override
	// VulnFeed is the offline vulnerability feed service.version compares
	// versions with (--vuln-feed); nil = none given.
	VulnFeed *vulnfeed.Feed
}

// ServiceRule allows services on the hosts it names.
type ServiceRule struct {
	Hosts []HostPattern
	Allow []PortPattern
	Line  int // where the rule starts in the policy file
}

// HostPattern matches a host by address prefix, address range or name.
type HostPattern struct {
	Prefix      netip.Prefix // valid for address and CIDR patterns
	First, Last netip.Addr   // valid for range patterns ("198.51.100.50-59")
	Name        string       // lower-case DNS name; "*.example.jp" matches subdomains
}

// PortPattern matches an endpoint by proto/port or by service name.
type PortPattern struct {
	Proto   string // "tcp" or "udp"; "" with Service
	Port    uint16
	Service string // canonical service name ("ssh"); matches any port
}

// Waiver keeps a finding in the report as waived until a date passes.
type Waiver struct {
	Finding string    // finding ID, or
	Check   string    // check ID (glob) plus
	Target  string    // target as the report prints it ("198.51.100.10:6379", host or domain)
	Reason  string    // required
	Until   time.Time // the last day the waiver holds (inclusive)
	By      string
	Line    int
}

// DefaultPolicy returns the built-in policy used without --policy.
func DefaultPolicy() *Policy {
	return &Policy{
		Name: "default", GovernmentSuffixes: []string{"go.jp"},
		TLSSettingType: "recommended_security", CertExpiryDays: 30,
		ClockSkew: 60 * time.Second, AmplificationMax: 10,
		Severity: map[string]Severity{}, sevLines: map[string]int{},
	}
}

// TLSSettingTypes are the setting types of tls-policy.yaml.
var TLSSettingTypes = []string{"high_security", "recommended_security", "security_exception"}

// policyFile is the YAML shape; unknown keys are rejected.
type policyFile struct {
	Version            int      `yaml:"version"`
	Name               string   `yaml:"name"`
	GovernmentSuffixes []string `yaml:"government_suffixes"`
	TLS                *struct {
		SettingType string `yaml:"setting_type"`
	} `yaml:"tls"`
	Thresholds *struct {
		CertExpiryDays   *int     `yaml:"cert_expiry_days"`
		ClockSkew        string   `yaml:"clock_skew"`
		AmplificationMax *float64 `yaml:"amplification_factor"`
	} `yaml:"thresholds"`
	Services []struct {
		Hosts yaml.Node `yaml:"hosts"`
		Allow yaml.Node `yaml:"allow"`
	} `yaml:"services"`
	IPv4OnlySegments yaml.Node   `yaml:"ipv4_only_segments"`
	AllowedRouters   []string    `yaml:"allowed_routers"`
	DKIMSelectors    []string    `yaml:"dkim_selectors"`
	Severity         yaml.Node   `yaml:"severity"`
	Waivers          []yaml.Node `yaml:"waivers"`
	Probe            yaml.Node   `yaml:"probe"`
	Notify           yaml.Node   `yaml:"notify"`
}

// PolicyError is a rejected policy file, with the position of the problem.
type PolicyError struct {
	File string
	Line int // 0 when the problem is not tied to a line
	Msg  string
}

// Error prints file:line first, the form editors and CI logs link to.
func (e *PolicyError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("policy %s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("policy %s: %s", e.File, e.Msg)
}

// LoadPolicy reads and validates a policy file.
func LoadPolicy(file string) (*Policy, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return ParsePolicy(file, b)
}

// yamlLine takes the line number out of a yaml.v3 message ("yaml: line 7:
// ..."), the only place that library reports a position for syntax and
// type errors, so PolicyError can carry it as a field.
var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// maxPolicySize bounds what we parse: a policy is hand-written.
const maxPolicySize = 4 << 20

// ParsePolicy parses policy YAML; name is used in error messages. Every
// error is a *PolicyError naming the line and the reason.
func ParsePolicy(name string, b []byte) (*Policy, error) {
	perr := func(line int, f string, a ...any) error {
		return &PolicyError{File: name, Line: line, Msg: fmt.Sprintf(f, a...)}
	}
	if len(b) > maxPolicySize {
		return nil, perr(0, "file larger than %d bytes", maxPolicySize)
	}
	var pf policyFile
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(b)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, perr(0, "empty policy file")
		}
		return nil, yamlError(name, err, nil)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&pf); err != nil {
		return nil, yamlError(name, err, &doc)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, perr(extra.Line, "more than one YAML document")
	}
	at := func(path string) int { return lineOf(&doc, path) }
	if pf.Version != 1 {
		return nil, perr(at("version"), "version: must be 1 (got %d)", pf.Version)
	}
	p := DefaultPolicy()
	p.file = name
	sum := sha256.Sum256(b)
	p.Digest = "sha256:" + hex.EncodeToString(sum[:])
	if pf.Name != "" {
		p.Name = pf.Name
	}
	if pf.GovernmentSuffixes != nil {
		p.GovernmentSuffixes = nil
		for _, s := range pf.GovernmentSuffixes {
			s = strings.Trim(strings.ToLower(strings.TrimSpace(s)), ".")
			if s == "" || strings.ContainsAny(s, " /*") {
				return nil, perr(at("government_suffixes"), "government_suffixes: %q is not a domain suffix", s)
			}
			p.GovernmentSuffixes = append(p.GovernmentSuffixes, s)
		}
	}
	if pf.TLS != nil && pf.TLS.SettingType != "" {
		if !slices.Contains(TLSSettingTypes, pf.TLS.SettingType) {
			return nil, perr(at("tls.setting_type"), "tls.setting_type: %q is not one of %s", pf.TLS.SettingType, strings.Join(TLSSettingTypes, ", "))
		}
		p.TLSSettingType = pf.TLS.SettingType
	}
	if t := pf.Thresholds; t != nil {
		if t.CertExpiryDays != nil {
			if *t.CertExpiryDays < 0 || *t.CertExpiryDays > 3650 {
				return nil, perr(at("thresholds.cert_expiry_days"), "thresholds.cert_expiry_days: %d is out of range 0..3650", *t.CertExpiryDays)
			}
			p.CertExpiryDays = *t.CertExpiryDays
		}
		if t.ClockSkew != "" {
			d, err := time.ParseDuration(t.ClockSkew)
			if err != nil || d <= 0 {
				return nil, perr(at("thresholds.clock_skew"), "thresholds.clock_skew: %q is not a positive duration such as 60s", t.ClockSkew)
			}
			p.ClockSkew = d
		}
		if t.AmplificationMax != nil {
			if *t.AmplificationMax < 1 {
				return nil, perr(at("thresholds.amplification_factor"), "thresholds.amplification_factor: must be at least 1")
			}
			p.AmplificationMax = *t.AmplificationMax
		}
	}
	for _, s := range pf.Services {
		var r ServiceRule
		r.Line = s.Hosts.Line
		hosts, err := stringList(&s.Hosts, "services[].hosts")
		if err != nil {
			return nil, wrapNodeErr(name, err)
		}
		if len(hosts) == 0 {
			return nil, perr(s.Hosts.Line, "services: a rule needs hosts")
		}
		for _, h := range hosts {
			hp, err := ParseHostPattern(h.v)
			if err != nil {
				return nil, perr(h.line, "services[].hosts: %v", err)
			}
			r.Hosts = append(r.Hosts, hp)
		}
		allow, err := stringList(&s.Allow, "services[].allow")
		if err != nil {
			return nil, wrapNodeErr(name, err)
		}
		for _, a := range allow {
			pp, err := ParsePortPattern(a.v)
			if err != nil {
				return nil, perr(a.line, "services[].allow: %v", err)
			}
			r.Allow = append(r.Allow, pp)
		}
		p.Services = append(p.Services, r)
	}
	segs, err := stringList(&pf.IPv4OnlySegments, "ipv4_only_segments")
	if err != nil {
		return nil, wrapNodeErr(name, err)
	}
	for _, s := range segs {
		pfx, err := netip.ParsePrefix(s.v)
		if err != nil || !pfx.Addr().Is4() {
			return nil, perr(s.line, "ipv4_only_segments: %q is not an IPv4 CIDR", s.v)
		}
		p.IPv4OnlySegments = append(p.IPv4OnlySegments, pfx.Masked())
	}
	p.AllowedRouters = pf.AllowedRouters
	p.DKIMSelectors = pf.DKIMSelectors
	if len(pf.DKIMSelectors) > 0 {
		if err := setProbe(&p.Probe, "dkim_selectors", pf.DKIMSelectors); err != nil {
			return nil, perr(at("dkim_selectors"), "dkim_selectors: %v", err)
		}
	}
	if err := parseProbe(&pf.Probe, &p.Probe); err != nil {
		return nil, wrapNodeErr(name, err)
	}
	if p.Notify, err = parseNotify(&pf.Notify); err != nil {
		return nil, wrapNodeErr(name, err)
	}
	if pf.Severity.Kind != 0 {
		if pf.Severity.Kind != yaml.MappingNode {
			return nil, perr(pf.Severity.Line, "severity: must map check IDs to severities")
		}
		for i := 0; i+1 < len(pf.Severity.Content); i += 2 {
			k, v := pf.Severity.Content[i], pf.Severity.Content[i+1]
			if !checkIDPattern.MatchString(k.Value) {
				return nil, perr(k.Line, "severity: %q is not a check ID", k.Value)
			}
			p.sevLines[k.Value] = k.Line
			sev := Severity(v.Value)
			if sev.Rank() == 0 && sev != None {
				return nil, perr(v.Line, "severity: %q is not critical, high, medium, low or none", v.Value)
			}
			p.Severity[k.Value] = sev
		}
	}
	for i := range pf.Waivers {
		w, err := parseWaiver(&pf.Waivers[i])
		if err != nil {
			return nil, wrapNodeErr(name, err)
		}
		p.Waivers = append(p.Waivers, w)
	}
	return p, nil
}

// nodeErr is a validation error tied to a YAML line.
type nodeErr struct {
	line int
	msg  string
}

// Error is the message alone: wrapNodeErr adds the file and line.
func (e *nodeErr) Error() string { return e.msg }

// wrapNodeErr makes any validation error a *PolicyError, with the line
// when a nodeErr carries one, so ParsePolicy returns one error type.
func wrapNodeErr(file string, err error) error {
	var ne *nodeErr
	if errors.As(err, &ne) {
		return &PolicyError{File: file, Line: ne.line, Msg: ne.msg}
	}
	return &PolicyError{File: file, Msg: err.Error()}
}

// yamlError turns a yaml.v3 decoding error into a *PolicyError. A
// TypeError lists every mismatch; only the first is shown, so the error
// is one line with one file:line.
func yamlError(file string, err error, doc *yaml.Node) error {
	var te *yaml.TypeError
	msg := err.Error()
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &PolicyError{File: file, Line: line, Msg: readableYAMLError(m[2], keyAt(doc, line))}
	}
	return &PolicyError{File: file, Msg: strings.TrimPrefix(msg, "yaml: ")}
}

// lineString is a policy value with the line it was written on, kept
// until validation so that a bad entry in a list is reported at its own
// line, not at the list's key.
type lineString struct {
	v    string
	line int
}

// stringList reads a scalar or a sequence of scalars.
func stringList(n *yaml.Node, field string) ([]lineString, error) {
	switch n.Kind {
	case 0:
		return nil, nil
	case yaml.ScalarNode:
		return []lineString{{strings.TrimSpace(n.Value), n.Line}}, nil
	case yaml.SequenceNode:
		var out []lineString
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return nil, &nodeErr{c.Line, field + ": expected a string"}
			}
			out = append(out, lineString{strings.TrimSpace(c.Value), c.Line})
		}
		return out, nil
	}
	return nil, &nodeErr{n.Line, field + ": expected a string or a list of strings"}
}

// parseWaiver reads one waivers: entry by hand rather than by struct
// tags, so an unknown field is an error at its line. A waiver must say
// what it hides (a finding ID, or a check and a target), why, and until
// when: a waiver without an end date would silence a finding for good.
func parseWaiver(n *yaml.Node) (Waiver, error) {
	w := Waiver{Line: n.Line}
	if n.Kind != yaml.MappingNode {
		return w, &nodeErr{n.Line, "waivers: each waiver must be a mapping"}
	}
	var until string
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			return w, &nodeErr{v.Line, "waivers." + k.Value + ": expected a string"}
		}
		switch k.Value {
		case "finding":
			w.Finding = v.Value
		case "check":
			w.Check = v.Value
		case "target":
			w.Target = v.Value
		case "reason":
			w.Reason = v.Value
		case "until":
			until = v.Value
		case "by":
			w.By = v.Value
		default:
			return w, &nodeErr{k.Line, fmt.Sprintf("waivers: unknown field %q (finding, check, target, reason, until, by)", k.Value)}
		}
	}
	switch {
	case w.Finding == "" && (w.Check == "" || w.Target == ""):
		return w, &nodeErr{n.Line, "waivers: a waiver names a finding ID, or a check and a target"}
	case strings.TrimSpace(w.Reason) == "":
		return w, &nodeErr{n.Line, "waivers: a waiver needs a reason"}
	case until == "":
		return w, &nodeErr{n.Line, "waivers: a waiver needs an until date (YYYY-MM-DD)"}
	}
	if w.Check != "" {
		if _, err := globCheck(w.Check); err != nil {
			return w, &nodeErr{n.Line, "waivers.check: " + err.Error()}
		}
	}
	d, err := time.Parse(time.DateOnly, until)
	if err != nil {
		return w, &nodeErr{n.Line, fmt.Sprintf("waivers.until: %q is not a date (YYYY-MM-DD)", until)}
	}
	w.Until = d
	return w, nil
}

// globCheck accepts the characters of check IDs and the glob operators *
// and ?. Brackets are refused, so a glob that passes can never be a bad
// pattern for path.Match later (globMatch ignores that error).
func globCheck(g string) (bool, error) {
	if !regexp.MustCompile(`^[a-z0-9.*?-]+$`).MatchString(g) {
		return false, fmt.Errorf("%q is not a check ID or glob", g)
	}
	return true, nil
}

// ParseHostPattern parses an address, a CIDR or a DNS name ("*.x" allowed).
func ParseHostPattern(s string) (HostPattern, error) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return HostPattern{Prefix: netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())}, nil
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return HostPattern{}, fmt.Errorf("%q is not a CIDR", s)
		}
		return HostPattern{Prefix: p.Masked()}, nil
	}
	if lo, hi, ok := strings.Cut(s, "-"); ok {
		if first, err := netip.ParseAddr(lo); err == nil {
			last, err := netip.ParseAddr(hi)
			if n, nerr := strconv.ParseUint(hi, 10, 8); nerr == nil && first.Is4() {
				b := first.As4()
				b[3] = byte(n)
				last, err = netip.AddrFrom4(b), nil
			}
			if err != nil || first.Is4() != last.Is4() || last.Less(first) {
				return HostPattern{}, fmt.Errorf("%q is not an address range (198.51.100.50-59 or first-last)", s)
			}
			return HostPattern{First: first.Unmap(), Last: last.Unmap()}, nil
		}
	}
	name := strings.TrimSuffix(strings.ToLower(s), ".")
	labels := strings.Split(name, ".")
	if strings.Trim(labels[len(labels)-1], "0123456789-") == "" {
		return HostPattern{}, fmt.Errorf("%q is not an address, CIDR, range or host name", s)
	}
	if !validHostName(strings.TrimPrefix(name, "*.")) {
		return HostPattern{}, fmt.Errorf("%q is not an address, CIDR or host name", s)
	}
	return HostPattern{Name: name}, nil
}

// hostLabel is an RFC 1123 §2.1 label (letters, digits, inner hyphens, at
// most 63 octets), with "_" accepted as well: DNS itself allows it
// (RFC 2181 §11) and names such as _dmarc.example.jp exist.
var hostLabel = regexp.MustCompile(`^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$`)

// validHostName checks the length limit of RFC 1035 §2.3.4 (255 octets
// on the wire, so 253 characters as text without the final dot) and
// every label.
func validHostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if !hostLabel.MatchString(l) {
			return false
		}
	}
	return true
}

// Match reports whether the pattern covers an address or one of its names.
func (h HostPattern) Match(a netip.Addr, names []string) bool {
	if h.Prefix.IsValid() {
		return a.IsValid() && h.Prefix.Contains(a.Unmap())
	}
	if h.First.IsValid() {
		a = a.Unmap()
		return a.IsValid() && a.BitLen() == h.First.BitLen() && !a.Less(h.First) && !h.Last.Less(a)
	}
	for _, n := range names {
		n = strings.TrimSuffix(strings.ToLower(n), ".")
		if n == h.Name || (strings.HasPrefix(h.Name, "*.") && strings.HasSuffix(n, h.Name[1:])) {
			return true
		}
	}
	return false
}

// ParsePortPattern parses "tcp/22", "udp/53", "22" (TCP) or a service name.
func ParsePortPattern(s string) (PortPattern, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	proto, port, found := strings.Cut(s, "/")
	if !found {
		proto, port = "tcp", s
	}
	if n, err := strconv.ParseUint(port, 10, 16); err == nil {
		if n == 0 || (proto != "tcp" && proto != "udp") {
			return PortPattern{}, fmt.Errorf("%q: want tcp/PORT, udp/PORT or a service name", s)
		}
		return PortPattern{Proto: proto, Port: uint16(n)}, nil
	}
	if found || !regexp.MustCompile(`^[a-z][a-z0-9-]*$`).MatchString(s) {
		return PortPattern{}, fmt.Errorf("%q: want tcp/PORT, udp/PORT or a service name", s)
	}
	return PortPattern{Service: s}, nil
}

// Allowed reports whether the service on proto/port of host a (with names)
// is allowed, and whether any rule covered the host at all.
func (p *Policy) Allowed(a netip.Addr, names []string, proto string, port uint16, service string) (allowed, covered bool) {
	for _, r := range p.Services {
		if !slices.ContainsFunc(r.Hosts, func(h HostPattern) bool { return h.Match(a, names) }) {
			continue
		}
		covered = true
		for _, pp := range r.Allow {
			if (pp.Service != "" && pp.Service == service) || (pp.Proto == proto && pp.Port == port) {
				return true, true
			}
		}
	}
	return false, covered
}

// SeverityFor returns the policy's override for a check, or def.
func (p *Policy) SeverityFor(check string, def Severity) Severity {
	if s, ok := p.Severity[check]; ok {
		return s
	}
	return def
}

// WaiverFor returns the waiver covering a finding on the scan date, or nil.
// A waiver whose date has passed no longer applies.
func (p *Policy) WaiverFor(findingID, check, target string, now time.Time) *Waiver {
	day := now.UTC().Truncate(24 * time.Hour)
	for i := range p.Waivers {
		w := &p.Waivers[i]
		if day.After(w.Until) {
			continue
		}
		if w.Finding != "" && w.Finding == findingID {
			return w
		}
		if w.Check != "" && globMatch(w.Check, check) && w.Target == target {
			return w
		}
	}
	return nil
}
