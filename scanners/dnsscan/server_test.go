package dnsscan

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"shindan/scanners"
)

// fakeServer serves h on 127.0.0.1 over UDP and TCP on one port.
func fakeServer(t *testing.T, h dns.HandlerFunc) netip.AddrPort {
	t.Helper()
	var pc net.PacketConn
	var ln net.Listener
	for try := 0; ; try++ {
		var err error
		pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ln, err = net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			break
		}
		pc.Close()
		if try == 10 {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for _, s := range []*dns.Server{{PacketConn: pc, Handler: h}, {Listener: ln, Handler: h}} {
		wg.Add(1)
		started := make(chan struct{})
		s.NotifyStartedFunc = func() { close(started) }
		go func() { defer wg.Done(); s.ActivateAndServe() }()
		<-started
		t.Cleanup(func() { s.Shutdown() })
	}
	return netip.MustParseAddrPort(pc.LocalAddr().String())
}

func rr(t *testing.T, s string) dns.RR {
	t.Helper()
	r, err := dns.NewRR(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// resolverHandler plays a resolver: it answers the probe name, and fresh
// names per mode ("open": NXDOMAIN, "cache": REFUSED).
func resolverHandler(t *testing.T, mode string) dns.HandlerFunc {
	return func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.RecursionAvailable = true
		name := strings.ToLower(q.Question[0].Name)
		switch {
		case q.Question[0].Qclass == dns.ClassCHAOS:
			m.Rcode = dns.RcodeRefused
		case mode == "refused":
			m.Rcode = dns.RcodeRefused
		case mode == "servfail":
			m.Rcode = dns.RcodeServerFailure
		case mode == "auth" && name == "www.example.com.":
			m.Authoritative, m.RecursionAvailable = true, false
			m.Answer = []dns.RR{rr(t, "www.example.com. 60 IN A 198.51.100.79")}
		case name == "www.example.com." && q.Question[0].Qtype == dns.TypeA:
			m.Answer = []dns.RR{rr(t, "www.example.com. 60 IN CNAME web.example.com."), rr(t, "web.example.com. 60 IN A 198.51.100.79")}
		case mode == "cache":
			m.Rcode = dns.RcodeRefused
		default:
			m.Rcode = dns.RcodeNameError
		}
		w.WriteMsg(m)
	}
}

func testEnv() *scanners.Env {
	return &scanners.Env{IOTimeout: 500 * time.Millisecond}
}

func TestRecursionClasses(t *testing.T) {
	for _, tc := range []struct {
		name, mode, want string
		expect           string
	}{
		{name: "open", mode: "open", want: scanners.ResolverOpen},
		{name: "open with expected address", mode: "open", want: scanners.ResolverOpen, expect: "198.51.100.79"},
		{name: "wrong address", mode: "open", want: scanners.ResolverUnexpected, expect: "198.51.100.78"},
		{name: "cache only", mode: "cache", want: scanners.ResolverCacheOnly},
		{name: "refused", mode: "refused", want: scanners.ResolverRefused},
		{name: "servfail", mode: "servfail", want: scanners.ResolverServfail},
		{name: "authoritative for the probe name", mode: "auth", want: scanners.ResolverAuthoritative},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ap := fakeServer(t, resolverHandler(t, tc.mode))
			env := testEnv()
			if tc.expect != "" {
				env.Settings.DNS.ProbeExpect = []netip.Addr{netip.MustParseAddr(tc.expect)}
			}
			obs, err := serverProbe{}.Run(context.Background(), env, scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP})
			if err != nil || len(obs) != 1 {
				t.Fatalf("Run = %v, %v", obs, err)
			}
			if obs[0].Status != scanners.OK {
				t.Fatalf("status %s: %s", obs[0].Status, obs[0].Reason)
			}
			p := obs[0].Data.(*scanners.DNSServer)
			if len(p.Recursion) != 2 {
				t.Fatalf("recursion tests: %d", len(p.Recursion))
			}
			for _, r := range p.Recursion {
				if r.Class != tc.want {
					t.Errorf("%s: class %q, want %q (rcode %s ra %v, fresh %q)", r.Transport, r.Class, tc.want, r.Rcode, r.RA, r.Fresh)
				}
				if r.Text == "" {
					t.Errorf("%s: no evidence text", r.Transport)
				}
			}
		})
	}
}

// zoneHandler is an authoritative server for leaky.test. that allows AXFR
// and tells its version.
func zoneHandler(t *testing.T, allowXFR bool) dns.HandlerFunc {
	soa := rr(t, "leaky.test. 300 IN SOA ns1.leaky.test. hostmaster.leaky.test. 2026010101 3600 600 86400 300")
	zone := []dns.RR{soa, rr(t, "leaky.test. 300 IN NS ns1.leaky.test."), rr(t, "ns1.leaky.test. 300 IN A 127.0.0.1"),
		rr(t, "intranet.leaky.test. 300 IN A 10.1.2.3"), soa}
	return func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		qq := q.Question[0]
		switch {
		case qq.Qclass == dns.ClassCHAOS && qq.Name == "version.bind.":
			m.Answer = []dns.RR{&dns.TXT{Hdr: dns.RR_Header{Name: qq.Name, Rrtype: dns.TypeTXT, Class: dns.ClassCHAOS}, Txt: []string{"9.18.49-1~deb12u3-Debian"}}}
		case qq.Qtype == dns.TypeAXFR || qq.Qtype == dns.TypeIXFR:
			if !allowXFR {
				m.Rcode = dns.RcodeRefused
				break
			}
			m.Answer = zone
		case strings.EqualFold(qq.Name, "leaky.test.") && qq.Qtype == dns.TypeSOA:
			m.Authoritative = true
			m.Answer = []dns.RR{soa}
		case dns.IsSubDomain("leaky.test.", qq.Name):
			m.Authoritative = true
			m.Ns = []dns.RR{soa}
		default:
			m.Rcode = dns.RcodeRefused
		}
		w.WriteMsg(m)
	}
}

func TestTransferAndVersion(t *testing.T) {
	for _, tc := range []struct {
		name    string
		allowed bool
	}{{"axfr open", true}, {"axfr refused", false}} {
		t.Run(tc.name, func(t *testing.T) {
			ap := fakeServer(t, zoneHandler(t, tc.allowed))
			obs, err := serverProbe{}.Run(context.Background(), testEnv(), scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Name: "ns1.leaky.test"})
			if err != nil || len(obs) != 1 || obs[0].Status != scanners.OK {
				t.Fatalf("Run = %+v, %v", obs, err)
			}
			p := obs[0].Data.(*scanners.DNSServer)
			if len(p.Transfers) != 2 {
				t.Fatalf("transfers: %+v", p.Transfers)
			}
			for _, x := range p.Transfers {
				if x.Allowed != tc.allowed {
					t.Errorf("%s allowed = %v (%+v)", x.Type, x.Allowed, x)
				}
				if tc.allowed && (x.Records != 5 || len(x.Addrs) != 2 || x.Addrs[1].Addr != "10.1.2.3") {
					t.Errorf("%s: records %d addrs %+v", x.Type, x.Records, x.Addrs)
				}
			}
			if p.Identity[0].Query != "version.bind" || !strings.Contains(p.Identity[0].Value, "9.18") {
				t.Errorf("identity %+v", p.Identity)
			}
			if len(p.Amplify) == 0 {
				t.Errorf("no amplification measurement")
			}
		})
	}
}

// TestHostileServers: garbage, silence and truncation loops cost bounded
// time, and none of them is a DNS server the checks could judge: a reply
// that stays truncated over TCP is no answer.
func TestHostileServers(t *testing.T) {
	garbage := func(w dns.ResponseWriter, q *dns.Msg) {
		w.Write([]byte("\x00\x01garbage that is not dns at all"))
	}
	truncLoop := func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Truncated = true
		w.WriteMsg(m)
	}
	silent := func(w dns.ResponseWriter, q *dns.Msg) {}
	for _, tc := range []struct {
		name string
		h    dns.HandlerFunc
		ok   bool
	}{{"garbage", garbage, false}, {"truncation loop", truncLoop, false}, {"silent", silent, false}} {
		t.Run(tc.name, func(t *testing.T) {
			ap := fakeServer(t, tc.h)
			start := time.Now()
			obs, err := serverProbe{}.Run(context.Background(), testEnv(), scanners.Target{Addr: ap.Addr(), Port: ap.Port()})
			if err != nil || len(obs) != 1 {
				t.Fatalf("Run = %v, %v", obs, err)
			}
			if (obs[0].Status == scanners.OK) != tc.ok {
				t.Errorf("status %s (%s), want ok=%v", obs[0].Status, obs[0].Reason, tc.ok)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestUDPProbeSkipsCoveredPortAndTakesScannedPorts(t *testing.T) {
	ap := fakeServer(t, resolverHandler(t, "refused"))
	env := testEnv()
	env.Prior = func(id string, tg scanners.Target) []scanners.Observation {
		switch id {
		case scanners.ProbeDNSServer:
			return []scanners.Observation{{Probe: scanners.ProbeDNSServer, Target: scanners.Target{Addr: ap.Addr(), Port: 53, Proto: scanners.TCP}}}
		case scanners.ProbePortUDP:
			return []scanners.Observation{{Probe: scanners.ProbePortUDP, Target: scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.UDP},
				Data: &scanners.PortState{Proto: scanners.UDP, Port: ap.Port(), State: "open|filtered"}}}
		}
		return nil
	}
	obs, _ := (udpProbe{}).Run(context.Background(), env, scanners.Target{Addr: ap.Addr()})
	if len(obs) != 1 || obs[0].Target.Port != ap.Port() || obs[0].Target.Proto != scanners.UDP || obs[0].Status != scanners.OK {
		t.Fatalf("dns.udp: want one observation on udp/%d, got %+v", ap.Port(), obs)
	}
	if p := obs[0].Data.(*scanners.DNSServer); !p.UDPOnly || p.Recursion[0].Class != scanners.ResolverRefused {
		t.Errorf("payload %+v", p)
	}
}

// TestParseErrorIsNotTimeout: a server that answers with the right ID but
// an unreadable message is a protocol error, never "(timeout)".
func TestParseErrorIsNotTimeout(t *testing.T) {
	badReply := func(w dns.ResponseWriter, q *dns.Msg) {
		// A header promising two answers, then a compression pointer
		// that points past the end.
		b := []byte{byte(q.Id >> 8), byte(q.Id), 0x80, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0xC0, 0xFF}
		w.Write(b)
	}
	ap := fakeServer(t, badReply)
	obs, err := serverProbe{}.Run(context.Background(), testEnv(), scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP})
	if err != nil || len(obs) != 1 {
		t.Fatalf("Run = %v, %v", obs, err)
	}
	if obs[0].Status != scanners.ProtocolError || !strings.Contains(obs[0].Reason, "malformed") {
		t.Errorf("dns.server: status %s (%s), want protocol-error naming the malformed reply", obs[0].Status, obs[0].Reason)
	}
	env := testEnv()
	env.Prior = func(id string, tg scanners.Target) []scanners.Observation {
		if id != scanners.ProbePortUDP {
			return nil
		}
		return []scanners.Observation{{Probe: scanners.ProbePortUDP, Data: &scanners.PortState{Proto: scanners.UDP, Port: ap.Port(), State: "open"}}}
	}
	obs, _ = (udpProbe{}).Run(context.Background(), env, scanners.Target{Addr: ap.Addr()})
	if len(obs) != 1 || obs[0].Status != scanners.ProtocolError || obs[0].Target.Port != ap.Port() {
		t.Errorf("dns.udp: %+v, want one protocol-error on udp/%d", obs, ap.Port())
	}
}

// egresslessHandler plays a resolver without internet egress: the canary
// SERVFAILs with RA=1, lab names resolve (ns1.good.test to 198.51.100.61),
// fresh names under good.test are NXDOMAIN, and it is authoritative for
// own.test.
func egresslessHandler(t *testing.T, cacheOnly bool) dns.HandlerFunc {
	return func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.RecursionAvailable = true
		name := strings.ToLower(q.Question[0].Name)
		switch {
		case q.Question[0].Qclass == dns.ClassCHAOS:
			m.Rcode = dns.RcodeRefused
		case dns.IsSubDomain("own.test.", name):
			m.Authoritative, m.RecursionAvailable = true, false
			m.Answer = []dns.RR{rr(t, name+" 60 IN A 198.51.100.99")}
		case name == "ns1.good.test." && q.Question[0].Qtype == dns.TypeA && q.RecursionDesired:
			m.Answer = []dns.RR{rr(t, "ns1.good.test. 60 IN A 198.51.100.61")}
		case dns.IsSubDomain("good.test.", name) && q.RecursionDesired:
			if cacheOnly {
				m.Rcode = dns.RcodeRefused
			} else {
				m.Rcode = dns.RcodeNameError
			}
		default:
			m.Rcode = dns.RcodeServerFailure
		}
		w.WriteMsg(m)
	}
}

func TestKnownNameProof(t *testing.T) {
	for _, tc := range []struct {
		name, known string
		cacheOnly   bool
		want        string // class of the last proof entry, "" for none
		proofName   string
	}{
		{name: "known name resolves", known: "ns1.good.test=198.51.100.61", want: scanners.ResolverOpen, proofName: "ns1.good.test."},
		{name: "own zone skipped", known: "www.own.test=198.51.100.99;ns1.good.test=198.51.100.61", want: scanners.ResolverOpen, proofName: "ns1.good.test."},
		{name: "wrong answer is no proof", known: "ns1.good.test=198.51.100.62", want: scanners.ResolverUnexpected},
		{name: "cache only", known: "ns1.good.test=198.51.100.61", cacheOnly: true, want: scanners.ResolverCacheOnly},
		{name: "only own names", known: "www.own.test=198.51.100.99", want: ""},
		{name: "hostile option", known: "bad\r\nname=1.2.3.4;x=notanaddr", want: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ap := fakeServer(t, egresslessHandler(t, tc.cacheOnly))
			env := testEnv()
			env.Settings.DNS.KnownNames = knownOpt(tc.known)
			obs, err := serverProbe{}.Run(context.Background(), env, scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP})
			if err != nil || len(obs) != 1 || obs[0].Status != scanners.OK {
				t.Fatalf("Run = %+v, %v", obs, err)
			}
			p := obs[0].Data.(*scanners.DNSServer)
			for _, r := range p.Recursion {
				if r.Class != scanners.ResolverServfail {
					t.Errorf("canary %s: %s, want servfail", r.Transport, r.Class)
				}
			}
			if tc.want == "" {
				if len(p.Proof) != 0 {
					t.Errorf("proof %+v, want none", p.Proof)
				}
				return
			}
			if len(p.Proof) != 2 {
				t.Fatalf("proof: %+v, want one per transport", p.Proof)
			}
			for _, r := range p.Proof {
				if r.Class != tc.want || (tc.proofName != "" && r.QName != tc.proofName) {
					t.Errorf("%s proof: %s %s, want %s %s", r.Transport, r.QName, r.Class, tc.proofName, tc.want)
				}
			}
		})
	}
}

// knownOpt reads "name=addr|addr;name=addr", keeping what parses.
func knownOpt(s string) []scanners.KnownName {
	var out []scanners.KnownName
	for _, ent := range strings.Split(s, ";") {
		name, list, _ := strings.Cut(ent, "=")
		k := scanners.KnownName{Name: name}
		for _, a := range strings.Split(list, "|") {
			if ip, err := netip.ParseAddr(a); err == nil {
				k.Addrs = append(k.Addrs, ip)
			}
		}
		out = append(out, k)
	}
	return out
}

// overUDP reports whether w is the UDP side of fakeServer.
func overUDP(w dns.ResponseWriter) bool { return w.LocalAddr().Network() == "udp" }

// truncatingFront answers every UDP query with TC=1, RA=0 and no records
// (a front end with a tiny UDP limit, or one that sends all clients to
// TCP) and hands TCP queries to h.
func truncatingFront(h dns.HandlerFunc) dns.HandlerFunc {
	return func(w dns.ResponseWriter, q *dns.Msg) {
		if !overUDP(w) {
			h(w, q)
			return
		}
		m := new(dns.Msg)
		m.SetReply(q)
		m.Truncated, m.RecursionAvailable = true, false
		w.WriteMsg(m)
	}
}

// TestTruncatedUDPIsFollowedToTCP: a truncated UDP reply is not the
// answer; the class comes from the TCP retry, or is no-answer when the
// retry gives nothing whole.
func TestTruncatedUDPIsFollowedToTCP(t *testing.T) {
	tcpSilent := func(w dns.ResponseWriter, q *dns.Msg) { w.Close() }
	for _, tc := range []struct {
		name   string
		h      dns.HandlerFunc
		udp    string // class of the UDP test
		tcp    string
		status scanners.Status
		reason string
	}{
		{name: "recurses over tcp", h: truncatingFront(resolverHandler(t, "open")), udp: scanners.ResolverOpen, tcp: scanners.ResolverOpen, status: scanners.OK},
		{name: "refuses over tcp", h: truncatingFront(resolverHandler(t, "refused")), udp: scanners.ResolverRefused, tcp: scanners.ResolverRefused, status: scanners.OK},
		{name: "tcp closes without a word", h: truncatingFront(tcpSilent), udp: scanners.ResolverNoAnswer, tcp: scanners.ResolverNoAnswer,
			status: scanners.ProtocolError, reason: "TC=1 and the tcp retry failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ap := fakeServer(t, tc.h)
			obs, err := serverProbe{}.Run(context.Background(), testEnv(), scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP})
			if err != nil || len(obs) != 1 {
				t.Fatalf("Run = %v, %v", obs, err)
			}
			o := obs[0]
			if o.Status != tc.status || !strings.Contains(o.Reason, tc.reason) {
				t.Fatalf("status %s (%s), want %s with %q", o.Status, o.Reason, tc.status, tc.reason)
			}
			if o.Status != scanners.OK {
				return
			}
			p := o.Data.(*scanners.DNSServer)
			if len(p.Recursion) != 2 || p.Recursion[0].Class != tc.udp || p.Recursion[1].Class != tc.tcp {
				t.Fatalf("recursion %+v, want udp %s, tcp %s", p.Recursion, tc.udp, tc.tcp)
			}
			if u := p.Recursion[0]; !u.Truncated || !u.RA && tc.udp == scanners.ResolverOpen {
				t.Errorf("udp test: truncated=%v ra=%v, want the tcp retry's reply marked truncated", u.Truncated, u.RA)
			}
			if p.Recursion[1].Truncated {
				t.Errorf("tcp test marked truncated")
			}
		})
	}
}

// TestRcodesThatSayNothing: an EDNS-intolerant server (FORMERR without
// OPT) is asked again without EDNS0 and judged on that answer; a server
// that rejects every query with FORMERR or NOTIMP has said nothing about
// recursion, which is no-answer, never no-recursion.
func TestRcodesThatSayNothing(t *testing.T) {
	open := resolverHandler(t, "open")
	intolerant := func(w dns.ResponseWriter, q *dns.Msg) {
		if q.IsEdns0() != nil {
			m := new(dns.Msg)
			m.SetRcode(q, dns.RcodeFormatError)
			w.WriteMsg(m)
			return
		}
		open(w, q)
	}
	reject := func(rc int) dns.HandlerFunc {
		return func(w dns.ResponseWriter, q *dns.Msg) {
			m := new(dns.Msg)
			m.SetRcode(q, rc)
			if q.Question[0].Qclass == dns.ClassCHAOS {
				m.Rcode = dns.RcodeRefused
			}
			w.WriteMsg(m)
		}
	}
	for _, tc := range []struct {
		name string
		h    dns.HandlerFunc
		want string
	}{
		{"formerr to edns0", intolerant, scanners.ResolverOpen},
		{"formerr always", reject(dns.RcodeFormatError), scanners.ResolverNoAnswer},
		{"notimp always", reject(dns.RcodeNotImplemented), scanners.ResolverNoAnswer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ap := fakeServer(t, tc.h)
			obs, err := serverProbe{}.Run(context.Background(), testEnv(), scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP})
			if err != nil || len(obs) != 1 || obs[0].Status != scanners.OK {
				t.Fatalf("Run = %+v, %v", obs, err)
			}
			for _, r := range obs[0].Data.(*scanners.DNSServer).Recursion {
				if r.Class != tc.want {
					t.Errorf("%s: %s (rcode %s, %s), want %s", r.Transport, r.Class, r.Rcode, r.Error, tc.want)
				}
				if tc.want == scanners.ResolverNoAnswer && (r.Rcode == "" || r.Error == "") {
					t.Errorf("%s: rcode %q error %q, want both as evidence", r.Transport, r.Rcode, r.Error)
				}
			}
		})
	}
}

// TestReplyFromAnotherAddress: a REFUSED that comes back from another
// address than the one asked is not the server's answer (a spoofer or a
// misrouted multi-homed box), so it cannot make a server look closed.
func TestReplyFromAnotherAddress(t *testing.T) {
	in, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	other, err := net.ListenPacket("udp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no second loopback address: %v", err)
	}
	defer other.Close()
	go func() {
		buf := make([]byte, 4096)
		for {
			n, from, err := in.ReadFrom(buf)
			if err != nil {
				return
			}
			q := new(dns.Msg)
			if q.Unpack(buf[:n]) != nil {
				continue
			}
			m := new(dns.Msg)
			m.SetRcode(q, dns.RcodeRefused)
			b, _ := m.Pack()
			other.WriteTo(b, from)
		}
	}()
	ap := netip.MustParseAddrPort(in.LocalAddr().String())
	env := testEnv()
	env.IOTimeout = 200 * time.Millisecond
	obs, err := serverProbe{}.Run(context.Background(), env, scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.UDP})
	if err != nil || len(obs) != 1 {
		t.Fatalf("Run = %v, %v", obs, err)
	}
	if obs[0].Status == scanners.OK {
		t.Fatalf("status ok: %+v, want no usable reply", obs[0].Data)
	}
}

// TestTCPRecursionAskedAgainAfterSilence: a resolver that stays silent
// over TCP on the first ask (still recursing for a cold name) and answers
// the second is judged from that answer, not called no-answer.
func TestTCPRecursionAskedAgainAfterSilence(t *testing.T) {
	var mu sync.Mutex
	tcpAsks := 0
	open := resolverHandler(t, "open")
	h := func(w dns.ResponseWriter, q *dns.Msg) {
		if !overUDP(w) && q.Question[0].Name == DefaultProbeName {
			mu.Lock()
			tcpAsks++
			first := tcpAsks == 1
			mu.Unlock()
			if first {
				time.Sleep(700 * time.Millisecond) // past testEnv's 500 ms
				return
			}
		}
		open(w, q)
	}
	ap := fakeServer(t, h)
	obs, err := serverProbe{}.Run(context.Background(), testEnv(), scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP})
	if err != nil || len(obs) != 1 || obs[0].Status != scanners.OK {
		t.Fatalf("Run = %+v, %v", obs, err)
	}
	p := obs[0].Data.(*scanners.DNSServer)
	if len(p.Recursion) != 2 || p.Recursion[1].Transport != "tcp" || p.Recursion[1].Class != scanners.ResolverOpen {
		t.Fatalf("recursion %+v, want the tcp test open from the second ask", p.Recursion)
	}
	mu.Lock()
	defer mu.Unlock()
	if tcpAsks != 2 {
		t.Fatalf("%d tcp asks of the probe name, want 2", tcpAsks)
	}
}
