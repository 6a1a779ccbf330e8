package drift

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/mail"
	"net/smtp"
	"os"
	"strings"
	"time"

	"shindan/reports"
)

// Event is one drift event of a sweep run.
type Event struct {
	Change
	Scan     string       `json:"scan_id"`
	PrevScan string       `json:"previous_scan_id"`
	At       time.Time    `json:"at"`
	Text     reports.Text `json:"text"`
}

// IsEvent reports whether a change is a sweep drift event: the kinds the
// issue names, never a waived finding, never an improvement.
func IsEvent(c Change) bool {
	switch c.Kind {
	case NewHost, NewPort, PortClosed, NewService, IPv6OnIPv4Only, NewRA, CertExpiring, Regression:
		return !c.Waived
	}
	return false
}

// Events turns a diff into drift events.
func Events(d *Diff, at time.Time) []Event {
	var out []Event
	for _, c := range d.Changes {
		if IsEvent(c) {
			out = append(out, Event{Change: c, Scan: d.NewScan, PrevScan: d.OldScan, At: at.UTC(),
				Text: reports.Text{JA: c.Summary("ja"), EN: c.Summary("en")}})
		}
	}
	return out
}

// Batch is what one run sends: its events, or none with Heartbeat set.
type Batch struct {
	Scan      string    `json:"scan_id"`
	PrevScan  string    `json:"previous_scan_id,omitempty"`
	At        time.Time `json:"at"`
	Heartbeat bool      `json:"heartbeat,omitempty"`
	Complete  bool      `json:"scan_complete"`
	Events    []Event   `json:"events"`
}

// Notifier delivers a run's batch.
type Notifier interface {
	Notify(ctx context.Context, b *Batch) error
	Name() string
}

// Webhook POSTs the batch as JSON, retrying network errors, 429 and 5xx
// with exponential backoff; with Secret, X-Shindan-Signature carries
// "sha256=" and the hex HMAC-SHA256 of the body under the secret.
type Webhook struct {
	URL      string
	Secret   string
	Attempts int           // 0 = 5
	Backoff  time.Duration // first wait; doubles; 0 = 1s
	Client   *http.Client  // nil = 10 s timeout, no proxy from the environment
}

// Name implements Notifier.
func (w *Webhook) Name() string { return "webhook " + redactURL(w.URL) }

// Sign is the signature header value for body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Notify implements Notifier.
func (w *Webhook) Notify(ctx context.Context, b *Batch) error {
	body, err := json.Marshal(b)
	if err != nil {
		return err
	}
	attempts, wait := w.Attempts, w.Backoff
	if attempts <= 0 {
		attempts = 5
	}
	if wait <= 0 {
		wait = time.Second
	}
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}
	}
	var last error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("drift: webhook: %w (last error: %v)", ctx.Err(), last)
			case <-time.After(wait):
			}
			wait *= 2
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("drift: webhook: %v", redactErr(err))
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "shindan-sweep")
		if w.Secret != "" {
			req.Header.Set("X-Shindan-Signature", Sign(w.Secret, body))
		}
		resp, err := client.Do(req)
		if err != nil {
			last = redactErr(err)
			continue
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		switch {
		case resp.StatusCode < 300:
			return nil
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			last = fmt.Errorf("HTTP %d", resp.StatusCode)
		default:
			return fmt.Errorf("drift: webhook %s: HTTP %d (not retried)", redactURL(w.URL), resp.StatusCode)
		}
	}
	return fmt.Errorf("drift: webhook %s: %d attempts failed, last: %v", redactURL(w.URL), attempts, last)
}

func redactURL(u string) string {
	if i := strings.Index(u, "?"); i >= 0 {
		u = u[:i] + "?…"
	}
	if at := strings.Index(u, "@"); at >= 0 {
		if s := strings.Index(u, "://"); s >= 0 && s < at {
			u = u[:s+3] + "…" + u[at:]
		}
	}
	return u
}

func redactErr(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

// JSONL appends one line per event (or one heartbeat line) to a file.
type JSONL struct{ Path string }

// Name implements Notifier.
func (j *JSONL) Name() string { return "jsonl " + j.Path }

// Notify implements Notifier.
func (j *JSONL) Notify(_ context.Context, b *Batch) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if len(b.Events) == 0 {
		if err := enc.Encode(struct {
			Kind string `json:"kind"`
			*Batch
		}{"heartbeat", b}); err != nil {
			return err
		}
	}
	for _, e := range b.Events {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(j.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("drift: jsonl: %w", err)
	}
	// One write: a reader tailing the file never sees half a batch.
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("drift: jsonl: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("drift: jsonl: %w", err)
	}
	return f.Close()
}

// Mail sends the batch as one plain-text message (Japanese, then
// English) over SMTP, with STARTTLS whenever the server offers it.
type Mail struct {
	Server string // host:port
	// ServerName is the name the server's certificate must carry; "" =
	// the host of Server.
	ServerName string
	From       string
	To         []string
	Helo       string         // "" = "shindan.invalid"
	RootCAs    *x509.CertPool // nil = system
	NoTLS      bool           // send without STARTTLS even when offered (test MTAs without certificates)
	Timeout    time.Duration  // whole conversation; 0 = 30s
	Username   string         // AUTH PLAIN, only over TLS
	Password   string
}

// Name implements Notifier.
func (m *Mail) Name() string { return "mail " + m.Server }

// Notify implements Notifier.
func (m *Mail) Notify(ctx context.Context, b *Batch) error {
	if _, err := mail.ParseAddress(m.From); err != nil {
		return fmt.Errorf("drift: mail from %q: %v", m.From, err)
	}
	for _, to := range m.To {
		if _, err := mail.ParseAddress(to); err != nil {
			return fmt.Errorf("drift: mail to %q: %v", to, err)
		}
	}
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", m.Server)
	if err != nil {
		return fmt.Errorf("drift: mail: %w", err)
	}
	conn.SetDeadline(time.Now().Add(timeout))
	host, _, _ := net.SplitHostPort(m.Server)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("drift: mail: %w", err)
	}
	defer c.Close()
	helo := m.Helo
	if helo == "" {
		helo = "shindan.invalid"
	}
	if err := c.Hello(helo); err != nil {
		return fmt.Errorf("drift: mail: EHLO: %w", err)
	}
	tlsOn := false
	if ok, _ := c.Extension("STARTTLS"); ok && !m.NoTLS {
		name := m.ServerName
		if name == "" {
			name = host
		}
		if err := c.StartTLS(&tls.Config{ServerName: name, RootCAs: m.RootCAs, MinVersion: tls.VersionTLS12}); err != nil {
			return fmt.Errorf("drift: mail: STARTTLS: %w", err)
		}
		tlsOn = true
	}
	if m.Username != "" {
		if !tlsOn {
			return errors.New("drift: mail: refusing to send the SMTP password without TLS")
		}
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, host)); err != nil {
			return fmt.Errorf("drift: mail: AUTH: %w", err)
		}
	}
	if err := c.Mail(m.From); err != nil {
		return fmt.Errorf("drift: mail: MAIL FROM: %w", err)
	}
	for _, to := range m.To {
		if err := c.Rcpt(to); err != nil {
			return fmt.Errorf("drift: mail: RCPT TO %s: %w", to, err)
		}
	}
	wc, err := c.Data()
	if err != nil {
		return fmt.Errorf("drift: mail: DATA: %w", err)
	}
	if _, err := wc.Write(m.message(b)); err != nil {
		return fmt.Errorf("drift: mail: %w", err)
	}
	if err := wc.Close(); err != nil {
		return fmt.Errorf("drift: mail: end of DATA: %w", err)
	}
	return c.Quit()
}

// message builds the RFC 5322 message; the body is UTF-8 8bit and every
// header value comes from the batch or the configuration, never raw
// server input.
func (m *Mail) message(b *Batch) []byte {
	var s strings.Builder
	subject := fmt.Sprintf("[shindan] %d drift events (scan %s)", len(b.Events), b.Scan)
	if b.Heartbeat && len(b.Events) == 0 {
		subject = fmt.Sprintf("[shindan] heartbeat: no drift (scan %s)", b.Scan)
	}
	clean := func(v string) string {
		return strings.Map(func(r rune) rune { return map[bool]rune{true: ' ', false: r}[r < 0x20 || r == 0x7f] }, v)
	}
	fmt.Fprintf(&s, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s.%d@shindan.invalid>\r\n",
		clean(m.From), clean(strings.Join(m.To, ", ")), clean(subject), b.At.Format(time.RFC1123Z), clean(b.Scan), b.At.UnixNano())
	s.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	fmt.Fprintf(&s, "スキャン %s（前回 %s）のドリフト: %d 件\r\n", b.Scan, b.PrevScan, len(b.Events))
	for _, e := range b.Events {
		s.WriteString("- " + clean(e.Text.JA) + "\r\n")
	}
	fmt.Fprintf(&s, "\r\nDrift of scan %s (previous %s): %d events\r\n", b.Scan, b.PrevScan, len(b.Events))
	for _, e := range b.Events {
		s.WriteString("- " + clean(e.Text.EN) + "\r\n")
	}
	return []byte(s.String())
}
