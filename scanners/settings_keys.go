package scanners

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// SettingKey is one key of the policy's probe: section. Set parses the
// value (one string, or several for list keys) into s; its error says what
// a good value looks like, without the key (the caller names key and line).
type SettingKey struct {
	Name string
	List bool // takes a list (a YAML sequence, or one comma-separated string)
	Help string
	Set  func(s *Settings, vals []string) error
}

// SettingKeys are the probe: keys, sorted by name. Names are the ones
// policy files already use; they never change meaning.
var SettingKeys = []SettingKey{
	{"dkim_selectors", true, "DKIM selectors to try besides the common ones", func(s *Settings, v []string) error {
		for _, x := range v {
			if !dnsLabels.MatchString(x) {
				return fmt.Errorf("%q is not a DKIM selector (DNS labels)", x)
			}
		}
		s.Mail.DKIMSelectors = v
		return nil
	}},
	{"dns_soa_recheck", false, "pause before the SOA serial re-check (e.g. 2s)", durationInto(func(s *Settings) *time.Duration { return &s.DNS.SOARecheck })},
	{"dns_zone_servers", true, "name servers to ask for a zone whose parent cannot be reached (IP addresses)", func(s *Settings, v []string) error {
		var out []netip.Addr
		for _, x := range v {
			a, err := netip.ParseAddr(x)
			if err != nil {
				return fmt.Errorf("%q is not an IP address", x)
			}
			out = append(out, a)
		}
		s.DNS.ZoneServers = out
		return nil
	}},
	{"dns_zones", true, "zones to try AXFR on every DNS server", func(s *Settings, v []string) error {
		for _, x := range v {
			if err := CheckHostName(x); err != nil {
				return err
			}
		}
		s.DNS.Zones = v
		return nil
	}},
	{"greet_timeout", false, "greeting wait on mail ports (e.g. 30s)", durationInto(func(s *Settings) *time.Duration { return &s.SMTP.GreetTimeout })},
	{"helo", false, "SMTP EHLO/HELO name", stringInto(CheckHELO, func(s *Settings) *string { return &s.SMTP.HELO })},
	{"intrusive", false, "run intrusive nuclei templates (true/false)", func(s *Settings, v []string) error {
		b, err := strconv.ParseBool(v[0])
		if err != nil {
			return fmt.Errorf("%q is not true or false", v[0])
		}
		s.Nuclei.Intrusive = b
		return nil
	}},
	{"mail_domain", false, "the target's own mail domain (own-domain relay form)", stringInto(CheckHostName, func(s *Settings) *string { return &s.SMTP.MailDomain })},
	{"mail_from", false, "outside sender of the relay test (local@domain)", stringInto(CheckMailbox, func(s *Settings) *string { return &s.SMTP.MailFrom })},
	{"ndp_window", false, "layer-2 listening time (e.g. 5s)", durationInto(func(s *Settings) *time.Duration { return &s.NDP.Window })},
	{"rcpt_to", false, "outside recipient of the relay test (local@domain)", stringInto(CheckMailbox, func(s *Settings) *string { return &s.SMTP.RcptTo })},
	{"resolver_probe_expect", true, "addresses resolver_probe_name must resolve to", func(s *Settings, v []string) error {
		var out []netip.Addr
		for _, x := range v {
			a, err := netip.ParseAddr(x)
			if err != nil {
				return fmt.Errorf("%q is not an IP address", x)
			}
			out = append(out, a)
		}
		s.DNS.ProbeExpect = out
		return nil
	}},
	{"resolver_probe_name", false, "name of the open-resolver recursion test", stringInto(CheckHostName, func(s *Settings) *string { return &s.DNS.ProbeName })},
	{"smtp_relay", false, "on or off: off skips the relay test", func(s *Settings, v []string) error {
		switch strings.ToLower(v[0]) {
		case "on", "true", "yes":
			s.SMTP.NoRelay = false
		case "off", "false", "no":
			s.SMTP.NoRelay = true
		default:
			return fmt.Errorf("%q is not on or off", v[0])
		}
		return nil
	}},
	{"svc.banner_wait", false, "banner wait of service identification (e.g. 1500ms)", durationInto(func(s *Settings) *time.Duration { return &s.Svc.BannerWait })},
	{"svc.budget", false, "time budget of one endpoint's identification (e.g. 10s)", durationInto(func(s *Settings) *time.Duration { return &s.Svc.Budget })},
	{"templates", true, "extra nuclei template directories", func(s *Settings, v []string) error {
		for _, x := range v {
			if err := CheckWire(x); err != nil {
				return err
			}
		}
		s.Nuclei.TemplateDirs = v
		return nil
	}},
	{"tls.max_connections", false, "TLS handshakes per endpoint in all (positive integer)", intInto(1, 1<<20, func(s *Settings) *int { return &s.TLS.MaxConnections })},
	{"tls.parallel", false, "TLS handshakes in flight per endpoint (1-32)", intInto(1, 32, func(s *Settings) *int { return &s.TLS.Parallel })},
	{"user_agent", false, "HTTP User-Agent (name a contact)", stringInto(CheckHeaderValue, func(s *Settings) *string { return &s.HTTP.UserAgent })},
}

// SettingKeyNames lists the probe: keys.
func SettingKeyNames() []string {
	out := make([]string, len(SettingKeys))
	for i, k := range SettingKeys {
		out[i] = k.Name
	}
	return out
}

// LookupSettingKey returns the key with the given name.
func LookupSettingKey(name string) (SettingKey, bool) {
	i := slices.IndexFunc(SettingKeys, func(k SettingKey) bool { return k.Name == name })
	if i < 0 {
		return SettingKey{}, false
	}
	return SettingKeys[i], true
}

// durationInto parses a duration setting. Zero and negative values are
// refused because zero means "default" in Settings (Over would drop it),
// and an hour is beyond any sensible probe wait, so more is a typo.
func durationInto(field func(*Settings) *time.Duration) func(*Settings, []string) error {
	return func(s *Settings, v []string) error {
		d, err := ParseDuration(v[0])
		if err != nil {
			return err
		}
		if d <= 0 || d > time.Hour {
			return fmt.Errorf("%q is not between 1ms and 1h", v[0])
		}
		*field(s) = d
		return nil
	}
}

// stringInto validates a single value with check and stores it.
func stringInto(check func(string) error, field func(*Settings) *string) func(*Settings, []string) error {
	return func(s *Settings, v []string) error {
		if err := check(v[0]); err != nil {
			return err
		}
		*field(s) = v[0]
		return nil
	}
}

// intInto parses an integer setting within lo..hi; the bounds are the
// key's, so the error can name the range.
func intInto(lo, hi int, field func(*Settings) *int) func(*Settings, []string) error {
	return func(s *Settings, v []string) error {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("%q is not an integer in %d..%d", v[0], lo, hi)
		}
		*field(s) = n
		return nil
	}
}

// ParseDuration parses a Go duration ("30s", "1500ms") and says so when
// the unit is missing, the commonest slip ("5" for five seconds).
func ParseDuration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err == nil {
		return d, nil
	}
	if _, nerr := strconv.ParseFloat(strings.TrimSpace(v), 64); nerr == nil {
		return 0, fmt.Errorf("%q has no unit: write %ss (seconds) or %sms (milliseconds)", v, v, v)
	}
	return 0, fmt.Errorf("%q is not a duration such as 30s, 1500ms or 2m", v)
}

// ErrControl is wrapped by every rejection of a control character in a
// value bound for the wire.
var ErrControl = errors.New("control character")

// CheckWire refuses what must never reach a target inside a protocol line:
// C0 controls (CR and LF end an SMTP command or an HTTP header, so one of
// them would let a value smuggle a whole extra command), DEL, C1 controls
// and invalid UTF-8.
func CheckWire(v string) error {
	if !utf8.ValidString(v) {
		return fmt.Errorf("%q is not valid UTF-8", v)
	}
	for i, r := range v {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			return fmt.Errorf("%w %U at byte %d of %q", ErrControl, r, i, v)
		}
	}
	return nil
}

// dnsLabels is a host name of 63-octet labels with an optional root dot
// ("_" allowed, as in service labels); localPart is the dot-atom of
// RFC 5322 §3.2.3 (quoted local parts are not accepted) within the 64
// octets of RFC 5321 §4.5.3.1.1.
var (
	dnsLabels = regexp.MustCompile(`^(?i)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$`)
	localPart = regexp.MustCompile(`^[A-Za-z0-9!#$%&'*+/=?^_{|}~.-]{1,64}$`)
)

// CheckHostName accepts a DNS name (labels of letters, digits, '-' and '_').
func CheckHostName(v string) error {
	if err := CheckWire(v); err != nil {
		return err
	}
	if len(v) > 253 || !dnsLabels.MatchString(v) {
		return fmt.Errorf("%q is not a DNS name", v)
	}
	return nil
}

// CheckHELO accepts what RFC 5321 §4.1.1.1 allows after EHLO: a domain or
// an address literal ("[192.0.2.1]", "[IPv6:2001:db8::1]").
func CheckHELO(v string) error {
	if err := CheckWire(v); err != nil {
		return err
	}
	if strings.HasPrefix(v, "[") && strings.HasSuffix(v, "]") {
		lit := strings.TrimPrefix(v[1:len(v)-1], "IPv6:")
		if _, err := netip.ParseAddr(lit); err == nil {
			return nil
		}
		return fmt.Errorf("%q is not an address literal", v)
	}
	if CheckHostName(v) != nil {
		return fmt.Errorf("%q is not a domain or an address literal such as [192.0.2.1]", v)
	}
	return nil
}

// CheckMailbox accepts local@domain with a dot-atom local part (no quoting,
// no spaces, no angle brackets: the value goes between <> on the wire).
func CheckMailbox(v string) error {
	if err := CheckWire(v); err != nil {
		return err
	}
	local, dom, ok := strings.Cut(v, "@")
	if !ok || !localPart.MatchString(local) || strings.Contains(dom, "@") {
		return fmt.Errorf("%q is not a mailbox local@domain", v)
	}
	if CheckHELO(dom) != nil {
		return fmt.Errorf("%q is not a mailbox local@domain", v)
	}
	return nil
}

// CheckHeaderValue accepts an HTTP field value (RFC 9110 §5.5): visible
// characters and inner spaces, no controls.
func CheckHeaderValue(v string) error {
	if err := CheckWire(v); err != nil {
		return err
	}
	if strings.TrimSpace(v) != v || v == "" {
		return fmt.Errorf("%q has leading or trailing space or is empty", v)
	}
	return nil
}

// Suggest returns the candidate closest to word when it is near enough to
// be a likely slip ("helo_name" → "helo", "servies" → "services"), or "".
func Suggest(word string, candidates []string) string {
	best, bestD := "", 1<<30
	lw := strings.ToLower(word)
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := editDistance(lw, lc)
		// A key with a word added or dropped ("helo_name", "mail") is a
		// near miss even when the edit distance is large.
		if len(lc) >= 3 && len(lw) >= 3 && (strings.HasPrefix(lw, lc) || strings.HasPrefix(lc, lw) || strings.HasSuffix(lw, lc)) {
			d = min(d, 1)
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	if bestD <= max(1, min(3, len(word)/3)) {
		return best
	}
	return ""
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// DidYouMean formats a suggestion for an error message, or "".
func DidYouMean(word string, candidates []string) string {
	if s := Suggest(word, candidates); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}
