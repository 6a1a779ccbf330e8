//go:build netlab

package hostile

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shindan/checks"
	"shindan/internal/engine"
	"shindan/internal/netlab"
	"shindan/internal/targets"
	"shindan/scanners"
	"shindan/scanners/portscan"
	"shindan/scanners/smtpscan"
)

// TestLabNoControlCharacterOnTheWire proves with a capture that a CR, LF
// or NUL in a HELO name, relay address or User-Agent never reaches a real
// server (issue 13 item 3): every way in is refused before the first
// packet, and a scan with valid values writes only well-formed lines.
func TestLabNoControlCharacterOnTheWire(t *testing.T) {
	lab := netlab.Require(t)
	mail := lab.Host("mailopen")
	web := lab.Host("webnginxfmt")
	iface := lab.Scanner.Ext.Iface
	filter := "tcp and ((dst host " + mail.IPv4.String() + " and dst port 25) or (dst host " + web.IPv4.String() + " and dst port 80))"

	const marker = "INJECTED"
	injected := []scanners.Settings{
		{SMTP: scanners.SMTPSettings{HELO: "a.example\r\nMAIL FROM:<" + marker + "@x.example>\r\nRCPT TO:<v@w.example>\r\nDATA"}},
		{SMTP: scanners.SMTPSettings{MailFrom: "a@b.example>\r\nRCPT TO:<" + marker + "@w.example"}},
		{SMTP: scanners.SMTPSettings{RcptTo: "v@w.example\x00" + marker}},
		{HTTP: scanners.HTTPSettings{UserAgent: "shindan\r\nX-" + marker + ": 1"}},
	}
	stop := capturePayloads(t, iface, filter)
	for _, s := range injected {
		_, err := engine.Run(context.Background(), labScan(t, []string{mail.IPv4.String(), web.IPv4.String()}, "25,80", s))
		if err == nil || !strings.Contains(err.Error(), "control character") {
			t.Errorf("engine accepted settings %+v: %v", s, err)
		}
		if s.HTTP.UserAgent != "" {
			continue
		}
		// The SMTP probe itself refuses too, before it dials.
		if _, err := (smtpscan.Probe{}).Run(context.Background(), &scanners.Env{IOTimeout: 2 * time.Second, Settings: s},
			scanners.Target{Addr: mail.IPv4, Port: 25, Proto: scanners.TCP}); err == nil {
			t.Errorf("smtp.session accepted settings %+v", s)
		}
	}
	if _, err := checks.ParsePolicy("p.yaml", []byte("version: 1\nprobe:\n  helo: \"x\\r\\nRSET\"\n")); err == nil {
		t.Error("a policy HELO with CRLF was accepted")
	}
	if payloads := stop(); len(payloads) != 0 {
		t.Fatalf("refused settings still sent %d segments, first %q", len(payloads), payloads[0])
	}

	// A real scan with valid values: only CRLF-terminated lines of
	// printable text reach the relay and the web server.
	valid := scanners.Settings{SMTP: scanners.SMTPSettings{HELO: "scanner.example.go.jp"},
		HTTP: scanners.HTTPSettings{UserAgent: "shindan-capture-test (soc@example.go.jp)"}}
	stop = capturePayloads(t, iface, filter)
	r, err := engine.Run(context.Background(), labScan(t, []string{mail.IPv4.String(), web.IPv4.String()}, "25,80", valid))
	if err != nil {
		t.Fatal(err)
	}
	payloads := stop()
	var wire bytes.Buffer
	for _, p := range payloads {
		wire.Write(p)
	}
	if !bytes.Contains(wire.Bytes(), []byte("EHLO scanner.example.go.jp\r\n")) || !bytes.Contains(wire.Bytes(), []byte("User-Agent: shindan-capture-test")) {
		t.Fatalf("the capture missed the scan (%d segments, %d bytes)", len(payloads), wire.Len())
	}
	for _, p := range payloads {
		if bytes.HasPrefix(p, []byte{0x16, 0x03}) {
			continue // a TLS ClientHello (svc.ident asks every port), binary by design
		}
		if bytes.Contains(p, []byte(marker)) {
			t.Errorf("the injection marker reached the wire: %q", p)
		}
		// An HTTP request is checked up to the end of its head: a body
		// (the PUT probe's) is content, not a protocol line.
		if !bytes.Contains(p, []byte("\r\n")) {
			continue // a body segment of its own
		}
		head, _, _ := bytes.Cut(p, []byte("\r\n\r\n"))
		if len(head) < len(p) {
			p = append(head, '\r', '\n')
		}
		for _, line := range bytes.SplitAfter(p, []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			text, ok := bytes.CutSuffix(line, []byte("\r\n"))
			if !ok && !bytes.HasSuffix(p, line) {
				t.Errorf("bare LF in %q", line)
			}
			if scanners.CheckWire(string(text)) != nil {
				t.Errorf("control character on the wire in %q", line)
			}
		}
	}
	var relay bool
	for _, f := range r.Findings {
		relay = relay || (f.Check == "smtp.open-relay" && f.Status == "fail")
	}
	if !relay {
		t.Error("the open relay was not found in the capture scan")
	}
	t.Logf("%d segments, %d bytes from the scanner, all well-formed lines", len(payloads), wire.Len())
}

func labScan(t *testing.T, hosts []string, ports string, s scanners.Settings) engine.Config {
	t.Helper()
	var specs []targets.Spec
	for _, h := range hosts {
		sp, err := targets.Parse(h, "lab")
		if err != nil {
			t.Fatal(err)
		}
		specs = append(specs, sp)
	}
	ps, err := portscan.ParseSpec(ports)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := checks.Default.Select("smtp.open-relay,http.security-headers")
	if err != nil {
		t.Fatal(err)
	}
	return engine.Config{Targets: specs, RawTargets: hosts, Checks: cs, Ports: ps, Timeout: 3 * time.Second,
		ScanType: "connect", NoPing: true, ToolVersion: "capture-test", Settings: s}
}

// capturePayloads captures on iface with filter until stop, and returns
// the TCP payloads of the captured segments in order.
func capturePayloads(t *testing.T, iface, filter string) (stop func() [][]byte) {
	t.Helper()
	if _, err := exec.LookPath("tcpdump"); err != nil {
		t.Fatal("tcpdump is needed for the capture tests (testdata/lab/lab install brings it)")
	}
	file := filepath.Join(t.TempDir(), "cap.pcap")
	cmd := exec.Command("tcpdump", "-i", iface, "-n", "-U", "--immediate-mode", "-s", "0", "-w", file, filter)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "listening on") {
				close(ready)
				break
			}
		}
		for sc.Scan() {
		}
	}()
	select {
	case <-ready:
		time.Sleep(300 * time.Millisecond) // the filter attaches after the message
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("tcpdump did not start")
	}
	return func() [][]byte {
		time.Sleep(200 * time.Millisecond)
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		return tcpPayloads(t, b)
	}
}

// tcpPayloads reads a classic pcap file of Ethernet frames and returns the
// non-empty TCP payloads (IPv4 and IPv6).
func tcpPayloads(t *testing.T, b []byte) [][]byte {
	t.Helper()
	if len(b) < 24 {
		t.Fatalf("capture file of %d bytes", len(b))
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if binary.BigEndian.Uint32(b) == 0xa1b2c3d4 {
		bo = binary.BigEndian
	}
	if link := bo.Uint32(b[20:]); link != 1 {
		t.Fatalf("capture link type %d, want Ethernet", link)
	}
	var out [][]byte
	for p := b[24:]; len(p) >= 16; {
		n := int(bo.Uint32(p[8:]))
		if len(p) < 16+n {
			break
		}
		frame := p[16 : 16+n]
		p = p[16+n:]
		if len(frame) < 14 {
			continue
		}
		var tcp []byte
		switch binary.BigEndian.Uint16(frame[12:]) {
		case 0x0800:
			ip := frame[14:]
			if len(ip) < 20 || ip[9] != 6 {
				continue
			}
			total := min(int(binary.BigEndian.Uint16(ip[2:])), len(ip))
			tcp = ip[int(ip[0]&0x0f)*4 : total]
		case 0x86dd:
			ip := frame[14:]
			if len(ip) < 40 || ip[6] != 6 {
				continue
			}
			tcp = ip[40:min(40+int(binary.BigEndian.Uint16(ip[4:])), len(ip))]
		default:
			continue
		}
		if len(tcp) < 20 {
			continue
		}
		if data := tcp[int(tcp[12]>>4)*4:]; len(data) > 0 {
			out = append(out, bytes.Clone(data))
		}
	}
	return out
}
