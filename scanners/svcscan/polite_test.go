package svcscan

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"shindan/scanners"
	"shindan/scanners/scantest"
)

// sshd greets and then waits for the client, as OpenSSH does.
func sshd(c net.Conn) {
	c.Write([]byte("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")) //nolint:errcheck
	c.SetReadDeadline(time.Now().Add(10 * time.Second))   //nolint:errcheck
	io.Copy(io.Discard, c)                                //nolint:errcheck
}

// TestSaturatedServerIsRetried: a server at its worker cap resets every
// new connection; identification must back off and name the service once
// a worker is free, not call it silent.
func TestSaturatedServerIsRetried(t *testing.T) {
	srv := scantest.ServeLimited(t, 2, sshd)
	srv.Busy(t, 2)
	time.AfterFunc(1500*time.Millisecond, srv.Release)
	tg := scanners.Target{Addr: srv.Addr.Addr(), Port: srv.Addr.Port(), Proto: scanners.TCP}
	start := time.Now()
	o := identify(t, testEnv(time.Second), tg)
	if o.Status != scanners.OK {
		t.Fatalf("status %s (%s) after %d resets; want the service named after backing off", o.Status, o.Reason, srv.Resets())
	}
	if s := service(t, o); s.Name != "ssh" {
		t.Fatalf("identified %q, want ssh", s.Name)
	}
	if srv.Resets() == 0 {
		t.Fatal("the server never refused: the test did not saturate it")
	}
	if !strings.Contains(o.Evidence[0].Data, "backing off") {
		t.Errorf("transcript does not show the backoff:\n%s", o.Evidence[0].Data)
	}
	t.Logf("named after %d resets in %s", srv.Resets(), time.Since(start).Round(time.Millisecond))
}

// TestAlwaysResettingIsBounded: a port that resets every connection for
// ever is retried with backoff only, then reported undecided.
func TestAlwaysResettingIsBounded(t *testing.T) {
	srv := scantest.ServeLimited(t, 1, sshd)
	srv.Busy(t, 1)
	tg := scanners.Target{Addr: srv.Addr.Addr(), Port: srv.Addr.Port(), Proto: scanners.TCP}
	start := time.Now()
	o := identify(t, testEnv(time.Second), tg)
	d := time.Since(start)
	if o.Status == scanners.OK {
		t.Fatalf("a port that reset every connection was decided: %+v", o.Data)
	}
	var total time.Duration
	for _, b := range backoff {
		total += b
	}
	if d > total+time.Duration(len(backoff)+1)*2*time.Second {
		t.Errorf("took %s; the backoff is %s plus one budget per try", d, total)
	}
	t.Logf("%s %s in %s", o.Status, o.Reason, d.Round(time.Millisecond))
}
