package portscan

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"shindan/scanners"
	"shindan/scanners/rawio"
)

// Reflector measures, per host, the amplification of every UDP reflector
// payload (request bytes vs. all response bytes and datagrams) and tests
// candidate TCP ports as open HTTP and SOCKS5 proxies. The proxy test asks
// the service to fetch a canary that this probe serves itself on the
// scanner's own address, so it never makes a proxy reach anything outside
// the scan. It runs at LevelHost after port.tcp (for the open TCP ports).
type Reflector struct {
	// Window is how long responses to one request are counted; 0 means
	// min(env.Timeout(), 2s).
	Window time.Duration
}

func init() { scanners.Register(&Reflector{}) }

// Info describes the probe.
func (r *Reflector) Info() scanners.ProbeInfo {
	return scanners.ProbeInfo{ID: scanners.ProbeSvcReflector, Level: scanners.LevelHost, After: []string{scanners.ProbePortTCP}}
}

// Proxy candidates when port.tcp observations are available: the ports
// where proxies live in practice.
var (
	httpProxyPorts = []uint16{80, 81, 3128, 8000, 8008, 8080, 8081, 8118, 8123, 8888, 8889, 9080}
	socksPorts     = []uint16{1080, 1081, 9050, 9150}
)

// Run measures one host.
func (r *Reflector) Run(ctx context.Context, env *scanners.Env, t scanners.Target) ([]scanners.Observation, error) {
	window := r.Window
	if window <= 0 {
		window = min(env.Timeout(), 2*time.Second)
	}
	var mu sync.Mutex
	var out []scanners.Observation
	var silent []string
	add := func(o scanners.Observation) {
		mu.Lock()
		out = append(out, o)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for _, p := range UDPPayloads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tt := t.Endpoint(scanners.UDP, p.Port)
			res, err := exchange(ctx, env, tt.HostPort(), p, window)
			if err != nil || res.packets == 0 {
				if errors.Is(err, scanners.ErrOutOfScope) {
					add(scanners.Failed(scanners.ProbeSvcReflector, tt, env.Clock(), err))
					return
				}
				mu.Lock()
				silent = append(silent, p.Name)
				mu.Unlock()
				return
			}
			f := float64(res.bytes) / float64(len(p.Req))
			add(scanners.Observation{Probe: scanners.ProbeSvcReflector, Target: tt, At: env.Clock(), Status: scanners.OK,
				Data: &scanners.Reflector{Port: p.Port, Protocol: p.Name, RequestBytes: len(p.Req), ResponseBytes: res.bytes, Packets: res.packets, Factor: f},
				Evidence: []scanners.Evidence{{Kind: "packet",
					Summary: fmt.Sprintf("%s udp/%d: request %d bytes → %d bytes in %d datagrams (×%.1f)", p.Name, p.Port, len(p.Req), res.bytes, res.packets, f),
					Data:    "request: " + hex.EncodeToString(p.Req) + "\nfirst response (≤512 bytes): " + hex.EncodeToString(res.first)}}})
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return out, nil
	}
	slices.Sort(silent)
	out = append(out, scanners.Observation{Probe: scanners.ProbeSvcReflector, Target: t.Endpoint(scanners.UDP, 0), At: env.Clock(), Status: scanners.OK,
		Data: &scanners.Reflector{Silent: silent}})
	out = append(out, r.proxies(ctx, env, t)...)
	return out, nil
}

// candidates returns the TCP ports to test as proxies: the open ones among
// the usual proxy ports, or all of those when discovery data is missing.
func candidates(env *scanners.Env, t scanners.Target) (httpP, socksP []uint16) {
	if env.Prior == nil {
		return httpProxyPorts, socksPorts
	}
	for _, o := range env.Prior(scanners.ProbePortTCP, t) {
		ps, ok := o.Data.(*scanners.PortState)
		if !ok || o.Status != scanners.OK || ps.State != "open" || ps.Port == 0 {
			continue
		}
		if slices.Contains(httpProxyPorts, ps.Port) {
			httpP = append(httpP, ps.Port)
		}
		if slices.Contains(socksPorts, ps.Port) {
			socksP = append(socksP, ps.Port)
		}
	}
	return httpP, socksP
}

// canary is a one-shot HTTP server on the scanner's own address that
// answers GET /<token> with the token, and records who fetched it.
type canary struct {
	l     net.Listener
	token string
	mu    sync.Mutex
	hits  []string
}

func newCanary(src netip.Addr) (*canary, error) {
	l, err := net.Listen("tcp", netip.AddrPortFrom(src, 0).String())
	if err != nil {
		return nil, err
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	c := &canary{l: l, token: "shindan-canary-" + hex.EncodeToString(b)}
	go c.serve()
	return c, nil
}

func (c *canary) addr() netip.AddrPort { return c.l.Addr().(*net.TCPAddr).AddrPort() }

func (c *canary) serve() {
	for {
		conn, err := c.l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
			line, _ := bufio.NewReader(io.LimitReader(conn, 4096)).ReadString('\n')
			if strings.Contains(line, c.token) {
				c.mu.Lock()
				c.hits = append(c.hits, conn.RemoteAddr().String())
				c.mu.Unlock()
			}
			fmt.Fprintf(conn, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(c.token), c.token)
		}()
	}
}

func (c *canary) seen() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.hits) > 0
}

func (r *Reflector) proxies(ctx context.Context, env *scanners.Env, t scanners.Target) []scanners.Observation {
	httpP, socksP := candidates(env, t)
	if len(httpP)+len(socksP) == 0 {
		return nil
	}
	src, err := rawio.SourceFor(t.Addr)
	if err != nil {
		return []scanners.Observation{scanners.Failed(scanners.ProbeSvcReflector, t.Endpoint(scanners.TCP, 0), env.Clock(), err)}
	}
	var out []scanners.Observation
	for _, port := range httpP {
		for _, method := range []string{"http", "http-connect"} {
			if o, ok := r.tryProxy(ctx, env, t.Endpoint(scanners.TCP, port), src, method); ok {
				out = append(out, o)
			}
		}
	}
	for _, port := range socksP {
		if o, ok := r.tryProxy(ctx, env, t.Endpoint(scanners.TCP, port), src, "socks5"); ok {
			out = append(out, o)
		}
	}
	return out
}

// tryProxy runs one proxy test; ok is false when the port did not accept
// a connection at all (nothing to say about it).
func (r *Reflector) tryProxy(ctx context.Context, env *scanners.Env, tt scanners.Target, src netip.Addr, method string) (scanners.Observation, bool) {
	cn, err := newCanary(src)
	if err != nil {
		return scanners.Failed(scanners.ProbeSvcReflector, tt, env.Clock(), fmt.Errorf("portscan: canary listener: %w", err)), true
	}
	defer cn.l.Close()
	dctx, cancel := context.WithTimeout(ctx, env.Timeout())
	defer cancel()
	conn, err := env.DialContext(dctx, "tcp", tt.HostPort())
	if err != nil {
		if errors.Is(err, scanners.ErrOutOfScope) {
			return scanners.Failed(scanners.ProbeSvcReflector, tt, env.Clock(), err), true
		}
		return scanners.Observation{}, false
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(env.Timeout()))
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	ca := cn.addr()
	url := "http://" + ca.String() + "/" + cn.token
	get := "GET /" + cn.token + " HTTP/1.0\r\nHost: " + ca.String() + "\r\n\r\n"
	var transcript strings.Builder
	br := bufio.NewReader(io.LimitReader(conn, 64<<10))
	answer, body := "", ""
	switch method {
	case "http":
		req := "GET " + url + " HTTP/1.1\r\nHost: " + ca.String() + "\r\nUser-Agent: " + ua(env) + "\r\nConnection: close\r\n\r\n"
		transcript.WriteString("C: " + strings.TrimSpace(strings.SplitN(req, "\r\n", 2)[0]) + "\n")
		if _, err = io.WriteString(conn, req); err == nil {
			answer, body, err = readHTTP(br)
		}
	case "http-connect":
		req := "CONNECT " + ca.String() + " HTTP/1.1\r\nHost: " + ca.String() + "\r\nUser-Agent: " + ua(env) + "\r\n\r\n"
		transcript.WriteString("C: CONNECT " + ca.String() + "\n")
		if _, err = io.WriteString(conn, req); err == nil {
			answer, _, err = readHead(br)
			if err == nil && strings.Contains(answer, " 200") {
				transcript.WriteString("S: " + answer + "\nC: " + strings.TrimSpace(get) + "\n")
				if _, err = io.WriteString(conn, get); err == nil {
					var inner string
					inner, body, err = readHTTP(br)
					answer += " / tunnel: " + inner
				}
			}
		}
	case "socks5":
		answer, body, err = socks5(conn, br, ca, get, &transcript)
	}
	transcript.WriteString("S: " + answer + "\n")
	open := strings.Contains(body, cn.token)
	time.Sleep(20 * time.Millisecond) // let the canary record a hit that raced the reply
	relayed := cn.seen()
	o := scanners.Observation{Probe: scanners.ProbeSvcReflector, Target: tt, At: env.Clock(), Status: scanners.OK,
		Data: &scanners.Proxy{Port: tt.Port, Method: method, Open: open, Relayed: relayed, Target: url, Answer: bound(answer, 200)},
		Evidence: []scanners.Evidence{{Kind: "transcript", Summary: fmt.Sprintf("%s proxy test on tcp/%d: canary fetched=%v, canary contacted=%v", method, tt.Port, open, relayed),
			Data: bound(transcript.String(), 2000)}}}
	if err != nil && !open && !relayed && answer == "" {
		o.Status, o.Reason = scanners.StatusOf(err), fmt.Sprintf("%s proxy test: %v", method, err)
		if errors.Is(err, io.EOF) {
			// The service closed on a proxy request: not a proxy.
			o.Status, o.Reason = scanners.OK, ""
		}
	}
	return o, true
}

// ua is the User-Agent of the proxy test; a value with a control
// character (which the CLI and policy parsers refuse) is never written.
func ua(env *scanners.Env) string {
	if env.Settings.HTTP.UserAgent != "" && scanners.CheckHeaderValue(env.Settings.HTTP.UserAgent) == nil {
		return env.Settings.HTTP.UserAgent
	}
	return "shindan"
}

func bound(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// readHead reads a status line and headers (bounded by the reader).
func readHead(br *bufio.Reader) (status string, headers []string, err error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return strings.TrimSpace(line), nil, err
	}
	status = strings.TrimSpace(line)
	for range 100 {
		h, err := br.ReadString('\n')
		if err != nil {
			return status, headers, err
		}
		if h = strings.TrimSpace(h); h == "" {
			return status, headers, nil
		}
		headers = append(headers, h)
	}
	return status, headers, errors.New("portscan: too many header lines")
}

func readHTTP(br *bufio.Reader) (status, body string, err error) {
	status, _, err = readHead(br)
	if err != nil {
		return status, "", err
	}
	b, err := io.ReadAll(io.LimitReader(br, 8<<10))
	if errors.Is(err, syscall.ECONNRESET) {
		err = nil
	}
	return status, string(b), err
}

// socks5 runs a no-authentication CONNECT to the canary and a GET through it.
func socks5(conn net.Conn, br *bufio.Reader, ca netip.AddrPort, get string, tr *strings.Builder) (answer, body string, err error) {
	tr.WriteString("C: SOCKS5 greeting (no auth)\n")
	if _, err = conn.Write([]byte{5, 1, 0}); err != nil {
		return "", "", err
	}
	var g [2]byte
	if _, err = io.ReadFull(br, g[:]); err != nil {
		return "", "", err
	}
	if g[0] != 5 || g[1] != 0 {
		return fmt.Sprintf("SOCKS greeting reply %x (no anonymous access)", g), "", nil
	}
	req := []byte{5, 1, 0}
	if ca.Addr().Is4() {
		req = append(req, 1)
	} else {
		req = append(req, 4)
	}
	req = append(req, ca.Addr().AsSlice()...)
	req = binary.BigEndian.AppendUint16(req, ca.Port())
	tr.WriteString("C: SOCKS5 CONNECT " + ca.String() + "\n")
	if _, err = conn.Write(req); err != nil {
		return "anonymous access", "", err
	}
	var h [4]byte
	if _, err = io.ReadFull(br, h[:]); err != nil {
		return "anonymous access", "", err
	}
	if h[1] != 0 {
		return "SOCKS5 CONNECT refused, code " + strconv.Itoa(int(h[1])), "", nil
	}
	skip := map[byte]int{1: 4 + 2, 4: 16 + 2}[h[3]]
	if h[3] == 3 {
		l, _ := br.ReadByte()
		skip = int(l) + 2
	}
	if _, err = br.Discard(skip); err != nil {
		return "SOCKS5 CONNECT granted", "", err
	}
	if _, err = io.WriteString(conn, get); err != nil {
		return "SOCKS5 CONNECT granted", "", err
	}
	st, b, err := readHTTP(br)
	return "SOCKS5 CONNECT granted / tunnel: " + st, b, err
}
