package checks

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"shindan/scanners"
)

// Notify is the policy's notify: section: where a sweep sends its drift
// events. The sweep's flags override each channel they name.
type Notify struct {
	Webhook *NotifyWebhook
	JSONL   string // file the events are appended to; "" = none
	Mail    *NotifyMail
	// Heartbeat also notifies after a run without drift.
	Heartbeat bool
}

// NotifyWebhook is a JSON POST of each run's events.
type NotifyWebhook struct {
	URL string
	// SecretEnv names the environment variable holding the HMAC-SHA256
	// key: the secret itself never sits in the policy file.
	SecretEnv string
	// Retries after the first attempt (network errors, 429, 5xx).
	Retries int
}

// NotifyMail is one plain-text message per run over SMTP.
type NotifyMail struct {
	SMTP    string // host:port
	From    string
	To      []string
	TLSName string // name the server's certificate must carry; "" = the host of SMTP
	CAFile  string // trust anchors for the server's certificate; "" = system
}

// MaxWebhookRetries bounds notify.webhook.retries: with the doubling
// backoff from 1 s, ten retries already wait about 17 minutes.
const MaxWebhookRetries = 10

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ControlFree reports an error for a value holding a control character:
// notification settings end up in HTTP and SMTP headers, where a CR or LF
// would inject lines of its own.
func ControlFree(field, v string) error {
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%s: %q holds a control character", field, v)
		}
	}
	return nil
}

// CheckWebhookURL accepts an absolute http or https URL with a host.
func CheckWebhookURL(field, v string) error {
	if err := ControlFree(field, v); err != nil {
		return err
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(v, " \t") {
		return fmt.Errorf("%s: %q is not an http:// or https:// URL", field, v)
	}
	return nil
}

// CheckMailAddress accepts one bare or named address (RFC 5322).
func CheckMailAddress(field, v string) error {
	if err := ControlFree(field, v); err != nil {
		return err
	}
	if _, err := mail.ParseAddress(v); err != nil {
		return fmt.Errorf("%s: %q is not a mail address (%v)", field, v, err)
	}
	return nil
}

// CheckHostPort accepts HOST:PORT with a port in 1..65535.
func CheckHostPort(field, v string) error {
	if err := ControlFree(field, v); err != nil {
		return err
	}
	h, p, err := net.SplitHostPort(v)
	n, perr := strconv.Atoi(p)
	if err != nil || h == "" || perr != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%s: %q is not HOST:PORT", field, v)
	}
	return nil
}

// notifyKeys are the keys of each mapping of the section.
var notifyKeys = map[string][]string{
	"notify":         {"webhook", "jsonl", "mail", "heartbeat"},
	"notify.webhook": {"url", "secret_env", "retries"},
	"notify.mail":    {"smtp", "from", "to", "tls_name", "ca_file"},
}

// parseNotify reads the notify: mapping; nil when the file has none.
func parseNotify(n *yaml.Node) (*Notify, error) {
	if n.Kind == 0 {
		return nil, nil
	}
	out := &Notify{}
	err := eachKey(n, "notify", func(key string, k, v *yaml.Node) error {
		switch key {
		case "webhook":
			w := &NotifyWebhook{Retries: 4}
			if err := eachKey(v, "notify.webhook", func(key string, k, v *yaml.Node) error {
				switch key {
				case "url":
					s, err := scalar(v, "notify.webhook.url")
					if err == nil {
						err = CheckWebhookURL("notify.webhook.url", s)
					}
					w.URL = s
					return lineErr(v, err)
				case "secret_env":
					s, err := scalar(v, "notify.webhook.secret_env")
					if err == nil && !envName.MatchString(s) {
						err = fmt.Errorf("notify.webhook.secret_env: %q is not an environment variable name (the secret itself belongs in the environment, not in the policy)", s)
					}
					w.SecretEnv = s
					return lineErr(v, err)
				default: // retries
					s, err := scalar(v, "notify.webhook.retries")
					if err != nil {
						return lineErr(v, err)
					}
					r, err := strconv.Atoi(s)
					if err != nil || r < 0 || r > MaxWebhookRetries {
						return lineErr(v, fmt.Errorf("notify.webhook.retries: %q is not a whole number in 0..%d", s, MaxWebhookRetries))
					}
					w.Retries = r
				}
				return nil
			}); err != nil {
				return err
			}
			if w.URL == "" {
				return &nodeErr{k.Line, "notify.webhook: url is required"}
			}
			out.Webhook = w
		case "jsonl":
			s, err := scalar(v, "notify.jsonl")
			if err == nil {
				err = ControlFree("notify.jsonl", s)
			}
			out.JSONL = s
			return lineErr(v, err)
		case "heartbeat":
			s, err := scalar(v, "notify.heartbeat")
			if err != nil {
				return lineErr(v, err)
			}
			b, err := strconv.ParseBool(s)
			if err != nil || (s != "true" && s != "false") {
				return lineErr(v, fmt.Errorf("notify.heartbeat: %q is not true or false", s))
			}
			out.Heartbeat = b
		default: // mail
			m := &NotifyMail{}
			if err := eachKey(v, "notify.mail", func(key string, k, v *yaml.Node) error {
				field := "notify.mail." + key
				if key == "to" {
					vals, err := scalarList(v, field)
					if err != nil {
						return err
					}
					for _, a := range vals {
						if err := CheckMailAddress(field, a.v); err != nil {
							return &nodeErr{a.line, err.Error()}
						}
						m.To = append(m.To, a.v)
					}
					return nil
				}
				s, err := scalar(v, field)
				if err != nil {
					return lineErr(v, err)
				}
				switch key {
				case "smtp":
					m.SMTP, err = s, CheckHostPort(field, s)
				case "from":
					m.From, err = s, CheckMailAddress(field, s)
				case "tls_name":
					m.TLSName, err = s, ControlFree(field, s)
				default: // ca_file
					m.CAFile, err = s, ControlFree(field, s)
				}
				return lineErr(v, err)
			}); err != nil {
				return err
			}
			switch {
			case m.SMTP == "":
				return &nodeErr{k.Line, "notify.mail: smtp (HOST:PORT) is required"}
			case len(m.To) == 0:
				return &nodeErr{k.Line, "notify.mail: to (one or more addresses) is required"}
			case m.From == "":
				m.From = "shindan@localhost"
			}
			out.Mail = m
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachKey walks a mapping whose keys must be notifyKeys[path], each at
// most once; an unknown key is an error with its line and the key it was
// probably meant to be.
func eachKey(n *yaml.Node, path string, f func(key string, k, v *yaml.Node) error) error {
	keys := notifyKeys[path]
	if n.Kind != yaml.MappingNode {
		return &nodeErr{n.Line, fmt.Sprintf("%s: must be a mapping of %s", path, strings.Join(keys, ", "))}
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		known := false
		for _, x := range keys {
			known = known || x == k.Value
		}
		if !known {
			return &nodeErr{k.Line, fmt.Sprintf("%s: unknown key %q%s; the keys are %s", path, k.Value, scanners.DidYouMean(k.Value, keys), strings.Join(keys, ", "))}
		}
		if seen[k.Value] {
			return &nodeErr{k.Line, fmt.Sprintf("%s.%s: given twice", path, k.Value)}
		}
		seen[k.Value] = true
		if err := f(k.Value, k, v); err != nil {
			return err
		}
	}
	return nil
}

func scalar(v *yaml.Node, field string) (string, error) {
	if v.Kind != yaml.ScalarNode || strings.TrimSpace(v.Value) == "" {
		return "", fmt.Errorf("%s: expected a single value", field)
	}
	return strings.TrimSpace(v.Value), nil
}

// scalarList reads one value or a sequence of values, with their lines.
func scalarList(v *yaml.Node, field string) ([]lineString, error) {
	if v.Kind == yaml.ScalarNode {
		s, err := scalar(v, field)
		if err != nil {
			return nil, &nodeErr{v.Line, err.Error()}
		}
		return []lineString{{s, v.Line}}, nil
	}
	if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
		return nil, &nodeErr{v.Line, field + ": expected an address or a list of addresses"}
	}
	var out []lineString
	for _, c := range v.Content {
		s, err := scalar(c, field)
		if err != nil {
			return nil, &nodeErr{c.Line, err.Error()}
		}
		out = append(out, lineString{s, c.Line})
	}
	return out, nil
}

// lineErr ties err (if any) to v's line.
func lineErr(v *yaml.Node, err error) error {
	if err == nil {
		return nil
	}
	return &nodeErr{v.Line, err.Error()}
}
