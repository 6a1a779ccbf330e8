package dnsscan

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"

	"shindan/scanners"
	"shindan/scanners/dnsclient"
)

// FuzzReply feeds arbitrary bytes as a DNS reply through every path that
// handles untrusted answers: decoding, recursion classification, identity
// and cookie extraction, transfer accounting and DNSSEC evaluation.
func FuzzReply(f *testing.F) {
	m := new(dns.Msg)
	m.SetQuestion("www.example.com.", dns.TypeA)
	m.Response, m.RecursionAvailable = true, true
	a, _ := dns.NewRR("www.example.com. 60 IN A 198.51.100.79")
	m.Answer = []dns.RR{a}
	m.SetEdns0(4096, true)
	b, _ := m.Pack()
	f.Add(b)
	soa, _ := dns.NewRR("leaky.test. 300 IN SOA ns1.leaky.test. h.leaky.test. 1 2 3 4 5")
	m.Answer = []dns.RR{soa, a, soa}
	b, _ = m.Pack()
	f.Add(b)
	f.Add([]byte("\x00\x00\x80\x00\x00\x01\x00\x01\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		r, err := dnsclient.Decode(data, &dns.Msg{MsgHdr: dns.MsgHdr{Id: binary.BigEndian.Uint16(data)}})
		if err != nil {
			return
		}
		_ = classifyRecursion(r, "www.example.com.", []netip.Addr{netip.MustParseAddr("198.51.100.79")})
		_ = answerAddrs(r, "www.example.com.")
		_ = chaosText(r)
		_ = nsidText(r)
		_ = hasServerCookie(r)
		_ = msgText(r)
		_ = nsNames(r.Answer, "leaky.test.")
		st := xfrState{zone: "leaky.test."}
		for range 3 {
			if st.add(r) != nil || st.done {
				break
			}
		}
		var sec scanners.DNSSECState
		evalDNSSEC(&sec, "leaky.test.", r, r, nil, time.Unix(1e9, 0))
	})
}
