package dnsclient

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"shindan/scanners/scantest"
)

// server is a loopback DNS server on one port, UDP and TCP, whose UDP side
// runs a script: each query gets the datagrams udp returns (none: silence).
type server struct {
	addr    string
	udpSeen atomic.Int32
	tcpSeen atomic.Int32
	udp     func(q *dns.Msg) [][]byte
	tcp     func(q *dns.Msg) *dns.Msg // nil reply: close without answering
	pc      net.PacketConn
}

func newServer(t *testing.T, udp func(*dns.Msg) [][]byte, tcp func(*dns.Msg) *dns.Msg) *server {
	t.Helper()
	s := &server{udp: udp, tcp: tcp}
	ap := scantest.Serve(t, s.serveTCP)
	pc, err := net.ListenPacket("udp", ap.String())
	if err != nil {
		t.Skipf("udp port of the tcp listener is taken: %v", err)
	}
	s.addr, s.pc = ap.String(), pc
	t.Cleanup(func() { pc.Close() })
	go s.serveUDP()
	return s
}

func (s *server) serveUDP() {
	buf := make([]byte, 65535)
	for {
		n, from, err := s.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		q := new(dns.Msg)
		if q.Unpack(buf[:n]) != nil {
			continue
		}
		s.udpSeen.Add(1)
		for _, d := range s.udp(q) {
			s.pc.WriteTo(d, from)
		}
	}
}

// serveTCP answers one query on c with the tcp script.
func (s *server) serveTCP(c net.Conn) {
	c.SetDeadline(time.Now().Add(5 * time.Second))
	raw, err := ReadTCP(c)
	if err != nil {
		return
	}
	q := new(dns.Msg)
	if q.Unpack(raw) != nil {
		return
	}
	s.tcpSeen.Add(1)
	if s.tcp == nil {
		return
	}
	if r := s.tcp(q); r != nil {
		b, _ := r.Pack()
		WriteTCP(c, b)
	}
}

// answer is q's reply with one A record; mutate adjusts it before packing.
func answer(q *dns.Msg, mutate func(*dns.Msg)) []byte {
	r := new(dns.Msg)
	r.SetReply(q)
	a, _ := dns.NewRR(q.Question[0].Name + " 60 IN A 198.51.100.10")
	r.Answer = []dns.RR{a}
	if mutate != nil {
		mutate(r)
	}
	b, _ := r.Pack()
	return b
}

func dialer() DialFunc {
	var d net.Dialer
	return d.DialContext
}

func TestQueryMatchesIDAndQuestion(t *testing.T) {
	var edns atomic.Bool
	s := newServer(t, func(q *dns.Msg) [][]byte {
		opt := q.IsEdns0()
		edns.Store(opt != nil && opt.UDPSize() == BufferSize && !opt.Do() && q.RecursionDesired)
		return [][]byte{
			answer(q, func(r *dns.Msg) { r.Id++ }),                                                   // another query's reply
			answer(q, func(r *dns.Msg) { r.Question[0].Name = "other.example." }),                    // right ID, wrong name
			answer(q, func(r *dns.Msg) { r.Question[0].Qtype = dns.TypeAAAA }),                       // right ID, wrong type
			answer(q, func(r *dns.Msg) { r.Question[0].Name = strings.ToUpper(r.Question[0].Name) }), // case may differ
		}
	}, nil)
	c := &Client{Dial: dialer(), Timeout: 2 * time.Second}
	r, err := c.Query(context.Background(), s.addr, "udp", NewQuery("www.example", dns.TypeA, true))
	if err != nil {
		t.Fatal(err)
	}
	if r.Msg.Question[0].Name != "WWW.EXAMPLE." || len(r.Msg.Answer) != 1 || r.Size == 0 || r.Req == 0 {
		t.Fatalf("got the wrong reply: %v", r.Msg)
	}
	if !edns.Load() {
		t.Fatal("the query did not carry RD and EDNS0 with a 4096-byte buffer")
	}
}

func TestQueryStraysOnlyIsNoMatch(t *testing.T) {
	s := newServer(t, func(q *dns.Msg) [][]byte {
		var out [][]byte
		for range maxUDPReads + 2 {
			out = append(out, answer(q, func(r *dns.Msg) { r.Id ^= 0xffff }))
		}
		return out
	}, nil)
	c := &Client{Dial: dialer(), Timeout: 2 * time.Second}
	start := time.Now()
	_, err := c.Exchange(context.Background(), s.addr, "udp", NewQuery("www.example", dns.TypeA, true))
	if !errors.Is(err, ErrNoMatch) {
		t.Fatalf("got %v, want ErrNoMatch", err)
	}
	if time.Since(start) > time.Second {
		t.Fatalf("stray datagrams kept the client %v: the read count is the bound, not the deadline", time.Since(start))
	}
}

func TestQueryTruncatedGoesTCP(t *testing.T) {
	s := newServer(t, func(q *dns.Msg) [][]byte {
		return [][]byte{answer(q, func(r *dns.Msg) { r.Truncated = true; r.Answer = nil })}
	}, func(q *dns.Msg) *dns.Msg {
		r := new(dns.Msg)
		r.SetReply(q)
		for i := range 3 {
			a, _ := dns.NewRR(q.Question[0].Name + " 60 IN A 198.51.100." + string(rune('1'+i)))
			r.Answer = append(r.Answer, a)
		}
		return r
	})
	c := &Client{Dial: dialer(), Timeout: 2 * time.Second}
	r, err := c.Query(context.Background(), s.addr, "udp", NewQuery("big.example", dns.TypeA, true))
	if err != nil || r.TCPErr != nil || len(r.Msg.Answer) != 3 {
		t.Fatalf("got %+v, %v; want the three answers over tcp", r, err)
	}
}

func TestQueryTruncatedTCPFails(t *testing.T) {
	s := newServer(t, func(q *dns.Msg) [][]byte {
		return [][]byte{answer(q, func(r *dns.Msg) { r.Truncated = true })}
	}, nil)
	c := &Client{Dial: dialer(), Timeout: time.Second}
	r, err := c.Query(context.Background(), s.addr, "udp", NewQuery("big.example", dns.TypeA, true))
	if err != nil || r.TCPErr == nil || !r.Msg.Truncated {
		t.Fatalf("got %+v, %v; want the truncated udp reply with the tcp error", r, err)
	}
}

func TestQuerySilence(t *testing.T) {
	for _, tc := range []struct {
		name       string
		c          Client
		udp, tcp   int32
		wantAnswer bool
	}{
		{"one send, no tcp (zero policy)", Client{}, 1, 0, false},
		{"three sends then tcp", Client{UDPTries: 3, TCPOnSilence: true}, 3, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, func(*dns.Msg) [][]byte { return nil }, func(q *dns.Msg) *dns.Msg {
				r := new(dns.Msg)
				r.SetReply(q)
				return r
			})
			c := tc.c
			c.Dial, c.Timeout = dialer(), 200*time.Millisecond
			r, err := c.Query(context.Background(), s.addr, "udp", NewQuery("quiet.example", dns.TypeA, true))
			if got := s.udpSeen.Load(); got != tc.udp {
				t.Errorf("%d udp sends, want %d", got, tc.udp)
			}
			if got := s.tcpSeen.Load(); got != tc.tcp {
				t.Errorf("%d tcp queries, want %d", got, tc.tcp)
			}
			if tc.wantAnswer != (err == nil) {
				t.Fatalf("got %v, %v", r, err)
			}
			var ne net.Error
			if err != nil && !(errors.As(err, &ne) && ne.Timeout()) {
				t.Fatalf("silence gave %v, want a timeout", err)
			}
		})
	}
}

func TestExchangeMalformed(t *testing.T) {
	s := newServer(t, func(q *dns.Msg) [][]byte {
		b := answer(q, nil)
		b[2] &^= 0x80 // clear QR: a query, not a reply
		return [][]byte{b}
	}, nil)
	c := &Client{Dial: dialer(), Timeout: time.Second}
	_, err := c.Exchange(context.Background(), s.addr, "udp", NewQuery("www.example", dns.TypeA, true))
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("got %v, want ErrMalformed", err)
	}
}

func TestExchangeCancel(t *testing.T) {
	s := newServer(t, func(*dns.Msg) [][]byte { return nil }, nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	c := &Client{Dial: dialer(), Timeout: 10 * time.Second}
	start := time.Now()
	_, err := c.Exchange(ctx, s.addr, "udp", NewQuery("www.example", dns.TypeA, true))
	if !errors.Is(err, context.Canceled) || time.Since(start) > 2*time.Second {
		t.Fatalf("got %v after %v, want context.Canceled at once", err, time.Since(start))
	}
}

func TestReadTCPShort(t *testing.T) {
	if _, err := ReadTCP(strings.NewReader("\x00\x05hello")); !errors.Is(err, ErrMalformed) {
		t.Fatalf("a 5-byte message: %v", err)
	}
	if _, err := ReadTCP(strings.NewReader("\x00\x20short")); err == nil {
		t.Fatal("a message shorter than its prefix read without error")
	}
}

// TestWhole: a reply is whole unless it stays truncated: TC over UDP with
// a failed TCP retry, or TC over TCP as well.
func TestWhole(t *testing.T) {
	tc := func(q *dns.Msg) [][]byte {
		return [][]byte{answer(q, func(r *dns.Msg) { r.Truncated = true; r.Answer = nil })}
	}
	truncTCP := func(q *dns.Msg) *dns.Msg {
		r := new(dns.Msg)
		r.SetReply(q)
		r.Truncated = true
		return r
	}
	for _, c := range []struct {
		name string
		tcp  func(*dns.Msg) *dns.Msg
		want string
	}{
		{"tcp silent", nil, "tcp retry failed"},
		{"tcp truncated too", truncTCP, "tcp reply too"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newServer(t, tc, c.tcp)
			cl := &Client{Dial: dialer(), Timeout: 500 * time.Millisecond}
			r, err := cl.Query(context.Background(), s.addr, "udp", NewQuery("big.example", dns.TypeA, true))
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Whole(); !errors.Is(err, ErrTruncated) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Whole = %v, want ErrTruncated saying %q", err, c.want)
			}
		})
	}
	s := newServer(t, func(q *dns.Msg) [][]byte { return [][]byte{answer(q, nil)} }, nil)
	r, err := (&Client{Dial: dialer(), Timeout: time.Second}).Query(context.Background(), s.addr, "udp", NewQuery("a.example", dns.TypeA, true))
	if err != nil || r.Whole() != nil {
		t.Errorf("plain answer: %v, Whole %v", err, r.Whole())
	}
}

// TestQueryEDNSFallback: FORMERR without OPT to an EDNS0 query is asked
// again without EDNS0; FORMERR with OPT (a server that knows EDNS0 and
// rejects something else) is the answer.
func TestQueryEDNSFallback(t *testing.T) {
	for _, c := range []struct {
		name     string
		echoOPT  bool
		noEDNS   bool
		wantCode int
	}{
		{"intolerant server", false, true, dns.RcodeSuccess},
		{"formerr with opt", true, false, dns.RcodeFormatError},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newServer(t, func(q *dns.Msg) [][]byte {
				if q.IsEdns0() == nil {
					return [][]byte{answer(q, nil)}
				}
				return [][]byte{answer(q, func(r *dns.Msg) {
					r.Rcode, r.Answer = dns.RcodeFormatError, nil
					if c.echoOPT {
						r.SetEdns0(1232, false)
					}
				})}
			}, nil)
			r, err := (&Client{Dial: dialer(), Timeout: time.Second}).Query(context.Background(), s.addr, "udp", NewQuery("a.example", dns.TypeA, true))
			if err != nil || r.Msg.Rcode != c.wantCode || r.NoEDNS != c.noEDNS {
				t.Fatalf("got %+v, %v; want rcode %d, NoEDNS %v", r, err, c.wantCode, c.noEDNS)
			}
			if want := int32(1 + b2i(c.noEDNS)); s.udpSeen.Load() != want {
				t.Errorf("%d udp queries, want %d", s.udpSeen.Load(), want)
			}
		})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
