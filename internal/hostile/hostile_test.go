package hostile

import (
	"context"
	"crypto/rand"
	"net"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"shindan/checks"
	_ "shindan/checks/dnscheck"
	_ "shindan/checks/mailcheck"
	_ "shindan/checks/tlscheck"
	_ "shindan/checks/webcheck"
	"shindan/internal/engine"
	"shindan/internal/targets"
	"shindan/reports"
	"shindan/scanners"
	_ "shindan/scanners/dnsscan"
	_ "shindan/scanners/httpscan"
	"shindan/scanners/portscan"
	_ "shindan/scanners/smtpscan"
	_ "shindan/scanners/svcscan"
	_ "shindan/scanners/tlsscan"
)

// The suite's I/O timeout: every bound below is stated in it.
const ioTimeout = 2 * time.Second

// hostileCase is one hostile server scanned end to end through the engine.
type hostileCase struct {
	name  string
	port  uint16
	serve func(net.Conn, int64)
	udp   func([]byte) [][]byte // DNS over UDP on the same port
	// checks are the checks scanned; want maps a check to the verdict it
	// must give ("error", "fail") and, after a colon, a piece of its
	// detail. No check in want may pass.
	checks string
	want   map[string]string
	greet  time.Duration // --greet-timeout; 0 = the default 30 s
	// maxTime bounds the whole scan (discovery, identification, probes,
	// checks); maxHeap bounds the heap growth seen while it runs.
	maxTime time.Duration
	maxHeap uint64
	// redirect: the server redirects to a second loopback address outside
	// the scope, which must never see a connection.
	redirect bool
}

const mb = 1 << 20

func TestHostileServers(t *testing.T) {
	if os.Geteuid() != 0 {
		// The servers listen on 25, 80, 443 and 53 because the port number
		// decides which checks owe a verdict.
		t.Skip("the hostile suite binds privileged ports (25, 80, 443, 53) on loopback: run as root (make test does)")
	}
	cert, err := SelfSigned("tls.hostile.test")
	if err != nil {
		t.Fatal(err)
	}
	smtpChecks := "smtp.open-relay,smtp.starttls"
	tlsChecks := "tls.protocols,tls.ciphers,tls.certificate"
	hugeTCP, hugeUDP := DNSServe(HugeAnswer(64 << 10))
	tcTCP, tcUDP := DNSServe(TruncatedAlways)
	loopTCP, loopUDP := DNSServe(CompressionLoop)
	frontTCP, frontUDP := TruncatingFront()
	tests := []hostileCase{
		// Mail: the relay must be found however slow the greeting, and a
		// relay the scanner cannot talk to is an error, never silence.
		{name: "open relay, greeting delayed 3s", port: 25, serve: Relay{Delay: 3 * time.Second}.Serve,
			checks: smtpChecks, want: map[string]string{"smtp.open-relay": "fail"}, maxTime: 25 * time.Second, maxHeap: 32 * mb},
		{name: "open relay, postscreen 220- pause 6s", port: 25, serve: Relay{Pause: 6 * time.Second}.Serve,
			checks: smtpChecks, want: map[string]string{"smtp.open-relay": "fail"}, maxTime: 40 * time.Second, maxHeap: 32 * mb},
		{name: "tarpit on 25", port: 25, serve: Tarpit, greet: 4 * time.Second,
			checks: smtpChecks, want: map[string]string{"smtp.open-relay": "error:could not be identified", "smtp.starttls": "error:no greeting within 4s"},
			maxTime: 4*time.Second + 2*2*ioTimeout + 3*time.Second, maxHeap: 32 * mb},
		{name: "drip 1 byte per 2s on 25", port: 25, serve: Drip("220 mx.hostile.test ESMTP\r\n", 2*time.Second), greet: 4 * time.Second,
			checks: smtpChecks, want: map[string]string{"smtp.open-relay": "error"}, maxTime: 4*time.Second + 2*2*ioTimeout + 3*time.Second, maxHeap: 32 * mb},
		{name: "endless 220- banner on 25", port: 25, serve: Endless("220-endless banner line\r\n"), greet: 4 * time.Second,
			checks: smtpChecks, want: map[string]string{"smtp.open-relay": "error"}, maxTime: 4*time.Second + 2*2*ioTimeout + 3*time.Second, maxHeap: 48 * mb},
		{name: "endless line on 25", port: 25, serve: Endless("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), greet: 4 * time.Second,
			checks: smtpChecks, want: map[string]string{"smtp.open-relay": "error"}, maxTime: 4*time.Second + 2*2*ioTimeout + 3*time.Second, maxHeap: 48 * mb},
		// TLS: no verdict from handshakes that never happened.
		{name: "tarpit on 443", port: 443, serve: Tarpit,
			checks: tlsChecks + ",http.security-headers", want: map[string]string{"tls.protocols": "error", "tls.ciphers": "error", "http.security-headers": "error"},
			maxTime: 2*2*ioTimeout + 4*time.Second, maxHeap: 32 * mb},
		{name: "garbage on 443", port: 443, serve: Garbage,
			checks: tlsChecks + ",http.security-headers", want: map[string]string{"tls.protocols": "error", "http.security-headers": "error"},
			maxTime: 2*2*ioTimeout + 4*time.Second, maxHeap: 32 * mb},
		{name: "alert storm on 443", port: 443, serve: AlertStorm,
			checks: tlsChecks, want: map[string]string{"tls.protocols": "error", "tls.ciphers": "error"},
			maxTime: 30 * time.Second, maxHeap: 64 * mb},
		{name: "16 MB record on 443", port: 443, serve: HugeRecord(16 << 20),
			checks: tlsChecks, want: map[string]string{"tls.protocols": "error", "tls.ciphers": "error"},
			maxTime: 30 * time.Second, maxHeap: 64 * mb},
		{name: "reset after identification on 443", port: 443, serve: ResetAfter(cert, 2),
			checks: tlsChecks, want: map[string]string{"tls.protocols": "error", "tls.ciphers": "error"},
			maxTime: 30 * time.Second, maxHeap: 64 * mb},
		// Web.
		{name: "tarpit on 80", port: 80, serve: Tarpit,
			checks: "http.security-headers", want: map[string]string{"http.security-headers": "error"},
			maxTime: 2*2*ioTimeout + 4*time.Second, maxHeap: 32 * mb},
		// Endless bodies cost each exchange one read buffer (BodyCap) and
		// the kept excerpt (ExcerptCap, 16 KiB), nothing that grows with
		// the body: about 8 MB for the ~110 exchanges of a crawl.
		{name: "endless chunked body on 80", port: 80, serve: EndlessChunked,
			checks: "http.security-headers", want: map[string]string{"http.security-headers": "warn:Content-Security-Policy"},
			maxTime: 60 * time.Second, maxHeap: 16 * mb},
		{name: "endless chunk extension on 80", port: 80, serve: EndlessChunkExtension,
			checks: "http.security-headers", want: map[string]string{"http.security-headers": "warn:Content-Security-Policy"},
			maxTime: 60 * time.Second, maxHeap: 16 * mb},
		{name: "endless gzip bomb on 80", port: 80, serve: GzipBomb,
			checks: "http.security-headers", want: map[string]string{"http.security-headers": "warn:Content-Security-Policy"},
			maxTime: 60 * time.Second, maxHeap: 16 * mb},
		{name: "endless header line on 80", port: 80, serve: EndlessHeaderLine,
			checks: "http.security-headers", want: map[string]string{"http.security-headers": "error"},
			maxTime: 60 * time.Second, maxHeap: 16 * mb},
		{name: "100k response headers on 80", port: 80, serve: ManyHeaders(100000),
			checks: "http.security-headers", want: map[string]string{"http.security-headers": "error"},
			maxTime: 60 * time.Second, maxHeap: 16 * mb},
		{name: "redirect out of scope on 80", port: 80, redirect: true,
			checks: "http.security-headers", want: map[string]string{"http.security-headers": "warn:Content-Security-Policy"},
			maxTime: 30 * time.Second, maxHeap: 64 * mb},
		// DNS.
		{name: "huge DNS answers on 53", port: 53, serve: hugeTCP, udp: hugeUDP,
			checks: "dns.open-resolver", want: map[string]string{"dns.open-resolver": "warn:unexpected"},
			maxTime: 60 * time.Second, maxHeap: 64 * mb},
		// TC=1 over UDP and TCP alike: no complete answer, so no verdict
		// but error (an empty truncated reply is not "unexpected").
		{name: "TC loop on 53", port: 53, serve: tcTCP, udp: tcUDP,
			checks: "dns.open-resolver", want: map[string]string{"dns.open-resolver": "error:truncated"},
			maxTime: 60 * time.Second, maxHeap: 32 * mb},
		// TC=1, RA=0 on every UDP reply, recursion over TCP: the UDP test
		// follows TC and the server is open.
		{name: "UDP truncated, recursion over TCP on 53", port: 53, serve: frontTCP, udp: frontUDP,
			checks: "dns.open-resolver", want: map[string]string{"dns.open-resolver": "fail:udp reply truncated (TC=1): judged from the tcp retry"},
			maxTime: 60 * time.Second, maxHeap: 32 * mb},
		{name: "compression loop on 53", port: 53, serve: loopTCP, udp: loopUDP,
			checks: "dns.open-resolver", want: map[string]string{"dns.open-resolver": "error:compression pointers"},
			maxTime: 60 * time.Second, maxHeap: 32 * mb},
	}
	var net3 [1]byte
	_, _ = rand.Read(net3[:])
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr := netip.AddrFrom4([4]byte{127, 77, net3[0], byte(10 + i)})
			serve := tc.serve
			var outside *Server
			if tc.redirect {
				out := netip.AddrFrom4([4]byte{127, 77, net3[0], 250})
				var err error
				if outside, err = ListenTCP(out, 80, Tarpit); err != nil {
					t.Fatal(err)
				}
				defer outside.Close()
				serve = RedirectTo("http://" + out.String() + "/elsewhere")
			}
			srv, err := ListenTCP(addr, tc.port, serve)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			if tc.udp != nil {
				if err := srv.ListenUDP(tc.udp); err != nil {
					t.Fatal(err)
				}
			}
			r, took, heap := scan(t, addr, tc)
			t.Logf("%s: %s, heap growth %.1f MB, %d connections", tc.name, took.Round(10*time.Millisecond), float64(heap)/mb, srv.Conns.Load())
			if took > tc.maxTime {
				t.Errorf("took %s, bound %s", took, tc.maxTime)
			}
			if heap > tc.maxHeap {
				t.Errorf("heap grew %.1f MB, bound %.1f MB", float64(heap)/mb, float64(tc.maxHeap)/mb)
			}
			if outside != nil && outside.Conns.Load() != 0 {
				t.Errorf("the out-of-scope redirect target got %d connections", outside.Conns.Load())
			}
			for check, want := range tc.want {
				assertVerdict(t, r, addr, check, want)
			}
		})
	}
}

// scan runs the engine against addr with the case's checks and returns
// the report, the wall time and the peak heap growth during the run.
func scan(t *testing.T, addr netip.Addr, tc hostileCase) (*reports.Report, time.Duration, uint64) {
	t.Helper()
	sp, err := targets.Parse(addr.String(), "hostile")
	if err != nil {
		t.Fatal(err)
	}
	cs, err := checks.Default.Select(tc.checks)
	if err != nil {
		t.Fatal(err)
	}
	cfg := engine.Config{
		Targets: []targets.Spec{sp}, RawTargets: []string{addr.String()}, Checks: cs,
		Ports: portscan.Spec{TCP: []uint16{tc.port}}, Timeout: ioTimeout, ConnectTimeout: time.Second,
		NoPing: true, ScanType: "connect", ToolVersion: "hostile-suite",
		// The scanner's own lookups go to the case's server: nothing leaves loopback.
		Settings: scanners.Settings{Resolver: netip.AddrPortFrom(addr, 53).String(),
			SMTP: scanners.SMTPSettings{GreetTimeout: tc.greet}},
	}
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > base.HeapAlloc && m.HeapAlloc-base.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc - base.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 2*tc.maxTime)
	defer cancel()
	r, err := engine.Run(ctx, cfg)
	took := time.Since(start)
	close(stop)
	<-sampled
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	if !r.Scan.Complete {
		t.Fatalf("the scan did not complete: %s", r.Scan.InterruptedReason)
	}
	return r, took, peak.Load()
}

// assertVerdict: the check gave a finding on addr with the wanted status
// (and detail piece), and none of its findings there passed.
func assertVerdict(t *testing.T, r *reports.Report, addr netip.Addr, check, want string) {
	t.Helper()
	status, piece, _ := strings.Cut(want, ":")
	var got []string
	for _, f := range r.Findings {
		if f.Check != check || (f.Host != addr.String() && !strings.HasPrefix(f.Target, addr.String())) {
			continue
		}
		detail := ""
		if f.Detail != nil {
			detail = f.Detail.EN
		}
		for _, it := range f.Items {
			if it.Detail != nil {
				detail += " | " + it.Status + ": " + it.Detail.EN
			}
		}
		got = append(got, f.Status+": "+detail)
		if f.Status == "pass" {
			t.Errorf("%s passed against a hostile server: %s", check, detail)
		}
	}
	if len(got) == 0 {
		t.Errorf("%s: no finding at all on %s (silence reads like a pass)", check, addr)
		return
	}
	t.Logf("%s: %q", check, got)
	if status == "" {
		return
	}
	if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, status+":") && strings.Contains(g, piece) }) {
		t.Errorf("%s: got %q, want %s containing %q", check, got, status, piece)
	}
}
