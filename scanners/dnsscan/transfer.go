package dnsscan

import (
	"context"
	"fmt"
	"time"

	"github.com/miekg/dns"

	"shindan/scanners"
	"shindan/scanners/dnsclient"
)

// Transfer bounds: a hostile or huge zone costs at most this much.
const (
	maxXfrRecords  = 100000
	maxXfrMessages = 20000
	maxXfrTime     = 30 * time.Second
	maxXfrAddrs    = 1000
	xfrSample      = 8
)

// transfer tries an AXFR or IXFR (serial 0, so an allowed server answers
// with the whole zone) of zone at server over TCP. It reads at most
// maxXfrRecords records within maxXfrTime and keeps only a count, a sample
// and the address records.
func (c *client) transfer(ctx context.Context, server, zone string, qtype uint16) scanners.DNSTransfer {
	res := scanners.DNSTransfer{Zone: dns.Fqdn(zone), Server: server, Type: dns.TypeToString[qtype]}
	ctx, cancel := context.WithTimeout(ctx, maxXfrTime)
	defer cancel()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(zone), qtype)
	if qtype == dns.TypeIXFR {
		// RFC 1995 §3: the query carries the client's SOA in the
		// authority section. Serial 0 predates any history the server
		// keeps, so an allowed server sends the whole zone (§4).
		m.Ns = []dns.RR{&dns.SOA{Hdr: dns.RR_Header{Name: dns.Fqdn(zone), Rrtype: dns.TypeSOA, Class: dns.ClassINET},
			Ns: ".", Mbox: ".", Serial: 0}}
	}
	m.Id = dns.Id()
	wire, err := m.Pack()
	if err != nil {
		res.Error = err.Error()
		return res
	}
	conn, err := c.env.DialContext(ctx, "tcp", server)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := conn.SetDeadline(time.Now().Add(c.env.Timeout())); err != nil {
		res.Error = err.Error()
		return res
	}
	if err := dnsclient.WriteTCP(conn, wire); err != nil {
		res.Error = dnsclient.CtxErr(ctx, err).Error()
		return res
	}
	st := xfrState{zone: dns.Fqdn(zone), ixfr: qtype == dns.TypeIXFR}
	for msgs := 0; msgs < maxXfrMessages && !st.done; msgs++ {
		// Each message gets a fresh deadline; the whole transfer is bounded
		// by maxXfrTime through ctx.
		if err := conn.SetReadDeadline(time.Now().Add(c.env.Timeout())); err != nil {
			res.Error = err.Error()
			break
		}
		raw, err := dnsclient.ReadTCP(conn)
		if err != nil {
			if st.records > 0 {
				res.Error = "transfer ended early: " + dnsclient.CtxErr(ctx, err).Error()
			} else {
				res.Error = dnsclient.CtxErr(ctx, err).Error()
			}
			if ctx.Err() == context.DeadlineExceeded && st.records > 0 {
				res.Capped = true
			}
			break
		}
		r, err := dnsclient.Decode(raw, m)
		if err != nil {
			res.Error = err.Error()
			break
		}
		if err := st.add(r); err != nil {
			res.Error = err.Error()
			break
		}
		if st.records >= maxXfrRecords {
			res.Capped = true
			break
		}
	}
	res.Rcode, res.Records, res.Sample, res.Addrs = st.rcode, st.records, st.sample, st.addrs
	// Allowed: the server started the zone with its SOA (Zonemaster
	// NAMESERVER03's rule) and sent more than that single SOA (a lone SOA
	// is an IXFR "up to date" reply).
	res.Allowed = st.startedWithSOA && st.records > 1
	if res.Allowed && !st.done && !res.Capped && res.Error == "" {
		res.Error = "transfer did not end with the closing SOA"
	}
	return res
}

// xfrState accumulates a transfer's messages without keeping them.
type xfrState struct {
	zone           string
	ixfr           bool
	rcode          string
	records        int
	startedWithSOA bool
	soaSeen        int
	done           bool
	sample         []string
	addrs          []scanners.DNSAddr
}

// add consumes one transfer message (untrusted).
func (s *xfrState) add(r *dns.Msg) error {
	s.rcode = rcode(r)
	if r.Rcode != dns.RcodeSuccess {
		s.done = true
		return nil
	}
	if len(r.Answer) == 0 {
		if s.records == 0 {
			s.done = true
			return nil
		}
		return fmt.Errorf("dnsscan: empty message inside a transfer")
	}
	for _, rr := range r.Answer {
		if s.records == 0 {
			soa, ok := rr.(*dns.SOA)
			if !ok || !dns.IsSubDomain(s.zone, soa.Hdr.Name) || !dns.IsSubDomain(soa.Hdr.Name, s.zone) {
				s.done = true
				return fmt.Errorf("dnsscan: transfer does not start with the zone's SOA")
			}
			s.startedWithSOA = true
		}
		s.records++
		if _, ok := rr.(*dns.SOA); ok {
			s.soaSeen++
		}
		if len(s.sample) < xfrSample {
			s.sample = append(s.sample, rrLines([]dns.RR{rr}, 1)...)
		}
		if len(s.addrs) < maxXfrAddrs {
			s.addrs = append(s.addrs, addrRecords([]dns.RR{rr})...)
		}
		// AXFR ends with the second SOA. An IXFR with serial 0 comes back
		// as an AXFR-style reply, so the same rule holds; a single SOA is
		// the "no change" IXFR reply and ends at the message boundary below.
		if s.soaSeen >= 2 {
			s.done = true
			return nil
		}
	}
	if s.ixfr && s.records == 1 && s.soaSeen == 1 && len(r.Answer) == 1 {
		// IXFR "up to date" or a single-SOA answer: nothing more comes.
		s.done = true
	}
	return nil
}
