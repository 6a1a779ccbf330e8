package nucleiwire

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"shindan/scanners"
)

// ScopeProxy is an HTTP forward proxy on loopback whose only way out is
// Env.DialContext: nuclei is told to use it for every HTTP request, so the
// scan's scope guard and rate limit hold for template traffic too (the SDK
// has no custom-dialer option). It runs in the scanning process, where the
// guard is, and nuclei (in a child process, or in-process in nucleiscan's
// tests) reaches it by its loopback URL. It serves one engine run at a
// time; the env is swapped per run.
type ScopeProxy struct {
	ln  net.Listener
	srv *http.Server
	mu  sync.RWMutex
	env *scanners.Env
	tr  *http.Transport
}

// NewScopeProxy listens on a loopback port chosen by the kernel; the
// header timeouts bound a target that accepts and then says nothing.
func NewScopeProxy() (*ScopeProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &ScopeProxy{ln: ln}
	p.tr = &http.Transport{
		Proxy:                 nil,
		DialContext:           p.dial,
		ResponseHeaderTimeout: 10 * time.Second,
		DisableCompression:    true,
		// An idle keep-alive connection holds a worker of a small server
		// (tinyproxy, embedded web UIs) until the server's own timeout,
		// and a slot of the scope guard's per-endpoint cap: keep few,
		// briefly, and drop them when the run ends (EndRun).
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     time.Second,
	}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go p.srv.Serve(ln) //nolint:errcheck // returns ErrServerClosed on Close
	return p, nil
}

// URL is the proxy address nuclei is configured with.
func (p *ScopeProxy) URL() string { return "http://" + p.ln.Addr().String() }

// SetEnv points the proxy at the current run's Env (its scope guard and
// rate limit); nil refuses every request between runs.
func (p *ScopeProxy) SetEnv(env *scanners.Env) {
	p.mu.Lock()
	p.env = env
	p.mu.Unlock()
}

// dial is the proxy's only way out: one rate-limit token, then the Env's
// dialer, which refuses addresses outside the scan's scope.
func (p *ScopeProxy) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	p.mu.RLock()
	env := p.env
	p.mu.RUnlock()
	if env == nil {
		return nil, errors.New("nucleiwire: no scan in progress")
	}
	if err := env.Wait(ctx, 1); err != nil {
		return nil, err
	}
	return env.DialContext(ctx, network, addr)
}

// ServeHTTP forwards one plain-HTTP request (absolute URL, as proxies
// receive them) or tunnels a CONNECT for HTTPS. The response body is
// capped at 8 MiB so a hostile target cannot fill memory through nuclei.
func (p *ScopeProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		p.connect(w, r)
		return
	}
	if r.URL.Host == "" {
		http.Error(w, "shindan nuclei proxy: absolute URL required", http.StatusBadRequest)
		return
	}
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.Header.Del("Proxy-Connection")
	if out.ContentLength <= 0 && (r.Method == http.MethodTrace || r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions) {
		// A bodiless request must stay bodiless: Apache refuses TRACE sent
		// with chunked encoding (413), which would hide an enabled TRACE.
		out.Body, out.ContentLength, out.TransferEncoding = http.NoBody, 0, nil
	}
	resp, err := p.tr.RoundTrip(out)
	if err != nil {
		http.Error(w, "shindan nuclei proxy: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	// One request per connection: raw (unsafe) clients read to EOF.
	w.Header().Set("Connection", "close")
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, io.LimitReader(resp.Body, 8<<20)) //nolint:errcheck // the client sees a short body
}

// connect tunnels a CONNECT: the upstream is dialed through the guard
// first, then bytes are copied both ways until either side closes or the
// two-minute deadline ends a tunnel that would otherwise hang the run.
func (p *ScopeProxy) connect(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	up, err := p.dial(ctx, "tcp", r.Host)
	cancel()
	if err != nil {
		http.Error(w, "shindan nuclei proxy: "+err.Error(), http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		up.Close()
		http.Error(w, "shindan nuclei proxy: no hijack", http.StatusInternalServerError)
		return
	}
	down, buf, err := hj.Hijack()
	if err != nil {
		up.Close()
		return
	}
	if _, err := down.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		up.Close()
		down.Close()
		return
	}
	if n := buf.Reader.Buffered(); n > 0 {
		b, _ := buf.Reader.Peek(n)
		up.Write(b) //nolint:errcheck // a failed write shows up in the copy below
	}
	deadline := time.Now().Add(2 * time.Minute) // bounds a tarpit
	up.SetDeadline(deadline)                    //nolint:errcheck
	down.SetDeadline(deadline)                  //nolint:errcheck
	go func() {
		io.Copy(up, down) //nolint:errcheck
		up.Close()
	}()
	io.Copy(down, up) //nolint:errcheck
	down.Close()
}

// EndRun refuses further requests and closes the idle upstream
// connections, so nothing stays open to the target after its templates.
func (p *ScopeProxy) EndRun() {
	p.SetEnv(nil)
	p.tr.CloseIdleConnections()
}

// Close stops the listener and drops idle upstream connections.
func (p *ScopeProxy) Close() {
	p.srv.Close() //nolint:errcheck
	p.tr.CloseIdleConnections()
}
