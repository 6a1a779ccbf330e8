// Package hostile holds in-process hostile servers (tarpits, drips, endless
// banners, delayed and postscreen-paused greetings, oversized records,
// alert storms, resets after identification, DNS loops, endless bodies,
// redirects out of scope) and, in its tests, the suite that scans each one
// end to end through the engine and bounds verdict, time and memory
// (issue 13 item 7). The servers listen on their real port numbers (25,
// 80, 443, 53) of a loopback address of their own (127.x.y.z), because the
// port number decides which checks owe a verdict.
package hostile

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"io"
	"math/big"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server is one hostile listener (TCP, and UDP for DNS) until Close.
type Server struct {
	Addr  netip.Addr
	Port  uint16
	Conns atomic.Int64 // TCP connections accepted

	ln   net.Listener
	pc   net.PacketConn
	done chan struct{}
	wg   sync.WaitGroup
}

// ListenTCP serves handle on addr:port, one goroutine per connection. The
// connection is closed when handle returns or the server closes.
func ListenTCP(addr netip.Addr, port uint16, handle func(c net.Conn, n int64)) (*Server, error) {
	ln, err := net.Listen("tcp", netip.AddrPortFrom(addr, port).String())
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: addr, Port: port, ln: ln, done: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n := s.Conns.Add(1)
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				stop := make(chan struct{})
				go func() {
					select {
					case <-s.done:
					case <-stop:
					}
					c.Close()
				}()
				handle(c, n)
				close(stop)
			}()
		}
	}()
	return s, nil
}

// ListenUDP adds a UDP handler on the same address and port: reply returns
// the datagrams to send back for one query (nil for none).
func (s *Server) ListenUDP(reply func(q []byte) [][]byte) error {
	pc, err := net.ListenPacket("udp", netip.AddrPortFrom(s.Addr, s.Port).String())
	if err != nil {
		return err
	}
	s.pc = pc
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		buf := make([]byte, 4096)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			for _, d := range reply(bytes.Clone(buf[:n])) {
				_, _ = pc.WriteTo(d, from)
			}
		}
	}()
	return nil
}

// Close stops the server and waits for its handlers.
func (s *Server) Close() {
	close(s.done)
	s.ln.Close()
	if s.pc != nil {
		s.pc.Close()
	}
	s.wg.Wait()
}

// Tarpit accepts, reads whatever comes and never says a word, never closes.
func Tarpit(c net.Conn, _ int64) { _, _ = io.Copy(io.Discard, c) }

// Drip sends text one byte every interval, forever.
func Drip(text string, interval time.Duration) func(net.Conn, int64) {
	return func(c net.Conn, _ int64) {
		for i := 0; ; i++ {
			if _, err := c.Write([]byte{text[i%len(text)]}); err != nil {
				return
			}
			time.Sleep(interval)
		}
	}
}

// Endless writes chunk as fast as the peer reads, forever.
func Endless(chunk string) func(net.Conn, int64) {
	b := []byte(chunk)
	return func(c net.Conn, _ int64) {
		for {
			if _, err := c.Write(b); err != nil {
				return
			}
		}
	}
}

// Relay is an SMTP open relay: it accepts any MAIL, RCPT and DATA. Delay
// holds the greeting back; Pause sends "220-" first and the final "220 "
// line after the pause, as Postfix postscreen does with its greet test.
type Relay struct {
	Delay, Pause time.Duration
}

// Serve implements the SMTP dialogue on one connection.
func (r Relay) Serve(c net.Conn, _ int64) {
	time.Sleep(r.Delay)
	if r.Pause > 0 {
		if _, err := c.Write([]byte("220-mx.hostile.test ESMTP postscreen-style greet pause\r\n")); err != nil {
			return
		}
		time.Sleep(r.Pause)
	}
	if _, err := c.Write([]byte("220 mx.hostile.test ESMTP\r\n")); err != nil {
		return
	}
	br := bufio.NewReader(c)
	inData := false
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		if inData {
			if line == ".\r\n" {
				inData = false
				c.Write([]byte("250 queued\r\n"))
			}
			continue
		}
		verb := strings.ToUpper(strings.TrimSpace(strings.SplitN(line, " ", 2)[0]))
		var rep string
		switch verb {
		case "EHLO":
			rep = "250-mx.hostile.test\r\n250 SIZE 10240000\r\n"
		case "DATA":
			rep, inData = "354 go ahead\r\n", true
		case "QUIT":
			c.Write([]byte("221 bye\r\n"))
			return
		default:
			rep = "250 ok\r\n"
		}
		if _, err := c.Write([]byte(rep)); err != nil {
			return
		}
	}
}

// SelfSigned returns a TLS configuration with a fresh self-signed
// certificate for name.
func SelfSigned(name string) (*tls.Config, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &k.PublicKey, k)
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: k}}}, nil
}

// AlertStorm answers every ClientHello with a fatal handshake_failure
// alert, as an IPS or a rate limiter that drops TLS does.
func AlertStorm(c net.Conn, _ int64) {
	if _, err := c.Read(make([]byte, 4096)); err != nil {
		return
	}
	_, _ = c.Write([]byte{0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28})
}

// HugeRecord answers anything with a TLS record header announcing the
// maximum length and then n bytes of zeros.
func HugeRecord(n int) func(net.Conn, int64) {
	return func(c net.Conn, _ int64) {
		if _, err := c.Read(make([]byte, 4096)); err != nil {
			return
		}
		if _, err := c.Write([]byte{0x16, 0x03, 0x03, 0xff, 0xff}); err != nil {
			return
		}
		zero := make([]byte, 64<<10)
		for sent := 0; sent < n; sent += len(zero) {
			if _, err := c.Write(zero); err != nil {
				return
			}
		}
	}
}

// Garbage answers anything with bytes that are no protocol.
func Garbage(c net.Conn, _ int64) {
	_, _ = c.Write(bytes.Repeat([]byte("\x00\xff\x13garbage\x1b[2J"), 200))
	_, _ = c.Read(make([]byte, 4096))
}

// ResetAfter serves TLS (and a minimal HTTP reply inside) on the first
// allow connections, the ones identification makes, and resets every
// later one: a connection rate limit or an IPS as enumeration meets it.
func ResetAfter(cfg *tls.Config, allow int64) func(net.Conn, int64) {
	return func(c net.Conn, n int64) {
		if n > allow {
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // RST instead of FIN
			}
			return
		}
		tc := tls.Server(c, cfg)
		_ = tc.SetDeadline(time.Now().Add(5 * time.Second))
		if tc.Handshake() != nil {
			return
		}
		if _, err := tc.Read(make([]byte, 4096)); err != nil {
			return
		}
		_, _ = tc.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"))
	}
}

// httpRespond reads one request head (bounded) and writes head and body.
func httpRespond(c net.Conn, head string, body func(net.Conn) error) {
	br := bufio.NewReader(c)
	for n := 0; n < 200; n++ {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		if line == "\r\n" || line == "\n" {
			break
		}
	}
	if _, err := c.Write([]byte(head)); err != nil {
		return
	}
	if body != nil {
		_ = body(c)
	}
}

// EndlessChunked answers every request with a chunked body that never ends.
func EndlessChunked(c net.Conn, _ int64) {
	chunk := []byte("1000\r\n" + strings.Repeat("<p>endless</p>", 4096/14) + strings.Repeat(" ", 4096-(4096/14)*14) + "\r\n")
	httpRespond(c, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n", func(c net.Conn) error {
		for {
			if _, err := c.Write(chunk); err != nil {
				return err
			}
		}
	})
}

// EndlessHeaderLine answers with a status line and one header line that
// never ends.
func EndlessHeaderLine(c net.Conn, _ int64) {
	httpRespond(c, "HTTP/1.1 200 OK\r\nX-Hostile: ", func(c net.Conn) error {
		b := bytes.Repeat([]byte("a"), 4096)
		for {
			if _, err := c.Write(b); err != nil {
				return err
			}
		}
	})
}

// EndlessChunkExtension answers with a chunked body whose first chunk-size
// line carries an extension that never ends (RFC 9112 §7.1.1 sets no
// length limit on it).
func EndlessChunkExtension(c net.Conn, _ int64) {
	httpRespond(c, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n1000;ext=", func(c net.Conn) error {
		b := bytes.Repeat([]byte("x"), 4096)
		for {
			if _, err := c.Write(b); err != nil {
				return err
			}
		}
	})
}

// GzipBomb answers with a gzip-encoded HTML body that never ends: zeros,
// about 1000 times smaller on the wire than decoded, so a client that
// decodes it pays the decoded size. The stream is precomputed: after a
// sync flush the deflate window holds only zeros, so the bytes of one
// flushed megabyte of zeros decode to zeros again wherever they are
// repeated, and the server spends no CPU compressing.
func GzipBomb(c net.Conn, _ int64) {
	head, again := gzipZeros()
	again = bytes.Repeat(again, 64) // ~64 KiB per write
	httpRespond(c, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n", func(c net.Conn) error {
		if _, err := c.Write(head); err != nil {
			return err
		}
		for {
			if _, err := c.Write(again); err != nil {
				return err
			}
		}
	})
}

var gzipOnce = sync.OnceValues(func() ([]byte, []byte) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zero := make([]byte, 1<<20)
	zw.Write(zero)
	zw.Flush()
	n := buf.Len()
	zw.Write(zero)
	zw.Flush()
	return bytes.Clone(buf.Bytes()[:n]), bytes.Clone(buf.Bytes()[n:])
})

// gzipZeros is the gzip header with the first megabyte of zeros, and the
// flushed deflate bytes of one more megabyte, to be repeated.
func gzipZeros() (head, again []byte) { return gzipOnce() }

// ManyHeaders answers with n response header lines.
func ManyHeaders(n int) func(net.Conn, int64) {
	return func(c net.Conn, _ int64) {
		httpRespond(c, "HTTP/1.1 200 OK\r\n", func(c net.Conn) error {
			line := []byte("X-Hostile: filler-filler-filler\r\n")
			for i := 0; i < n; i++ {
				if _, err := c.Write(line); err != nil {
					return err
				}
			}
			_, err := c.Write([]byte("Content-Length: 0\r\n\r\n"))
			return err
		})
	}
}

// RedirectTo answers every request with a permanent redirect to location.
func RedirectTo(location string) func(net.Conn, int64) {
	return func(c net.Conn, _ int64) {
		httpRespond(c, "HTTP/1.1 301 Moved Permanently\r\nLocation: "+location+"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", nil)
	}
}

// DNS answers. Each takes a query message and returns the reply; they are
// hand-made so they can be malformed on purpose.

// dnsReply copies the query's ID and question into a reply header with
// the given flags and counts.
func dnsReply(q []byte, flags uint16, an uint16, answers []byte) []byte {
	if len(q) < 12 {
		return nil
	}
	end := 12
	for end < len(q) && q[end] != 0 {
		end += int(q[end]) + 1
	}
	end += 5 // root label, QTYPE, QCLASS
	if end > len(q) {
		return nil
	}
	out := make([]byte, 0, end+len(answers))
	out = append(out, q[0], q[1])
	out = binary.BigEndian.AppendUint16(out, flags)
	out = binary.BigEndian.AppendUint16(out, 1)
	out = binary.BigEndian.AppendUint16(out, an)
	out = append(out, 0, 0, 0, 0)
	out = append(out, q[12:end]...)
	return append(out, answers...)
}

// HugeAnswer answers every query with TXT records pointing at the
// question name, about size bytes in all.
func HugeAnswer(size int) func([]byte) []byte {
	txt := append([]byte{255}, bytes.Repeat([]byte("A"), 255)...)
	rr := []byte{0xc0, 0x0c, 0x00, 0x10, 0x00, 0x01, 0, 0, 0x0e, 0x10}
	rr = binary.BigEndian.AppendUint16(rr, uint16(len(txt)))
	rr = append(rr, txt...)
	n := min(size/len(rr), 0xffff)
	return func(q []byte) []byte {
		return dnsReply(q, 0x8180, uint16(n), bytes.Repeat(rr, n))
	}
}

// TruncatedAlways sets TC on every (empty) answer, over UDP and TCP alike,
// so a client that retries over TCP on TC, or over UDP on a truncated TCP
// answer, would loop forever.
// RA is set: the client must neither loop nor take the empty answer for one.
func TruncatedAlways(q []byte) []byte { return dnsReply(q, 0x8380, 0, nil) }

// TruncatingFront answers every UDP query with TC=1 and RA=0 and no
// records, and every TCP query as an open resolver would: RA=1 and one A
// record (198.51.100.79) for whatever was asked. It is a resolver behind a
// front end that sends all UDP clients to TCP; over UDP it looks like a
// server that does not recurse.
func TruncatingFront() (tcp func(net.Conn, int64), udp func([]byte) [][]byte) {
	a := []byte{0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0, 0, 0x0e, 0x10, 0, 4, 198, 51, 100, 79}
	tcp, _ = DNSServe(func(q []byte) []byte { return dnsReply(q, 0x8180, 1, a) })
	_, udp = DNSServe(func(q []byte) []byte { return dnsReply(q, 0x8300, 0, nil) })
	return tcp, udp
}

// CompressionLoop answers with a record whose owner name is a compression
// pointer to itself.
func CompressionLoop(q []byte) []byte {
	r := dnsReply(q, 0x8180, 1, nil)
	if r == nil {
		return nil
	}
	self := len(r)
	rr := []byte{0xc0 | byte(self>>8), byte(self), 0x00, 0x01, 0x00, 0x01, 0, 0, 0x0e, 0x10, 0, 4, 127, 0, 0, 1}
	return append(r, rr...)
}

// DNSServe adapts a DNS answer function to TCP (length-prefixed messages)
// and UDP (one datagram, cut at 65507 bytes).
func DNSServe(answer func([]byte) []byte) (tcp func(net.Conn, int64), udp func([]byte) [][]byte) {
	tcp = func(c net.Conn, _ int64) {
		for {
			var l [2]byte
			if _, err := readFull(c, l[:]); err != nil {
				return
			}
			q := make([]byte, binary.BigEndian.Uint16(l[:]))
			if _, err := readFull(c, q); err != nil {
				return
			}
			r := answer(q)
			if len(r) > 0xffff {
				r = r[:0xffff]
			}
			out := binary.BigEndian.AppendUint16(nil, uint16(len(r)))
			if _, err := c.Write(append(out, r...)); err != nil {
				return
			}
		}
	}
	udp = func(q []byte) [][]byte {
		r := answer(q)
		if len(r) > 65507 {
			r = r[:65507]
		}
		return [][]byte{r}
	}
	return tcp, udp
}

// readFull is io.ReadFull without its ErrUnexpectedEOF rewrite: the
// hostile server sees the connection's own error.
func readFull(c net.Conn, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := c.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
