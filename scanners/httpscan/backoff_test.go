package httpscan

import (
	"bufio"
	"net"
	"net/http"
	"testing"
	"time"

	"shindan/scanners"
	"shindan/scanners/scantest"
)

// tinyHTTP answers one request per connection and closes, as a small
// proxy or an embedded web UI does; what it sends is the same for every
// path.
func tinyHTTP(c net.Conn) {
	c.SetDeadline(time.Now().Add(5 * time.Second)) //nolint:errcheck
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		return
	}
	req.Body.Close()
	c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")) //nolint:errcheck
}

// TestSiteBacksOffFromASaturatedServer: every worker of the server is
// taken by other clients, so it resets the probe's connections; GET /
// must be tried again after a pause and the site described, not failed.
func TestSiteBacksOffFromASaturatedServer(t *testing.T) {
	srv := scantest.ServeLimited(t, 2, tinyHTTP)
	srv.Busy(t, 2)
	time.AfterFunc(1500*time.Millisecond, srv.Release)
	tg := scanners.Target{Addr: srv.Addr.Addr(), Port: srv.Addr.Port(), Proto: scanners.TCP}
	start := time.Now()
	o := runSite(t, &scanners.Env{IOTimeout: time.Second}, tg)
	if o.Status != scanners.OK {
		t.Fatalf("status %s (%s) after %d resets; want the site after backing off", o.Status, o.Reason, srv.Resets())
	}
	if s := o.Data.(*scanners.HTTPSite); s.Root.Status != 200 {
		t.Fatalf("root status %d", s.Root.Status)
	}
	if srv.Resets() == 0 {
		t.Fatal("the server never refused: the test did not saturate it")
	}
	t.Logf("site described after %d resets in %s", srv.Resets(), time.Since(start).Round(time.Millisecond))
}
