package dnsscan

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"shindan/checks"
	_ "shindan/checks/dnscheck" // dns.amplification
	"shindan/scanners"
)

// bigHandler plays a hostile amplifier: every UDP question gets an answer
// of about 64 KB, whatever EDNS size the query advertised. answerFirst
// answers only that many queries of the burst's name (a rate limiter);
// 0 answers all.
func bigHandler(t *testing.T, answerFirst int64) dns.HandlerFunc {
	var n atomic.Int64
	return func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		qq := q.Question[0]
		if qq.Qclass == dns.ClassCHAOS {
			m.Rcode = dns.RcodeRefused
			w.WriteMsg(m)
			return
		}
		if qq.Qtype == dns.TypeA {
			m.Rcode = dns.RcodeRefused
			w.WriteMsg(m)
			return
		}
		if qq.Qtype == dns.TypeANY && answerFirst > 0 && n.Add(1) > answerFirst+1 { // +1: the single measurement
			return
		}
		txt := strings.Repeat("x", 250)
		for len(m.Answer) < 240 {
			m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: qq.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60}, Txt: []string{txt}})
		}
		m.Compress = false
		w.WriteMsg(m)
	}
}

func amplificationVerdict(t *testing.T, obs []scanners.Observation) checks.Finding {
	t.Helper()
	c, ok := checks.Default.Get("dns.amplification")
	if !ok {
		t.Fatal("dns.amplification not registered")
	}
	fs := c.Evaluate(&checks.Input{Obs: obs, Policy: checks.DefaultPolicy(), Now: time.Now()})
	if len(fs) != 1 {
		t.Fatalf("findings %+v", fs)
	}
	t.Logf("%s: %s\n%s", fs[0].Status, fs[0].Detail.EN, fs[0].Evidence[0].Data)
	return fs[0]
}

// TestAmplifier65K: 20 replies of 64 KB each in one burst are all read
// (the reader drains while we send, the buffer is sized for the burst),
// so a 1600x amplifier is not mistaken for a rate-limited one.
func TestAmplifier65K(t *testing.T) {
	ap := fakeServer(t, bigHandler(t, 0))
	obs, err := serverProbe{}.Run(context.Background(), testEnv(), scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP})
	if err != nil || len(obs) != 1 || obs[0].Status != scanners.OK {
		t.Fatalf("Run = %+v, %v", obs, err)
	}
	p := obs[0].Data.(*scanners.DNSServer)
	best := 0.0
	for _, a := range p.Amplify {
		best = max(best, a.Factor)
	}
	if best < 1000 {
		t.Errorf("largest factor %.1f, want > 1000 for 64 KB answers: %+v", best, p.Amplify)
	}
	r := p.RRL
	if r.Sent != rrlBurst || r.Answered != r.Sent || r.Limited || r.LocalLoss || r.Bytes < rrlBurst*60000 {
		t.Errorf("burst %+v: want every 64 KB reply read and no rate limiting", r)
	}
	if r.RcvBuf == 0 {
		t.Errorf("receive buffer size unknown")
	}
	if f := amplificationVerdict(t, obs); f.Status != checks.Warn {
		t.Errorf("dns.amplification %s, want warn", f.Status)
	}
}

// TestAmplifierWithRRL: a server that stops answering after 5 replies of
// the burst is rate limited, and our own kernel dropped nothing.
func TestAmplifierWithRRL(t *testing.T) {
	ap := fakeServer(t, bigHandler(t, 5))
	obs, err := serverProbe{}.Run(context.Background(), testEnv(), scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP})
	if err != nil || len(obs) != 1 || obs[0].Status != scanners.OK {
		t.Fatalf("Run = %+v, %v", obs, err)
	}
	r := obs[0].Data.(*scanners.DNSServer).RRL
	if r.Answered != 5 || !r.Limited || r.LocalLoss || r.LocalDrops != 0 {
		t.Errorf("burst %+v: want 5 answered, limited, no local drops", r)
	}
	if f := amplificationVerdict(t, obs); f.Status != checks.Pass || !strings.Contains(f.Detail.EN, "rate limiting is active") {
		t.Errorf("dns.amplification %s %q, want pass for rate limiting", f.Status, f.Detail.EN)
	}
}

func TestSNMPCounters(t *testing.T) {
	if _, ok := udpRcvbufErrors(); !ok {
		t.Skip("/proc/net/snmp not readable here")
	}
	v, ok := snmpColumn("/proc/net/snmp", "Udp:", "RcvbufErrors")
	if !ok || v < 0 {
		t.Errorf("RcvbufErrors = %d, %v", v, ok)
	}
}
